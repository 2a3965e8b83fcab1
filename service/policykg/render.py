"""Renderers: turn one payload into the body of one format (the table is in `negotiate`).

Payload by kind: `results` renderers take a `store.Result` (SELECT or ASK); `graph` renderers
take a `Graph` (triples and the prefixes to write them with); `page` takes a `Page`
(template and its context); `data` takes a plain dict from the JSON API, and `table` a dict
with `columns` and `rows` (column → plain string) as well.

Decisions:
- SPARQL JSON carries a top-level `"truncated": true` when the row cap cut the answer
  (clients ignore keys they do not know); the view also sends `X-PolicyKG-Truncated: true`.
- CSV and TSV follow SPARQL 1.1 Query Results CSV and TSV. An ASK answer, which that
  spec leaves out, is one column `boolean` holding `true` or `false`.
- `/sparql` CSV is the standard format without a byte-order mark (programs read it). The
  plain-data CSV (`/queries/<name>.csv`, a spreadsheet download) starts with a UTF-8 BOM, so
  that Excel opens Chinese text as UTF-8 instead of the local code page.
- RDF is written by pyoxigraph; JSON-LD is its flat expanded form (no @context).
"""

import csv
import io
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pyoxigraph
from flask import render_template

from .namespaces import SPARQL_RESULTS as RESULTS_NS
from .namespaces import XML_LANG, XSD_STRING


@dataclass
class Triples:
    triples: list  # pyoxigraph.Triple
    prefixes: dict = field(default_factory=dict)


@dataclass
class Page:
    template: str
    context: dict


def triples(result):
    """The triples of a CONSTRUCT/DESCRIBE Result (N-Triples lines) as pyoxigraph triples."""
    text = "\n".join(result.triples)
    return [quad.triple for quad in pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.N_TRIPLES)]


def table(result):
    """(columns, rows of SPARQL JSON terms) for any Result; a graph is a table of triples."""
    if result.form == "ask":
        value = "true" if result.boolean else "false"
        return ["boolean"], [{"boolean": {"type": "literal", "value": value}}]
    if result.form == "graph":
        columns = ["subject", "predicate", "object"]
        return columns, [{c: _json_term(getattr(t, c)) for c in columns} for t in triples(result)]
    return list(result.variables), result.rows


def _json_term(term):
    if isinstance(term, pyoxigraph.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, pyoxigraph.BlankNode):
        return {"type": "bnode", "value": term.value}
    if term.language:
        return {"type": "literal", "value": term.value, "xml:lang": term.language}
    return {"type": "literal", "value": term.value, "datatype": term.datatype.value}


def plain(term):
    """A term as plain text: IRI, lexical form, or `_:label` (empty when unbound)."""
    if term is None:
        return ""
    return "_:" + term["value"] if term["type"] == "bnode" else term["value"]


def sparql_json(result):
    if result.form == "ask":
        body = {"head": {}, "boolean": bool(result.boolean)}
    else:
        body = {"head": {"vars": list(result.variables)}, "results": {"bindings": result.rows}}
    if result.truncated:
        body["truncated"] = True
    return json.dumps(body, ensure_ascii=False)


def sparql_xml(result):
    root = ET.Element("sparql", xmlns=RESULTS_NS)
    head = ET.SubElement(root, "head")
    if result.form == "ask":
        ET.SubElement(root, "boolean").text = "true" if result.boolean else "false"
    else:
        for name in result.variables:
            ET.SubElement(head, "variable", name=name)
        results = ET.SubElement(root, "results")
        for row in result.rows:
            element = ET.SubElement(results, "result")
            for name in result.variables:
                if name in row:
                    binding = ET.SubElement(element, "binding", name=name)
                    binding.append(_xml_term(row[name]))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _xml_term(term):
    kind = {"uri": "uri", "bnode": "bnode"}.get(term["type"], "literal")
    element = ET.Element(kind)
    element.text = term["value"]
    if "xml:lang" in term:
        element.set(XML_LANG, term["xml:lang"])
    elif term.get("datatype") and term["datatype"] != XSD_STRING:
        element.set("datatype", term["datatype"])
    return element


def _csv(columns, rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue()


def sparql_csv(result):
    columns, rows = table(result)
    return _csv(columns, [{k: plain(v) for k, v in row.items()} for row in rows])


def sparql_tsv(result):
    columns, rows = table(result)
    if result.form == "ask":
        return "?boolean\n" + rows[0]["boolean"]["value"] + "\n"
    lines = ["\t".join("?" + column for column in columns)]
    for row in rows:
        lines.append("\t".join(_tsv_term(row[c]) if c in row else "" for c in columns))
    return "\n".join(lines) + "\n"


def _tsv_term(term):
    if term["type"] == "uri":
        return f"<{term['value']}>"
    if term["type"] == "bnode":
        return "_:" + term["value"]
    escaped = (
        term["value"]
        .replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    if "xml:lang" in term:
        return f'"{escaped}"@{term["xml:lang"]}'
    if term.get("datatype") and term["datatype"] != XSD_STRING:
        return f'"{escaped}"^^<{term["datatype"]}>'
    return f'"{escaped}"'


def _rdf(graph, rdf_format):
    return pyoxigraph.serialize(graph.triples, format=rdf_format, prefixes=graph.prefixes)


def turtle(graph):
    return _rdf(graph, pyoxigraph.RdfFormat.TURTLE)


def jsonld(graph):
    return _rdf(graph, pyoxigraph.RdfFormat.JSON_LD)


def rdfxml(graph):
    return _rdf(graph, pyoxigraph.RdfFormat.RDF_XML)


def ntriples(graph):
    return pyoxigraph.serialize(graph.triples, format=pyoxigraph.RdfFormat.N_TRIPLES)


def nquads(graph):
    quads = [
        pyoxigraph.Quad(t.subject, t.predicate, t.object, pyoxigraph.DefaultGraph()) for t in graph.triples
    ]
    return pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.N_QUADS)


def page(page):
    return render_template(page.template, **page.context)


def data_json(data):
    return json.dumps(data, ensure_ascii=False)


def data_csv(data):
    return "\ufeff" + _csv(data["columns"], data["rows"])
