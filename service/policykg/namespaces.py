"""The namespaces the code speaks of, each spelled once (as rdflib does in `rdflib.namespace`).

Plain strings: a term is `XSD + "decimal"`. SPARQL files declare their own prefixes."""

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
FOAF = "http://xmlns.com/foaf/0.1/"
PROV = "http://www.w3.org/ns/prov#"
SD = "http://www.w3.org/ns/sparql-service-description#"
IANA = "http://www.iana.org/assignments/media-types/"
# W3C's names for RDF and results formats (`formats:Turtle`), used by the service description.
FORMATS = "http://www.w3.org/ns/formats/"
# The SPARQL 1.1 query results XML format, and xml:lang as ElementTree spells it.
SPARQL_RESULTS = "http://www.w3.org/2005/sparql-results#"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

XSD_STRING = XSD + "string"
XSD_BOOLEAN = XSD + "boolean"
RDF_LANG_STRING = RDF + "langString"
