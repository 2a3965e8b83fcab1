"""The policy browser's data: plain functions that run the queries of `queries/api/` and shape
their rows into plain dicts. The JSON API (`views/api.py`) returns these dicts as they are and the
pages (`views/pages.py`) render them: one way through for both.

What a request brings (filters, slugs, IRIs) is checked here and bound as typed values by
`CannedQuery.bind`, never pasted into query text. Amounts are written as people read them:
2000000 → "200 万元", a cap → "最高 …", a rate → "实际投保年度保费的 60%，每年最高 20 万元".
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import errors, queries, wording

# Slugs of our IRIs (`id/<kind>/<slug>`); no dots, so `/doc/policy/x.ttl` is never a slug.
SLUG = re.compile(r"[A-Za-z0-9_-]+")
# Kinds of resource that have a page here (`/doc/<kind>/<slug>`).
PAGE_KINDS = ("policy", "document", "organisation")
# Policy filters: request parameter → folder of its values' IRIs under `<BASE>id/`.
FILTERS = {
    "level": "concept/level",
    "kind": "concept/benefit-kind",
    "applicant": "concept/applicant",
    "theme": "concept/theme",
    "body": "organisation",
    "document": "document",
}
# Concept schemes whose concepts link to the policy list filtered by them.
FILTER_SCHEMES = {
    "concept/" + folder.split("/", 1)[1]: name
    for name, folder in FILTERS.items()
    if folder.startswith("concept/")
}
MAX_SEARCH = 100
# IRIs one labels request may ask about.
MAX_LABELS = 200
# The order people expect, where the code lists have one (others sort by IRI).
CONCEPT_ORDER = (
    "international",
    "national",
    "industry",
    "provincial",
    "municipal",
    "group",
    "organisation",
    "individual",
    "region",
)
# How several bases of one amount read together ("每件每个国家", "每家企业每年").
BASIS_ORDER = (
    "per-enterprise",
    "per-institution",
    "per-year",
    "per-round",
    "per-item",
    "per-country",
    "one-off",
)


@dataclass(frozen=True)
class Source:
    """Where the browse functions get their rows: a store, the API queries, the base IRI."""

    store: queries.Queryable
    catalog: queries.Catalog = field(repr=False)
    base: str
    timeout: float

    def rows(self, name: str, **params: str) -> list[dict[str, str]]:
        """Rows of query `name` with `params` bound, as {variable: plain value}."""
        result = self.store.query(self.catalog.get(name).bind(params), timeout=self.timeout)
        return [{key: term["value"] for key, term in row.items()} for row in result.rows]


def source(store: queries.Queryable, cfg: queries.Settings) -> Source:
    """The browse functions' source: `store` through the API queries of these settings."""
    return Source(store, queries.api(cfg), cfg["BASE_IRI"], cfg["QUERY_TIMEOUT"])


# --- IRIs, paths and references --------------------------------------------------------------


def iri(base, kind, slug):
    """`<base>id/<kind>/<slug>`; NotFound when `slug` cannot be one of ours."""
    if not SLUG.fullmatch(slug):
        raise errors.NotFound(f"没有这个地址：{kind}/{slug}")
    return f"{base}id/{kind}/{slug}"


def page_path(base, value):
    """Where a person reads about `value`: its page (`/doc/policy/x`), the policy list filtered
    by it (a level, benefit kind, applicant type or theme), or None."""
    prefix = base + "id/"
    if not value.startswith(prefix):
        return None
    folder, _, slug = value[len(prefix) :].rpartition("/")
    if not SLUG.fullmatch(slug):
        return None
    if folder in PAGE_KINDS:
        return f"/doc/{folder}/{slug}"
    if folder in FILTER_SCHEMES:
        return f"/policies?{FILTER_SCHEMES[folder]}={slug}"
    return None


def code(value):
    """The last segment of an IRI: a concept's code, a resource's slug."""
    return value.rsplit("/", 1)[-1]


def ref(base, value, label, **more):
    """A linked thing as the API gives it: IRI, label and the path of its page (or None)."""
    return {"iri": value, "label": label, "page": page_path(base, value), **more}


def natural(value):
    """Sort key reading the numbers in an IRI as numbers (`ip-support-2` before `-10a`)."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", value)]


def concept_key(item):
    position = code(item["iri"])
    rank = CONCEPT_ORDER.index(position) if position in CONCEPT_ORDER else len(CONCEPT_ORDER)
    return rank, natural(item["iri"])


def renamed(items, name):
    """`items` with their `extra` under a telling name (a hotline's tel, a document's number)."""
    return [
        {**{key: value for key, value in item.items() if key != "extra"}, name: item.get("extra")}
        for item in items
    ]


def facets(base, rows):
    """{facet: [refs]} from rows of (facet, value, valueLabel[, extra]), without repeats."""
    found: dict = {}
    for row in rows:
        if "facet" not in row:
            continue
        items = found.setdefault(row["facet"], {})
        if row["value"] not in items:
            items[row["value"]] = ref(
                base, row["value"], row["valueLabel"], **({"extra": row["extra"]} if "extra" in row else {})
            )
    return {name: sorted(items.values(), key=concept_key) for name, items in found.items()}


# --- Amounts in words ------------------------------------------------------------------------


def basis_words(bases):
    """What an amount is counted per, in reading order: ["每件", "每个国家"] → "每件每个国家"."""
    ordered = sorted(
        bases,
        key=lambda basis: (
            BASIS_ORDER.index(basis["code"]) if basis["code"] in BASIS_ORDER else len(BASIS_ORDER),
            basis["code"],
        ),
    )
    # A label may carry its synonyms in brackets ("每件（每项）"): the first word reads best.
    return "".join(re.sub(r"（.*?）", "", basis["label"]) for basis in ordered)


def amount_text(amount: Mapping[str, Any]) -> str:
    """One amount in words: "200 万元", "每件最高 4000 元", "一次性 10 万元",
    "实际投保年度保费的 60%，每年最高 20 万元"."""
    per = basis_words(amount.get("bases", ()))
    if amount.get("rate") is not None:
        share = wording.percent(amount["rate"])
        text = f"{amount['rateBase']}的 {share}" if amount.get("rateBase") else share
        if amount.get("rateUplift") is not None:
            text += f"，上浮 {wording.percent(amount['rateUplift'])}"
        if amount.get("maxValue") is not None:
            return f"{text}，{per}最高 {wording.yuan(amount['maxValue'])}"
        return f"{text}（{per}）" if per else text
    if amount.get("value") is not None:
        return f"{per} {wording.yuan(amount['value'])}" if per else wording.yuan(amount["value"])
    if amount.get("maxValue") is not None:
        return f"{per}最高 {wording.yuan(amount['maxValue'])}"
    return ""


def amount_kind(amount):
    if amount.get("rate") is not None:
        return "rate"
    return "fixed" if amount.get("value") is not None else "capped"


# --- Policies ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    given: dict  # what the request asked for, by parameter name (codes and slugs)
    params: dict  # the values bound into queries/api/policies.rq


def read_filters(args: Mapping[str, str], base: str) -> Filters:
    """The policy filters in request arguments (`q`, `minAmount`, the FILTERS by code or slug).

    Raises BadRequest naming the parameter for a value that cannot be one."""
    given, params = {}, {}
    search = (args.get("q") or "").strip()
    if len(search) > MAX_SEARCH:
        raise errors.BadRequest(f"检索词太长：最多 {MAX_SEARCH} 个字", param="q")
    if search:
        given["q"] = search
    params["q"] = search
    for name, folder in FILTERS.items():
        value = (args.get(name) or "").strip()
        if value and not SLUG.fullmatch(value):
            raise errors.BadRequest(f"筛选项 {name} 的值无效：{value}", param=name)
        if value:
            given[name] = value
        params[name] = f"{base}id/{folder}/{value}" if value else ""
    least = (args.get("minAmount") or "").strip() or "0"
    if least != "0":
        given["minAmount"] = least
    params["minAmount"] = least
    return Filters(given, params)


def policies(src: Source, filters: Filters) -> list[dict[str, Any]]:
    """The policies matching `filters`, in handbook order, each with its facets and its
    largest amount ("最高可得")."""
    found = {}
    for row in src.rows("policies", **filters.params):
        if row["policy"] not in found:
            most = row.get("maxValue")
            found[row["policy"]] = {
                "iri": row["policy"],
                "slug": code(row["policy"]),
                "label": row["label"],
                "page": page_path(src.base, row["policy"]),
                "api": f"/api/policies/{code(row['policy'])}",
                "firstPage": int(row["firstPage"]) if "firstPage" in row else None,
                "maxAmount": wording.json_number(most) if most else None,
                "maxAmountText": wording.yuan(most) if most else "",
                "rows": [],
            }
        found[row["policy"]]["rows"].append(row)
    items = []
    for item in found.values():
        links = facets(src.base, item.pop("rows"))
        item.update({name: links.get(name, []) for name in ("theme", "level", "applicant", "body")})
        item["hotline"] = renamed(links.get("hotline", []), "tel")
        items.append(item)
    return items


def filter_options(src: Source) -> dict[str, list[dict[str, Any]]]:
    """The values each policy filter can take (used by some policy), with how many use it."""
    options: dict = {}
    for row in src.rows("filter-options"):
        option = ref(
            src.base, row["value"], row["valueLabel"], code=code(row["value"]), policies=int(row["policies"])
        )
        if row["facet"] == "document":
            option["number"] = row.get("extra")
        options.setdefault(row["facet"], []).append(option)
    return {facet: sorted(items, key=concept_key) for facet, items in options.items()}


def home(src: Source) -> dict[str, Any]:
    """Every policy, grouped by theme (a policy with two themes is in both)."""
    everything = policies(src, read_filters({}, src.base))
    themes: dict = {}
    for item in everything:
        for theme in item["theme"]:
            themes.setdefault(theme["iri"], dict(theme, policies=[]))["policies"].append(item)
    return {"count": len(everything), "themes": list(themes.values())}


def _resource(src, kind, slug, missing):
    """(IRI, its facts row, its link rows) from the `<kind>` and `<kind>-links` queries;
    NotFound with `missing` when the graph does not hold it."""
    target = iri(src.base, kind, slug)
    facts = src.rows(kind, **{kind: target})
    if not facts:
        raise errors.NotFound(f"{missing}：{slug}")
    return target, facts[0], src.rows(f"{kind}-links", **{kind: target})


def policy(src: Source, slug: str) -> dict[str, Any]:
    """One policy: its facts, links, benefits with their amounts, and conditions."""
    target, row, link_rows = _resource(src, "policy", slug, "没有这项政策")
    links = facets(src.base, link_rows)
    first = int(row["firstPage"]) if "firstPage" in row else None
    last = int(row["lastPage"]) if "lastPage" in row else None
    return {
        "iri": target,
        "slug": slug,
        "label": row["label"],
        "labelEn": row.get("labelEn"),
        "page": page_path(src.base, target),
        "api": f"/api/policies/{slug}",
        "definition": row.get("definition"),
        "howToApply": row.get("howToApply"),
        "website": row.get("website"),
        "source": {
            "handbook": ref(src.base, row["handbook"], row["handbookLabel"]) if "handbook" in row else None,
            "section": ref(src.base, row["section"], row["sectionLabel"]) if "section" in row else None,
            "firstPage": first,
            "lastPage": last,
            "pages": wording.pages(first, last),
        },
        "themes": links.get("theme", []),
        "levels": links.get("level", []),
        "applicants": links.get("applicant", []),
        "bodies": links.get("body", []),
        "grantedBy": links.get("grantedBy", []),
        "recognitions": links.get("recognition", []),
        "hotlines": renamed(links.get("hotline", []), "tel"),
        "legalBases": renamed(links.get("document", []), "number"),
        "benefits": benefits(src, target),
        "conditions": conditions(src, target),
    }


def benefits(src, target):
    amounts: dict = {}
    for row in src.rows("policy-amounts", policy=target):
        per_benefit = amounts.setdefault(row["benefit"], {})
        amount = per_benefit.get(row["amount"])
        if amount is None:
            amount = per_benefit[row["amount"]] = {
                "iri": row["amount"],
                "value": wording.json_number(row["value"]) if "value" in row else None,
                "maxValue": wording.json_number(row["maxValue"]) if "maxValue" in row else None,
                "rate": wording.json_number(row["rate"]) if "rate" in row else None,
                "rateUplift": wording.json_number(row["rateUplift"]) if "rateUplift" in row else None,
                "rateBase": row.get("rateBase"),
                "tier": row.get("tier"),
                "level": row.get("level"),
                "applicant": row.get("applicant"),
                "qualifier": row.get("qualifier"),
                "printed": row.get("printed"),
                "bases": [],
            }
        if "basisCode" in row:
            amount["bases"].append({"code": row["basisCode"], "label": row["basisLabel"]})
    items = []
    for row in src.rows("policy-benefits", policy=target):
        listed = sorted(amounts.get(row["benefit"], {}).values(), key=lambda a: natural(a["iri"]))
        for amount in listed:
            amount["kind"] = amount_kind(amount)
            amount["text"] = amount_text(amount)
        first = int(row["firstPage"]) if "firstPage" in row else None
        last = int(row["lastPage"]) if "lastPage" in row else None
        items.append(
            {
                "iri": row["benefit"],
                "label": row["label"],
                "clause": row.get("clause"),
                "monetary": row["monetary"] == "true",
                "kinds": split(row.get("kinds")),
                "applicants": split(row.get("applicants")),
                "sourceText": row["sourceText"],
                "note": row.get("note"),
                "pages": wording.pages(first, last),
                "amounts": listed,
                "tiered": len(listed) > 1 or any(a["tier"] or a["level"] for a in listed),
            }
        )
    return sorted(items, key=lambda item: natural(item["iri"]))


def split(joined):
    return joined.split("、") if joined else []


def conditions(src, target):
    """Condition groups, gathered under the applicant types they are for."""
    groups: dict = {}
    for row in src.rows("policy-conditions", policy=target):
        group = groups.get(row["group"])
        if group is None:
            group = groups[row["group"]] = {
                "iri": row["group"],
                "label": row["groupLabel"],
                "clause": row.get("groupClause"),
                "combination": row.get("combination"),
                "sourceText": row.get("groupText"),
                "applicants": {},
                "criteria": {},
            }
        group["applicants"][row["applicant"]] = ref(src.base, row["applicant"], row["applicantLabel"])
        first = int(row["firstPage"]) if "firstPage" in row else None
        last = int(row["lastPage"]) if "lastPage" in row else None
        group["criteria"][row["criterion"]] = {
            "iri": row["criterion"],
            "clause": row.get("clause"),
            "sourceText": row["sourceText"],
            "pages": wording.pages(first, last),
        }
    sections: dict = {}
    for group in sorted(groups.values(), key=lambda g: natural(g["iri"])):
        applicants = sorted(group.pop("applicants").values(), key=concept_key)
        group["criteria"] = sorted(group["criteria"].values(), key=lambda c: natural(c["iri"]))
        key = tuple(item["iri"] for item in applicants)
        sections.setdefault(key, {"applicants": applicants, "groups": []})["groups"].append(group)
    return sorted(sections.values(), key=lambda s: [concept_key(a) for a in s["applicants"]])


# --- Documents, bodies, hotlines ------------------------------------------------------------


def document(src: Source, slug: str) -> dict[str, Any]:
    """One legal document, the bodies that issued it and the policies resting on it."""
    target, row, link_rows = _resource(src, "document", slug, "没有这份文件")
    links = facets(src.base, link_rows)
    return {
        "iri": target,
        "slug": slug,
        "title": row["title"],
        "titleEn": row.get("titleEn"),
        "page": page_path(src.base, target),
        "api": f"/api/documents/{slug}",
        "number": row.get("number"),
        "normalizedNumber": row.get("normalizedNumber"),
        "year": int(row["year"]) if "year" in row else None,
        "type": row.get("type"),
        "citedAs": row.get("citedAs"),
        "note": row.get("note"),
        "issuers": links.get("issuer", []),
        "policies": links.get("policy", []),
    }


def organisation(src: Source, slug: str) -> dict[str, Any]:
    """One body: its names, its place in the hierarchy, its documents and policies."""
    target, row, rows = _resource(src, "organisation", slug, "没有这个机关")
    links = facets(src.base, rows)
    below: dict = {}  # documents issued by bodies under this one, with those bodies
    for link in rows:
        if link["facet"] == "subDocument":
            item = below.setdefault(
                link["value"], ref(src.base, link["value"], link["valueLabel"], issuers=[])
            )
            item["issuers"].append(link["extra"])
    return {
        "iri": target,
        "slug": slug,
        "label": row["label"],
        "labelEn": row.get("labelEn"),
        "page": page_path(src.base, target),
        "api": f"/api/organisations/{slug}",
        "altLabels": split(row.get("altLabels")),
        "level": row.get("level"),
        "place": row.get("place"),
        "founded": row.get("founded"),
        "sourceText": row.get("sourceText"),
        "parents": links.get("parent", []),
        "ancestors": links.get("ancestor", []),
        "children": links.get("child", []),
        "documents": renamed(links.get("document", []), "number"),
        "subDocuments": list(below.values()),
        "administers": links.get("administers", []),
        "grants": links.get("grants", []),
    }


def hotlines(src: Source) -> list[dict[str, Any]]:
    """Every hotline with the policies it answers for."""
    found: dict = {}
    for row in src.rows("hotlines"):
        line = found.setdefault(
            row["hotline"],
            {
                "iri": row["hotline"],
                "telephone": row["telephone"],
                "tel": row.get("tel"),
                "policies": [],
            },
        )
        if "policy" in row:
            body = ref(src.base, row["body"], row["bodyLabel"]) if "body" in row else None
            line["policies"].append(ref(src.base, row["policy"], row["policyLabel"], body=body))
    return list(found.values())


# --- The SPARQL editor -------------------------------------------------------------------------


def vocabulary(src: Source, prefixes: dict[str, str]) -> dict[str, Any]:
    """What the editor completes: `prefixes` (name → namespace) and the graph's classes and
    properties with their labels."""
    terms: dict = {"class": [], "property": []}
    for row in src.rows("vocabulary"):
        terms[row["kind"]].append({"iri": row["term"], "label": row.get("label")})
    return {"prefixes": prefixes, "classes": terms["class"], "properties": terms["property"]}


def labels(src: Source, iris: list[str]) -> dict[str, str]:
    """{IRI: Chinese label} for those of `iris` (ours only) that have one."""
    ours = list(dict.fromkeys(value for value in iris if value.startswith(src.base)))
    if len(ours) > MAX_LABELS:
        raise errors.BadRequest(f"一次最多查 {MAX_LABELS} 个 IRI 的名称", param="iri", limit=MAX_LABELS)
    found = {}
    for value in ours:
        for row in src.rows("label", iri=value):
            found[row["iri"]] = row["label"]
    return found
