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
from decimal import Decimal
from typing import Any

from . import artifact, cache, errors, fulltext, queries, wording

# Slugs of our IRIs (`id/<kind>/<slug>`); no dots, so `/doc/policy/x.ttl` is never a slug.
SLUG = re.compile(r"[A-Za-z0-9_-]+")
# Kinds of resource that have a page here (`/doc/<kind>/<slug>`).
PAGE_KINDS = ("policy", "document", "organisation", "handbook")
# Policy filters: request parameter → folder of its values' IRIs under `<BASE>id/`.
FILTERS = {
    "level": "concept/level",
    "kind": "concept/benefit-kind",
    "applicant": "concept/applicant",
    "theme": "concept/theme",
    "body": "organisation",
    "document": "document",
    "handbook": "handbook",
    "city": "place",
}
# Filters by where a policy comes from, whose values must be among those the data has (an
# unknown handbook, city or year is a 400, not an empty list); `year` is four digits.
KNOWN_ONLY = ("handbook", "city", "year")
YEAR = re.compile(r"\d{4}")
# Concept schemes whose concepts link to the policy list filtered by them.
FILTER_SCHEMES = {
    "concept/" + folder.split("/", 1)[1]: name
    for name, folder in FILTERS.items()
    if folder.startswith("concept/")
}
MAX_SEARCH = 100
# Rows of one page of a list, unless the request asks for another number (`limit`, 1…MAX_LIMIT).
PAGE_SIZE = 20
MAX_LIMIT = 100
# The deepest first row a request may ask for (`offset`, or `page` × `limit`).
MAX_OFFSET = 10_000
# The full-text index of the artifact, opened once per data version.
INDEX = "fulltext"
SEARCHERS: cache.PerVersion = cache.PerVersion("fulltext")
# The filter values with their labels and counts in all: one aggregate per data version.
OPTIONS: cache.PerVersion = cache.PerVersion("filter-options")
# The same options made into what the filters show, in their order.
ORDERED_OPTIONS: cache.PerVersion = cache.PerVersion("filter-options-ordered")
# Every hotline's row, for the directory's pages.
HOTLINES: cache.PerVersion = cache.PerVersion("hotlines")
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


class Rows(list):
    """Rows of a query, as {variable: plain value}; `truncated` when the store cut them at
    its row cap (a list then says so rather than pass a cut list for a whole one)."""

    truncated = False


@dataclass(frozen=True)
class Source:
    """Where the browse functions get their rows: a store, the API queries, the base IRI, and
    the artifact's full-text index (None when there is none: a remote store without a build)."""

    store: queries.Queryable
    catalog: queries.Catalog = field(repr=False)
    base: str
    timeout: float
    searcher: fulltext.Searcher | None = field(default=None, repr=False)
    settings: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def rows(self, name: str, **params: str) -> Rows:
        """Rows of query `name` with `params` bound, as {variable: plain value}: all of them, or
        an error when the store's row cap cut them (a list that long is read a page at a time,
        `page_rows`; a page or a fact built from a cut list would be wrong without a word)."""
        return self._whole(name, self._rows(self.catalog.get(name).bind(params)))

    def rows_for_each(self, name: str, values: list[Mapping[str, str]]) -> Rows:
        """Rows of query `name` for several bindings at once (one query, `bind_rows`): a page's
        policies asked about together rather than one query each."""
        return self._whole(name, self._rows(self.catalog.get(name).bind_rows(values)))

    @staticmethod
    def _whole(name: str, rows: Rows) -> Rows:
        if rows.truncated:
            raise errors.ServiceError(
                f"{name}.rq 的结果超过了行数上限 ROW_CAP，应分页读取 (the answer exceeds ROW_CAP; "
                "it must be read a page at a time)",
                500,
                query=name,
            )
        return rows

    def built_rows(self, name: str) -> Rows:
        """Rows of internal query `name` (`queries/internal/`), as {variable: plain value}: those
        the build precomputed for the data version served (`queries.internal_rows`), for the
        aggregates over the whole graph that no request may wait for."""
        return Rows(
            {key: term["value"] for key, term in row.items()}
            for row in queries.internal_rows(self.store, self.settings, name)
        )

    def page_rows(self, name: str, paging: "Paging", **params: str) -> tuple[Rows, int]:
        """One page of query `name`'s rows (in its ORDER BY) and how many rows it has in all."""
        sparql = self.catalog.get(name).bind(params)
        total = self._rows(queries.counted(sparql))
        return self._rows(queries.paged(sparql, paging.limit, paging.offset)), int(total[0]["count"])

    def _rows(self, sparql):
        result = self.store.query(sparql, timeout=self.timeout)
        rows = Rows({key: term["value"] for key, term in row.items()} for row in result.rows)
        rows.truncated = bool(result.truncated)
        return rows


def source(store: queries.Queryable, cfg: queries.Settings) -> Source:
    """The browse functions' source: `store` through the API queries of these settings, with
    the full-text index of the data version it serves."""
    return Source(
        store,
        queries.api(cfg),
        cfg["BASE_IRI"],
        cfg["QUERY_TIMEOUT"],
        searcher(cfg, store.data_version()),
        cfg,
    )


def searcher(cfg: queries.Settings, version: str | None) -> fulltext.Searcher | None:
    """The full-text index in `BUILD_DIR`, opened once for data version `version`; None when
    the artifact has none (or the data version is unknown)."""
    if version is None:
        return None
    folder = artifact.folder(cfg) / INDEX

    def open_index():
        try:
            return fulltext.Searcher(folder)
        except FileNotFoundError:
            return None

    return SEARCHERS.get(str(folder), version, open_index)


# --- Paging ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paging:
    offset: int
    limit: int

    @property
    def number(self) -> int:
        """The page's number, from 1 (when offset is a multiple of limit)."""
        return self.offset // self.limit + 1


def read_paging(args: Mapping[str, str], default: int = PAGE_SIZE) -> Paging:
    """The page a request asks for: `limit` rows (default `default`) from `offset`, or from
    `page` (1, 2, …) × `limit`. BadRequest naming the parameter for a value that cannot be one."""
    limit = _count(args, "limit", default, 1, MAX_LIMIT)
    if args.get("offset") and args.get("page"):
        raise errors.BadRequest("offset 与 page 只能给一个 (give offset or page, not both)", param="page")
    if args.get("page"):
        page = _count(args, "page", 1, 1, MAX_OFFSET // limit + 1)
        return Paging((page - 1) * limit, limit)
    return Paging(_count(args, "offset", 0, 0, MAX_OFFSET), limit)


def _count(args, name, default, least, most):
    text = (args.get(name) or "").strip()
    if not text:
        return default
    if not text.isascii() or not text.isdigit() or not least <= int(text) <= most:
        raise errors.BadRequest(f"参数 {name} 应为 {least} 到 {most} 的整数：{text}", param=name)
    return int(text)


def paged(items: list, total: int, paging: Paging, truncated: bool = False) -> dict[str, Any]:
    """A page of a list as the API gives it: the items, how many in all, where this page is,
    and the offset of the next page (None on the last)."""
    following = paging.offset + paging.limit
    return {
        "count": total,
        "offset": paging.offset,
        "limit": paging.limit,
        "page": paging.number,
        "pages": max(1, -(-total // paging.limit)),
        "nextOffset": following if following < total else None,
        "truncated": truncated,
        "items": items,
    }


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
        if "facet" not in row or "value" not in row:
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
    year = (args.get("year") or "").strip()
    if year and not YEAR.fullmatch(year):
        raise errors.BadRequest(f"年份应为四位数字，如 2023：{year}", param="year")
    if year:
        given["year"] = year
    params["year"] = year
    least = (args.get("minAmount") or "").strip() or "0"
    if not re.fullmatch(r"\d+(\.\d+)?", least):
        raise errors.BadRequest(f"最低金额应为不小于 0 的数字（元）：{least}", param="minAmount")
    if least != "0":
        given["minAmount"] = least
    params["minAmount"] = least
    return Filters(given, params)


def policies(src: Source, filters: Filters, paging: Paging) -> dict[str, Any]:
    """One page of the policies matching `filters` (`paged`: the policies under `items`),
    each with its facets and its largest amount ("最高可得"). With a search term, best
    first, each with its best-matching clause highlighted (`snippet`, HTML); without, in
    handbook order.

    From the full-text index when the artifact has one: the store is then asked about the
    page's policies only. Without one (a remote store), from `queries/api/policies.rq`."""
    check_known(src, filters)
    if src.searcher is None:
        return _policies_from_store(src, filters, paging)
    try:
        found = src.searcher.search(filters.params["q"], index_filters(filters), paging.offset, paging.limit)
    except ValueError as error:
        raise errors.BadRequest(f"检索条件无效：{error}", param="q") from None
    items = []
    asked: list[Mapping[str, str]] = [{"policy": hit.policy} for hit in found.hits]
    summaries: dict = {}
    for row in src.rows_for_each("policy-summary", asked) if asked else []:
        summaries.setdefault(row["policy"], []).append(row)
    for hit in found.hits:
        rows = summaries.get(hit.policy)
        if rows:
            item = _policy_item(src, rows)
            item["snippet"] = hit.snippet if filters.params["q"] else None
            item["clause"] = hit.clause if filters.params["q"] else None
            items.append(item)
    return paged(items, found.total, paging)  # (a cut summary raises)


def check_known(src: Source, filters: Filters) -> None:
    """BadRequest naming the parameter when a handbook, city or year filter asks for a value no
    policy has (the values and their counts come from one aggregate per data version)."""
    asked = {name: filters.params[name] for name in KNOWN_ONLY if filters.params.get(name)}
    if not asked:
        return
    known: dict = {}
    for row in _option_rows(src):
        known.setdefault(row["facet"], set()).add(row["value"])
    words = {"handbook": "手册", "city": "城市（手册所属地域）", "year": "手册发布年份"}
    for name, value in asked.items():
        if value not in known.get(name, set()):
            shown = filters.given[name]
            raise errors.BadRequest(
                f"没有这个{words[name]}：{name}={shown}（可选的值见 /api/filters）", param=name
            )


def _option_rows(src):
    """Every filter value with its label and count, as rows of (facet, value, valueLabel,
    extra, policies): `browse-filter-options.rq` (one aggregate) and the handbook, city and
    year values from `browse-filter-sources.rq` (one row per handbook), both precomputed by the
    build (15 s each on the whole graph at 10 000 policies); read once per data version."""
    return OPTIONS.get(
        src.base,
        src.store.data_version(),
        lambda: [*src.built_rows("browse-filter-options"), *_source_rows(src)],
    )


def _source_rows(src):
    """The handbook, city and year options from one row per handbook: a policy is in one
    handbook, so a city's or a year's count is the sum of its handbooks'."""
    rows: list[dict] = []
    cities: dict[str, dict] = {}
    years: dict[str, dict] = {}
    for row in src.built_rows("browse-filter-sources"):
        used = int(row["policies"])
        rows.append(
            {
                "facet": "handbook",
                "value": row["handbook"],
                "valueLabel": row["label"],
                "extra": row.get("issued"),
                "policies": used,
            }
        )
        if "place" in row:
            city = cities.setdefault(row["place"], {"facet": "city", "value": row["place"], "policies": 0})
            city["valueLabel"] = row.get("placeLabel") or code(row["place"])
            city["policies"] += used
        if YEAR.match(row.get("issued") or ""):
            year = row["issued"][:4]
            years.setdefault(year, {"facet": "year", "value": year, "valueLabel": year, "policies": 0})
            years[year]["policies"] += used
    return rows + list(cities.values()) + list(years.values())


def index_filters(filters: Filters) -> dict[str, str]:
    """The filters as `fulltext.Searcher` takes them (IRIs, the year as four digits, and
    minAmount in yuan)."""
    chosen = {name: value for name, value in filters.params.items() if name in FILTERS and value}
    if filters.params.get("year"):
        chosen["year"] = filters.params["year"]
    if filters.params["minAmount"] != "0":
        chosen["minAmount"] = filters.params["minAmount"]
    return chosen


def _policies_from_store(src, filters, paging):
    rows = src.rows("policies", **filters.params)
    grouped: dict = {}
    for row in rows:
        grouped.setdefault(row["policy"], []).append(row)
    chosen = list(grouped.values())[paging.offset : paging.offset + paging.limit]
    items = [dict(_policy_item(src, group), snippet=None, clause=None) for group in chosen]
    return paged(items, len(grouped), paging, rows.truncated)


def _policy_item(src, rows):
    """One policy of the list from its rows (`policy-summary.rq` or `policies.rq`)."""
    first = rows[0]
    amounts = [Decimal(row["amountValue"]) for row in rows if "amountValue" in row]
    most = str(max(amounts)) if amounts else first.get("maxValue")
    links = facets(src.base, rows)
    return {
        "iri": first["policy"],
        "slug": code(first["policy"]),
        "label": first["label"],
        "page": page_path(src.base, first["policy"]),
        "api": f"/api/policies/{code(first['policy'])}",
        "firstPage": int(first["firstPage"]) if "firstPage" in first else None,
        "maxAmount": wording.json_number(most) if most else None,
        "maxAmountText": wording.yuan(most) if most else "",
        **{name: links.get(name, []) for name in ("theme", "level", "applicant", "body")},
        "hotline": renamed(links.get("hotline", []), "tel"),
    }


def filter_options(src: Source, filters: Filters | None = None) -> dict[str, list[dict[str, Any]]]:
    """The values each policy filter can take (used by some policy), with how many policies
    use it: in all (one aggregate query), or, from the full-text index, how many of those
    matching `filters` have it (drill-down counts)."""
    counts = None
    if filters is not None:
        check_known(src, filters)
    if src.searcher is not None and filters is not None:
        try:
            counts = src.searcher.facet_counts(filters.params["q"], index_filters(filters))
        except ValueError as error:
            raise errors.BadRequest(f"检索条件无效：{error}", param="q") from None
    ordered = ORDERED_OPTIONS.get(src.base, src.store.data_version(), lambda: _ordered_options(src))
    if counts is None:
        return {facet: [dict(item) for item in items] for facet, items in ordered.items()}
    return {
        facet: [dict(item, policies=counts.get(facet, {}).get(item["iri"], 0)) for item in items]
        for facet, items in ordered.items()
    }


# The most values a filter's <select> on the page lists (handbooks, cities and years are all
# listed); past it, those used by the most matching policies, and the one chosen.
OPTIONS_SHOWN = 200
ALL_SHOWN = ("handbook", "city", "year")


def shown_options(options: dict, chosen: Mapping[str, str]) -> tuple[dict, dict]:
    """(`options` as a page's selects list them, {facet: how many values were left out}): a
    facet with more than OPTIONS_SHOWN values (10 000 legal bases at 10 000 policies made a
    2.8 MB page) keeps the OPTIONS_SHOWN used by the most policies, in their order, and the
    chosen value."""
    shown, left_out = {}, {}
    for facet, items in options.items():
        if facet in ALL_SHOWN or len(items) <= OPTIONS_SHOWN:
            shown[facet] = items
            continue
        ranked = sorted(range(len(items)), key=lambda at: -items[at]["policies"])
        kept = set(ranked[:OPTIONS_SHOWN])
        kept.update(at for at, item in enumerate(items) if item["code"] == chosen.get(facet))
        shown[facet] = [item for at, item in enumerate(items) if at in kept]
        left_out[facet] = len(items) - len(shown[facet])
    return shown, left_out


def _ordered_options(src):
    """Every filter option with its count in all, in the order the filters show them (made once
    per data version: at 10 000 policies, 19 000 options took 0.7 s to make and sort)."""
    options: dict = {}
    for row in _option_rows(src):
        used = int(row["policies"])
        option = ref(src.base, row["value"], row["valueLabel"], code=code(row["value"]), policies=used)
        if row["facet"] == "document":
            option["number"] = row.get("extra")
        if row["facet"] == "handbook":
            option["issued"] = row.get("extra")
            option["year"] = (row.get("extra") or "")[:4]  # "" when the handbook gives no date
        options.setdefault(row["facet"], []).append(option)
    for items in options.values():
        # Values that read the same (two cities called 临沂市) are told apart by their code.
        seen: dict = {}
        for item in items:
            seen.setdefault(item["label"], []).append(item)
        for same in seen.values():
            for item in same:
                item["text"] = f"{item['label']}（{item['code']}）" if len(same) > 1 else item["label"]
    ordered = {facet: sorted(items, key=concept_key) for facet, items in options.items()}
    if "year" in ordered:  # the newest first
        ordered["year"].sort(key=lambda item: item["code"], reverse=True)
    if "handbook" in ordered:  # by year, newest first, then by name
        ordered["handbook"].sort(
            key=lambda item: (-(int(item["year"] or 0)), item["text"], natural(item["iri"]))
        )
    return ordered


def home(src: Source, paging: Paging) -> dict[str, Any]:
    """The themes with how many policies each has, and the first page of the policy list."""
    listed = policies(src, read_filters({}, src.base), paging)
    themes = filter_options(src).get("theme", [])
    return {"count": listed["count"], "themes": themes, "policies": listed}


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
            "handbook": policy_handbook(src, row),
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


# --- Handbooks ------------------------------------------------------------------------------


def issued_words(value: str | None) -> str:
    """When a handbook was issued, as people write it: "2023-02" → "2023年2月", "2023" →
    "2023年", "2023-02-15" → "2023年2月15日"; "" when unknown, the value itself when odd."""
    if not value:
        return ""
    found = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", value)
    if not found:
        return value
    year, month, day = found.groups()
    return f"{year}年" + (f"{int(month)}月" if month else "") + (f"{int(day)}日" if day else "")


def handbook_facts(src: Source, target: str) -> dict[str, Any] | None:
    """One handbook's own facts (`queries/api/handbook.rq`) as a ref with its title, publisher,
    issue date and place, and `cited`, how a page names it: 《title》（publisher，date）; None
    when the graph holds no handbook `target`."""
    rows = src.rows("handbook", handbook=target)
    return _handbook(src, target, rows[0]) if rows else None


def _handbook(src, target, row):
    """A handbook as pages show it, from a row of `handbook.rq` (or of `policy.rq`, its
    variables renamed: `handbookTitle` → `title`, …)."""
    issued = issued_words(row.get("issued"))
    publisher = ref(src.base, row["publisher"], row["publisherLabel"]) if "publisher" in row else None
    place = (
        ref(src.base, row["place"], row["placeLabel"], code=code(row["place"])) if "place" in row else None
    )
    said = "，".join(part for part in ((publisher or {}).get("label"), issued) if part)
    title = row.get("title")
    return {
        **ref(src.base, target, row["label"]),
        "slug": code(target),
        "title": title,
        "titleEn": row.get("titleEn"),
        "publisher": publisher,
        "issued": row.get("issued"),
        "issuedText": issued,
        "year": int(row["issued"][:4]) if re.match(r"\d{4}", row.get("issued") or "") else None,
        "place": place,
        "sourceText": row.get("sourceText"),
        "cited": f"《{title}》（{said}）" if title and said else (f"《{title}》" if title else row["label"]),
    }


def policy_handbook(src: Source, row: Mapping[str, str]) -> dict[str, Any] | None:
    """The handbook a policy comes from, from its `policy.rq` row (`handbook`, `handbookLabel`,
    `handbookTitle`, `handbookPublisher`…); None when its section is part of no handbook."""
    if "handbook" not in row:
        return None
    prefix = "handbook"
    renamed = {
        key[len(prefix)].lower() + key[len(prefix) + 1 :]: value
        for key, value in row.items()
        if key.startswith(prefix) and key != prefix
    }
    return _handbook(src, row["handbook"], renamed)


def is_handbook(src: Source, slug: str) -> bool:
    """Whether `<BASE>id/handbook/<slug>` is a handbook the graph describes (not one of its
    sections or distributions, which share the folder)."""
    return bool(SLUG.fullmatch(slug)) and bool(src.rows("handbook", handbook=f"{src.base}id/handbook/{slug}"))


def handbook(src: Source, slug: str, paging: Paging) -> dict[str, Any]:
    """One handbook: its facts, and one page (`paged`) of the policies it lists, in its order."""
    target = iri(src.base, "handbook", slug)
    facts = handbook_facts(src, target)
    if facts is None:
        raise errors.NotFound(f"没有这本手册：{slug}")
    rows, total = src.page_rows("handbook-policies", paging, handbook=target)
    items = [
        ref(
            src.base,
            row["policy"],
            row["label"],
            firstPage=int(row["firstPage"]) if "firstPage" in row else None,
        )
        for row in rows
    ]
    return {
        **facts,
        "api": f"/api/handbooks/{slug}",
        "policies": paged(items, total, paging, rows.truncated),
    }


# --- Documents, bodies, hotlines ------------------------------------------------------------


# What a body does for a policy, in words (organisation-policies.rq's roles).
ROLES = {"administers": "受理", "grants": "给予惠企内容"}


def document(src: Source, slug: str, paging: Paging | None = None) -> dict[str, Any]:
    """One legal document, the bodies that issued it and one page (`paged`) of the policies
    resting on it."""
    target, row, link_rows = _resource(src, "document", slug, "没有这份文件")
    paging = paging or read_paging({})
    rows, total = src.page_rows("document-policies", paging, document=target)
    resting = [ref(src.base, item["policy"], item["label"]) for item in rows]
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
        "policies": paged(resting, total, paging, rows.truncated),
    }


def organisation(src: Source, slug: str, paging: Paging | None = None) -> dict[str, Any]:
    """One body: its names, its place in the hierarchy, its documents, and one page (`paged`)
    of the policies it administers or grants benefits of, each with its roles."""
    target, row, rows = _resource(src, "organisation", slug, "没有这个机关")
    paging = paging or read_paging({})
    policy_rows, total = src.page_rows("organisation-policies", paging, organisation=target)
    related = [
        ref(
            src.base,
            item["policy"],
            item["label"],
            roles=[{"code": role, "label": ROLES.get(role, role)} for role in sorted(item["roles"].split())],
        )
        for item in policy_rows
    ]
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
        "policies": paged(related, total, paging, policy_rows.truncated),
    }


def hotlines(src: Source, paging: Paging) -> dict[str, Any]:
    """One page of the hotlines (`paged`), in order of number, each with the policies it
    answers for: the page cut from every hotline's row (`browse-hotlines.rq`, precomputed by the
    build and read once per data version; sorting them in a query took 1.4 s at 10 000
    policies), then one query per hotline of the page."""
    every = HOTLINES.get(src.base, src.store.data_version(), lambda: src.built_rows("browse-hotlines"))
    lines, total = every[paging.offset : paging.offset + paging.limit], len(every)
    items = []
    for row in lines:
        answered = src.rows("hotline-policies", hotline=row["hotline"])  # (a cut answer raises)
        found: dict = {}
        for item in answered:
            body = ref(src.base, item["body"], item["bodyLabel"]) if "body" in item else None
            found.setdefault(item["policy"], ref(src.base, item["policy"], item["policyLabel"], body=body))
        items.append(
            {
                "iri": row["hotline"],
                "telephone": row["telephone"],
                "tel": row.get("tel"),
                "policies": list(found.values()),
            }
        )
    return paged(items, total, paging)


# --- The SPARQL editor -------------------------------------------------------------------------


def vocabulary(src: Source, prefixes: dict[str, str]) -> dict[str, Any]:
    """What the editor completes: `prefixes` (name → namespace) and the graph's classes and
    properties with their labels (`internal/editor-vocabulary.rq`: a scan of the whole graph, so
    precomputed by the build)."""
    terms: dict = {"class": [], "property": []}
    for row in src.built_rows("editor-vocabulary"):
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
