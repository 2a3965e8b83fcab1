"""Eligibility: which policies and benefits a profile may qualify for, condition by condition.

Everything the matcher knows comes from the graph through `queries/internal/match-*.rq`: no
policy, benefit or concept is named in this module, so a policy added as data is matched as it
is. The rules of evaluation (see docs/ask-and-match.md):

- A constraint compares the profile's value for its information concept (the profile key is
  the concept's `skos:notation`) with its bounds (min/max, inclusive/exclusive), required yes/no
  value, or required / excluded place (through `pkg:withinPlace`, transitively). Not given →
  unknown. A count with a look-back (近 N 年) counts only events N or fewer years ago when the
  profile lists events (`[{"years_ago": 2}]`); a plain number is taken as the count within
  every look-back window.
- A criterion holds when each of its constraints holds, where a constraint with alternatives
  (`pkg:alternativeTo`) holds when it or one of them does, and an alternative with
  `pkg:appliesIf` counts only when that yes/no concept is true. A criterion without
  constraints needs a person's judgement: unknown.
- A group combines its criteria: all or any (`pkg:combination`). Three values throughout:
  met, unmet, unknown (all: any unmet → unmet, else any unknown → unknown; any: the dual).
- A benefit is for some applicant types. Its conditions: the groups of its policy that apply to
  the applicant type and qualify for the benefit or the policy; if it follows from a
  recognition (`pkg:requiresRecognition`), holding it — or, when not held, the groups
  qualifying for it plus winning it, which no profile can show (unknown); its tier constraints;
  and, when nothing else is modelled, its own text (unknown, 需人工判断).
- Amounts: fixed → the value; cap → “最高”; tiers → those whose constraint (and recognition) the
  profile does not fail; rate → rate × base when the profile gives the base (its concept's
  notation), else “需要基数”, with the cap.
"""

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from policykg import errors, queries, render, wording
from policykg.cache import PerVersion
from policykg.names import clean, short_name
from policykg.namespaces import XSD

MET, UNMET, UNKNOWN = "met", "unmet", "unknown"
VERDICT = {MET: "eligible", UNMET: "not-eligible", UNKNOWN: "unknown"}
RANK = {MET: 2, UNKNOWN: 1, UNMET: 0, "eligible": 2, "unknown": 1, "not-eligible": 0}
QUERIES = {
    name: f"match-{name}"
    for name in (
        "concepts",
        "places",
        "recognitions",
        "benefits",
        "amounts",
        "groups",
        "criteria",
        "constraints",
    )
}
INFO_SCHEME = "id/concept/info"
TYPES = {XSD + "decimal": "decimal", XSD + "boolean": "boolean"}  # anything else: a place
BY_LEVEL = "def/CountsByLevel"  # value type: {level notation: count}
RECOGNITION_SET = "def/Recognition"  # value type: the set of recognitions held
APPLICANT_KEY = "applicant-type"
RECOGNITIONS_KEY = "recognitions"
EVENT_KEY = "years_ago"
JUDGEMENT = "需人工判断"


def all_of(statuses):
    statuses = list(statuses)
    return UNMET if UNMET in statuses else UNKNOWN if UNKNOWN in statuses else MET


def any_of(statuses):
    statuses = list(statuses)
    return MET if MET in statuses else UNKNOWN if UNKNOWN in statuses else UNMET


def _decimal(value):
    return Decimal(value) if value else None


def _pages(first, last):
    return {"first": int(first), "last": int(last) if last else None, "text": wording.pages(first, last)}


# ---------------------------------------------------------------------------------------------
# The rules: what the graph says, read once per data version
# ---------------------------------------------------------------------------------------------


@dataclass
class Concept:
    notation: str
    label: str
    kind: str  # decimal | boolean | place


@dataclass
class Place:
    iri: str
    label: str
    within: frozenset  # itself and every place it lies in


@dataclass
class Constraint:
    iri: str
    concept: str
    label: str
    minimum: tuple | None = None  # (value, inclusive)
    maximum: tuple | None = None
    required: bool | None = None
    required_place: str | None = None
    excluded_places: tuple = ()
    look_back: int | None = None
    applies_if: str | None = None
    applies_if_label: str | None = None
    alternative_to: str | None = None
    qualifier: str | None = None
    level: str | None = None  # for counts by level: the level counted (a notation)
    level_label: str | None = None


@dataclass
class Criterion:
    iri: str
    clause: str
    text: str
    pages: dict
    constraints: list = field(default_factory=list)


@dataclass
class Group:
    iri: str
    label: str
    combination: str  # all | any
    clause: str
    text: str | None
    pages: dict
    applicants: frozenset
    targets: frozenset
    criteria: list = field(default_factory=list)


@dataclass
class Amount:
    iri: str
    value: Decimal | None
    cap: Decimal | None
    rate: Decimal | None
    base: str | None
    base_label: str | None
    uplift: Decimal | None
    tier: str | None
    level: str | None
    printed: str
    qualifier: str | None
    applicants: frozenset
    recognitions: frozenset
    tiers: list  # Constraint
    bases: str


@dataclass
class Benefit:
    iri: str
    label: str
    monetary: str  # yes | no | unstated
    clause: str
    text: str
    pages: dict
    applicants: frozenset
    recognitions: frozenset
    amounts: list = field(default_factory=list)


@dataclass
class Policy:
    iri: str
    label: str
    pages: dict
    benefits: list = field(default_factory=list)
    groups: list = field(default_factory=list)


class Eligibility:
    """What eligibility is judged by: concepts, places, recognitions and every policy's
    benefits and conditions, as the graph states them."""

    def __init__(self, rows, base_iri):
        info_scheme = base_iri + INFO_SCHEME
        self.concepts, self.applicants, self.applicant_labels = {}, {}, {}
        for row in rows["concepts"]:
            if row.get("valueType") == base_iri + RECOGNITION_SET:
                continue  # the recognitions question: read from match-recognitions (RECOGNITIONS_KEY)
            if row["scheme"] == info_scheme:
                kind = (
                    "by-level"
                    if row.get("valueType") == base_iri + BY_LEVEL
                    else TYPES.get(row.get("valueType"), "place")
                )
                self.concepts[row["notation"]] = Concept(row["notation"], row["label"], kind)
            else:
                self.applicant_labels[row["notation"]] = row["label"]
                for name in (row["notation"], row.get("name")):
                    if name:
                        self.applicants[clean(name)] = row["notation"]
        self.places, self.place_names = {}, {}
        for row in rows["places"]:
            place = Place(row["place"], row["label"], frozenset(row.get("within", "").split()))
            self.places[place.iri] = place
            self.place_names[clean(row["name"])] = place
        self.recognitions, self.recognition_labels = {}, {}
        for row in rows["recognitions"]:
            self.recognition_labels[row["recognition"]] = row["label"]
            self.recognitions[clean(row["name"])] = row["recognition"]
            if short := short_name(row["name"]):
                self.recognitions[clean(short)] = row["recognition"]
        constraints = {row["constraint"]: _constraint(row) for row in rows["constraints"]}
        self.levels = {c.level: c.level_label for c in constraints.values() if c.level}
        self.policies: dict = {}
        for row in rows["benefits"]:
            policy = self.policies.setdefault(
                row["policy"],
                Policy(
                    row["policy"],
                    row["policyLabel"],
                    _pages(row["policyFirstPage"], row.get("policyLastPage")),
                ),
            )
            policy.benefits.append(
                Benefit(
                    row["benefit"],
                    row["benefitLabel"],
                    row["monetary"],
                    row["clause"],
                    row["sourceText"],
                    _pages(row["firstPage"], row.get("lastPage")),
                    frozenset(row.get("applicants", "").split()),
                    frozenset(row.get("recognitions", "").split()),
                )
            )
        benefits = {benefit.iri: benefit for policy in self.policies.values() for benefit in policy.benefits}
        for row in rows["amounts"]:
            benefits[row["benefit"]].amounts.append(_amount(row, constraints))
        groups = {}
        for row in rows["groups"]:
            group = Group(
                row["group"],
                row.get("label") or row["clause"],
                row["combination"],
                row["clause"],
                row.get("sourceText"),
                _pages(row["firstPage"], row.get("lastPage")),
                frozenset(row.get("applicants", "").split()),
                frozenset(row.get("targets", "").split()),
            )
            groups[group.iri] = group
            if row["policy"] in self.policies:
                self.policies[row["policy"]].groups.append(group)
        criteria: dict = {}
        for row in rows["criteria"]:
            criterion = criteria.get(row["criterion"])
            if criterion is None:
                criterion = criteria[row["criterion"]] = Criterion(
                    row["criterion"],
                    row["clause"],
                    row["sourceText"],
                    _pages(row["firstPage"], row.get("lastPage")),
                )
                groups[row["group"]].criteria.append(criterion)
            if row.get("constraint") in constraints:
                criterion.constraints.append(constraints[row["constraint"]])

    def applicant(self, name):
        return self.applicants.get(clean(name))

    def place(self, name):
        return self.place_names.get(clean(name))

    def recognition(self, name):
        return self.recognitions.get(clean(name)) or (name if name in self.recognition_labels else None)


def _constraint(row):
    def bound(inclusive, exclusive):
        if row.get(inclusive):
            return Decimal(row[inclusive]), True
        if row.get(exclusive):
            return Decimal(row[exclusive]), False
        return None

    required = row.get("requiredValue")
    return Constraint(
        row["constraint"],
        row["concept"],
        row["conceptLabel"],
        minimum=bound("minInclusive", "minExclusive"),
        maximum=bound("maxInclusive", "maxExclusive"),
        required=None if required is None else required == "true",
        required_place=row.get("requiredPlace"),
        excluded_places=tuple(row.get("excludedPlaces", "").split()),
        look_back=int(row["lookBackYears"]) if row.get("lookBackYears") else None,
        applies_if=row.get("appliesIf"),
        applies_if_label=row.get("appliesIfLabel"),
        alternative_to=row.get("alternativeTo"),
        qualifier=row.get("qualifier"),
        level=row.get("level"),
        level_label=row.get("levelLabel"),
    )


def _amount(row, constraints):
    return Amount(
        row["amount"],
        _decimal(row.get("value")),
        _decimal(row.get("maxValue")),
        _decimal(row.get("rate")),
        row.get("rateBase"),
        row.get("rateBaseLabel"),
        _decimal(row.get("uplift")),
        row.get("tier"),
        row.get("level"),
        row["printed"],
        row.get("qualifier"),
        frozenset(row.get("applicants", "").split()),
        frozenset(row.get("recognitions", "").split()),
        [constraints[iri] for iri in row.get("tierConstraints", "").split() if iri in constraints],
        row.get("bases", ""),
    )


# The Eligibility of each data version.
ELIGIBILITY: PerVersion[Eligibility] = PerVersion("match.eligibility")


def eligibility(store: Any, cfg: queries.Settings) -> Eligibility:
    """The Eligibility of the store's data, read once per data version (every time when unknown)."""

    def read():
        rows = {
            name: [
                {column: render.plain(term) for column, term in row.items()}
                for row in queries.internal_rows(store, cfg, query)
            ]
            for name, query in QUERIES.items()
        }
        return Eligibility(rows, cfg["BASE_IRI"])

    return ELIGIBILITY.get((cfg["ROOT"], cfg["BASE_IRI"]), store.data_version(), read)


# ---------------------------------------------------------------------------------------------
# Profiles
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Events:
    """Events (accidents, blemishes…) each so many years ago."""

    years_ago: tuple


@dataclass(frozen=True)
class LevelCounts:
    """Counts per level (notation → number); a level not given counts 0."""

    counts: dict


@dataclass(frozen=True)
class Unusable:
    """A value given but of no use: a place not in the graph, a negative count…"""

    given: object
    reason: str


@dataclass
class Profile:
    values: dict  # concept notation → Decimal | bool | Place | Events | Unusable
    applicant: str | None
    recognitions: frozenset
    accepted: dict  # what was used, as given
    ignored: list
    warnings: list


def _bad(key, message):
    raise errors.BadRequest(f"字段 {key}：{message}", field=key)


# The largest number a profile may give (an amount, a count, years): far past any the handbook
# names, and small enough that every sum and comparison stays exact (Decimal's 28 digits).
MAX_NUMBER = 10**15
TOO_LARGE = f"数字太大，绝对值最多 {MAX_NUMBER:.0e} (at most {MAX_NUMBER:.0e})"


def _is_number(value):
    """A JSON number the check can read: finite and within ±MAX_NUMBER (a huge int is never
    turned into a float, which would overflow)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    return (isinstance(value, int) or math.isfinite(value)) and abs(value) <= MAX_NUMBER


def read_profile(data, rules):
    """A Profile from JSON data; a wrong type → BadRequest naming the field; unknown keys are
    listed as ignored; values that cannot be used (negative counts, unknown places or
    recognitions) are kept as unknown with a warning."""
    if not isinstance(data, dict):
        raise errors.BadRequest("画像应为 JSON 对象 (the profile must be a JSON object)", field="profile")
    values, accepted, ignored, warnings = {}, {}, [], []
    applicant, recognitions = None, set()
    for key, value in data.items():
        if value is None:
            continue
        if key == APPLICANT_KEY:
            if not isinstance(value, str):
                _bad(key, "应为文本，如 organisation / 企业 / individual / 个人 / region / 区域")
            applicant = rules.applicant(value)
            if applicant is None:
                choices = "、".join(f"{code}（{label}）" for code, label in rules.applicant_labels.items())
                _bad(key, f"未知的申请人类型 {value!r}；可选：{choices}")
        elif key == RECOGNITIONS_KEY:
            if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
                _bad(key, '应为名称列表，如 ["省长质量奖"]')
            for name in value:
                iri = rules.recognition(name)
                if iri is None:
                    warnings.append(f"未知的奖项或认证：{name}（已忽略）")
                else:
                    recognitions.add(iri)
        elif key in rules.concepts:
            values[key] = _value(key, value, rules.concepts[key], rules, warnings)
        else:
            ignored.append(key)
            continue
        accepted[key] = value
    return Profile(values, applicant, frozenset(recognitions), accepted, ignored, warnings)


def _value(key, value, concept, rules, warnings):
    if concept.kind == "by-level":
        return _counts_by_level(key, value, rules, warnings)
    if concept.kind == "boolean":
        if not isinstance(value, bool):
            _bad(key, "应为 true 或 false")
        return value
    if concept.kind == "place":
        if not isinstance(value, str):
            _bad(key, "应为地名，如 山东省、临沂市")
        place = rules.place(value)
        if place is None:
            warnings.append(f"{key}：图谱中没有地名 {value}，相关条件无法判断")
            return Unusable(value, f"图谱中没有地名 {value}")
        return place
    if isinstance(value, list):
        return _events(key, value, warnings)
    if not _is_number(value):
        _bad(
            key,
            f'应为数字（{concept.label}，绝对值最多 {MAX_NUMBER:.0e}），或事件列表 [{{"{EVENT_KEY}": 2}}]',
        )
    number = Decimal(str(value))
    if number < 0:
        warnings.append(f"{key}：取值 {value} 为负数，自相矛盾，相关条件无法判断")
        return Unusable(value, f"取值 {value} 为负数，无法判断")
    return number


def _counts_by_level(key, value, rules, warnings):
    """{level notation: count}; levels no condition counts are left out with a warning."""
    choices = "、".join(f"{code}（{label}）" for code, label in sorted(rules.levels.items()))
    if not isinstance(value, dict):
        _bad(key, f'应为按级别的件数，如 {{"international": 1, "national": 2}}；级别：{choices}')
    counts = {}
    for level, count in value.items():
        if not _is_number(count) or count < 0:
            _bad(f"{key}.{level}", f"应为非负数（件数，最多 {MAX_NUMBER:.0e}）")
        if level in rules.levels:
            counts[level] = Decimal(str(count))
        else:
            warnings.append(f"{key}：未知的级别 {level}（已忽略）；可用：{choices}")
    return LevelCounts(counts)


def _events(key, items, warnings):
    years = []
    for index, item in enumerate(items):
        where = f"{key}[{index}]"
        if not isinstance(item, dict) or EVENT_KEY not in item:
            _bad(where, f'应为 {{"{EVENT_KEY}": 年数}}')
        ago = item[EVENT_KEY]
        if not _is_number(ago):
            _bad(f"{where}.{EVENT_KEY}", f"应为数字（几年前，绝对值最多 {MAX_NUMBER:.0e}）")
        if ago < 0:
            warnings.append(f"{where}：{EVENT_KEY} 为负数（发生在将来），相关条件无法判断")
            return Unusable(items, f"{where} 发生在将来，无法判断")
        years.append(Decimal(str(ago)))
    return Events(tuple(years))


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------


def _show(value):
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Place):
        return value.label
    if isinstance(value, Decimal):
        return wording.plain(value)
    return str(value)


def _bounds_text(constraint):
    parts = []
    if constraint.minimum:
        parts.append(("≥ " if constraint.minimum[1] else "> ") + _show(constraint.minimum[0]))
    if constraint.maximum:
        parts.append(("≤ " if constraint.maximum[1] else "< ") + _show(constraint.maximum[0]))
    return "，".join(parts)


def check(constraint, profile, rules):
    """One constraint against the profile: {concept, label, status, reason}."""
    given = profile.values.get(constraint.concept)
    label = constraint.label
    result = {"constraint": constraint.iri, "concept": constraint.concept, "label": label}
    if given is None:
        return dict(result, status=UNKNOWN, reason=f"{label}：画像未提供（{constraint.concept}）")
    if isinstance(given, Unusable):
        return dict(result, status=UNKNOWN, reason=f"{label}：{given.reason}")
    window = f"近 {constraint.look_back} 年内" if constraint.look_back else ""
    if isinstance(given, Events):
        count = sum(
            1 for ago in given.years_ago if constraint.look_back is None or ago <= constraint.look_back
        )
        given = Decimal(count)
    if isinstance(given, LevelCounts):
        if constraint.level:
            label = f"{label}：{constraint.level_label}"
            given = given.counts.get(constraint.level, Decimal(0))
        else:
            given = sum(given.counts.values(), Decimal(0))
    statuses, wanted = [], []
    if constraint.minimum or constraint.maximum:
        if not isinstance(given, Decimal):
            return dict(result, status=UNKNOWN, reason=f"{label}：取值类型与约束不符")
        for bound, above in ((constraint.minimum, True), (constraint.maximum, False)):
            if bound:
                limit, inclusive = bound
                ok = (
                    (given > limit or (inclusive and given == limit))
                    if above
                    else (given < limit or (inclusive and given == limit))
                )
                statuses.append(MET if ok else UNMET)
        wanted.append(_bounds_text(constraint))
    if constraint.required is not None:
        if not isinstance(given, bool):
            return dict(result, status=UNKNOWN, reason=f"{label}：取值类型与约束不符")
        statuses.append(MET if given == constraint.required else UNMET)
        wanted.append(_show(constraint.required))
    if constraint.required_place or constraint.excluded_places:
        if not isinstance(given, Place):
            return dict(result, status=UNKNOWN, reason=f"{label}：取值类型与约束不符")
        status, words = _place_status(given, constraint, rules)
        statuses.append(status)
        wanted.append(words)
    status = all_of(statuses)
    reason = f"{label}：{window + ' ' if window else ''}{_show(given)}（要求 {'；'.join(wanted)}）"
    if status == UNKNOWN and isinstance(given, Place):
        reason += f"；{given.label}范围较大，请填写到更具体的地名"
    return dict(result, status=status, reason=reason)


def _place_status(place, constraint, rules):
    """A place against a required place (within it: met; it lies within the place given: we
    cannot tell; else unmet) and excluded places (the reverse)."""
    statuses, words = [], []
    if constraint.required_place:
        required = constraint.required_place
        statuses.append(
            MET if required in place.within else UNKNOWN if _inside(required, place, rules) else UNMET
        )
        words.append(f"在{_place_label(required, rules)}内")
    for excluded in constraint.excluded_places:
        statuses.append(
            UNMET if excluded in place.within else UNKNOWN if _inside(excluded, place, rules) else MET
        )
        words.append(f"不含{_place_label(excluded, rules)}")
    return all_of(statuses), "，".join(words)


def _inside(iri, place, rules):
    other = rules.places.get(iri)
    return other is not None and place.iri in other.within


def _place_label(iri, rules):
    place = rules.places.get(iri)
    return place.label if place else iri


def _flag(notation, label, profile):
    """A yes/no concept as a status, with its check."""
    given = profile.values.get(notation)
    status = UNKNOWN if not isinstance(given, bool) else MET if given else UNMET
    shown = "画像未提供" if given is None else _show(given) if isinstance(given, bool) else "无法判断"
    return status, {"concept": notation, "label": label, "status": status, "reason": f"{label}：{shown}"}


def evaluate_criterion(criterion, profile, rules):
    base = {
        "criterion": criterion.iri,
        "clause": criterion.clause,
        "text": criterion.text,
        "pages": criterion.pages,
    }
    if not criterion.constraints:
        return dict(base, status=UNKNOWN, checks=[], note=f"{JUDGEMENT}：条款没有可计算的约束")
    checks = {constraint.iri: check(constraint, profile, rules) for constraint in criterion.constraints}
    shown, statuses = [], []
    alternatives = {c.alternative_to for c in criterion.constraints if c.alternative_to in checks}
    for constraint in criterion.constraints:
        if constraint.alternative_to in checks:
            continue  # judged with the constraint it is an alternative to
        status = checks[constraint.iri]["status"]
        shown.append(checks[constraint.iri])
        if constraint.applies_if:
            flag, flag_check = _flag(constraint.applies_if, constraint.applies_if_label, profile)
            shown.append(dict(flag_check, role="applies-if"))
            status = MET if flag == UNMET else status if flag == MET else (MET if status == MET else UNKNOWN)
        if constraint.iri in alternatives:
            routes = [status]
            for other in criterion.constraints:
                if other.alternative_to != constraint.iri:
                    continue
                route = [checks[other.iri]["status"]]
                shown.append(dict(checks[other.iri], role="alternative", qualifier=other.qualifier))
                if other.applies_if:
                    flag, flag_check = _flag(other.applies_if, other.applies_if_label, profile)
                    route.append(flag)
                    shown.append(dict(flag_check, role="applies-if"))
                routes.append(all_of(route))
            status = any_of(routes)
        statuses.append(status)
    return dict(base, status=all_of(statuses), checks=shown)


def evaluate_group(group, profile, rules):
    criteria = [evaluate_criterion(criterion, profile, rules) for criterion in group.criteria]
    combine = any_of if group.combination == "any" else all_of
    return {
        "group": group.iri,
        "label": group.label,
        "clause": group.clause,
        "text": group.text,
        "pages": group.pages,
        "combination": group.combination,
        "applicants": sorted(group.applicants),
        "status": combine(item["status"] for item in criteria),
        "criteria": criteria,
    }


def _group_condition(group, results):
    return {
        "kind": "group",
        "group": group.iri,
        "label": group.label,
        "clause": group.clause,
        "status": results[group.iri]["status"],
    }


def _groups_for(policy, applicant, targets):
    return [
        group
        for group in policy.groups
        if applicant in group.applicants and (not group.targets or group.targets & targets)
    ]


def _evaluate_benefit_as(benefit, policy, applicant, profile, rules, results):
    """(status, conditions, recognition statuses) of a benefit for one applicant type."""
    if applicant not in benefit.applicants:
        wanted = "、".join(rules.applicant_labels.get(code, code) for code in sorted(benefit.applicants))
        reason = f"面向{wanted}，画像为{rules.applicant_labels.get(applicant, applicant)}"
        return UNMET, [{"kind": "applicant", "status": UNMET, "reason": reason}], {}
    conditions = [
        _group_condition(group, results)
        for group in _groups_for(policy, applicant, {benefit.iri, policy.iri})
    ]
    recognitions = {}
    if benefit.recognitions:
        routes = []
        for iri in sorted(benefit.recognitions):
            label = rules.recognition_labels.get(iri, iri)
            if iri in profile.recognitions:
                recognitions[iri] = MET
                routes.append({"recognition": iri, "label": label, "held": True, "status": MET, "groups": []})
                continue
            groups = _groups_for(policy, applicant, {iri})
            recognitions[iri] = all_of([results[group.iri]["status"] for group in groups] + [UNKNOWN])
            routes.append(
                {
                    "recognition": iri,
                    "label": label,
                    "held": False,
                    "status": recognitions[iri],
                    "groups": [_group_condition(group, results) for group in groups],
                }
            )
        status = any_of(route["status"] for route in routes)
        names = "或".join(route["label"] for route in routes)
        if status == MET:
            reason = f"已获得{'、'.join(route['label'] for route in routes if route['held'])}"
        elif status == UNMET:
            reason = f"须获得{names}，而其申报条件不满足"
        else:
            reason = f"须获得{names}（评选结果无法预判；申报条件见下）"
        conditions.append({"kind": "recognition", "status": status, "reason": reason, "routes": routes})
    tiered = [amount for amount in benefit.amounts if amount.tiers and _amount_for(amount, applicant)]
    if tiered:
        checks = [[check(constraint, profile, rules) for constraint in amount.tiers] for amount in tiered]
        status = any_of(all_of(item["status"] for item in found) for found in checks)
        conditions.append(
            {
                "kind": "tier",
                "status": status,
                "reason": "分档条件（满足其中一档）",
                "checks": [item for found in checks for item in found],
            }
        )
    if not conditions:
        conditions.append(
            {"kind": "text", "status": UNKNOWN, "reason": f"{JUDGEMENT}：惠企内容所述情形，见原文"}
        )
    return all_of(condition["status"] for condition in conditions), conditions, recognitions


def _amount_for(amount, applicant):
    return not amount.applicants or applicant is None or applicant in amount.applicants


def evaluate_benefit(benefit, policy, profile, rules, results):
    base = {
        "benefit": benefit.iri,
        "label": benefit.label,
        "clause": benefit.clause,
        "text": benefit.text,
        "pages": benefit.pages,
        "applicants": sorted(benefit.applicants),
        "monetary": benefit.monetary,
    }
    if profile.applicant:
        status, conditions, recognitions = _evaluate_benefit_as(
            benefit, policy, profile.applicant, profile, rules, results
        )
    else:
        tried = [
            _evaluate_benefit_as(benefit, policy, code, profile, rules, results)
            for code in sorted(benefit.applicants)
        ]
        status, conditions, recognitions = max(tried, key=lambda item: RANK[item[0]])
        status = all_of([status, UNKNOWN])
        conditions = [
            {"kind": "applicant", "status": UNKNOWN, "reason": f"画像未提供申请人类型（{APPLICANT_KEY}）"}
        ] + conditions
    amount = money(benefit, profile, rules, recognitions) if status != UNMET else None
    return dict(base, status=VERDICT[status], conditions=conditions, amount=amount)


def money(benefit, profile, rules, recognitions):
    """The most the profile could receive from a benefit: every tier it does not fail, each as
    a value, a cap, or a rate (computed when the profile gives the base), and the largest."""
    if not benefit.amounts:
        return None
    tiers = []
    for amount in benefit.amounts:
        if not _amount_for(amount, profile.applicant):
            continue
        statuses = [check(constraint, profile, rules)["status"] for constraint in amount.tiers]
        statuses += (
            [any_of(recognitions.get(iri, UNKNOWN) for iri in amount.recognitions)]
            if amount.recognitions
            else []
        )
        status = all_of(statuses)
        if status != UNMET:
            tiers.append(_tier(amount, status, profile))
    if not tiers:
        return None
    values = [tier["most"] for tier in tiers if tier["most"] is not None]
    most = max(values) if values else None
    if len(tiers) == 1:
        text = tiers[0]["text"] + (
            "（待定）" if tiers[0]["status"] == UNKNOWN and benefit_tiered(benefit) else ""
        )
    else:
        text = (
            (f"最高 {wording.yuan(most)}，" if most is not None else "")
            + "视档次而定："
            + "；".join(
                f"{tier['tier'] or '—'} {tier['text']}{'（待定）' if tier['status'] == UNKNOWN else ''}"
                for tier in tiers
            )
        )
    needs = sorted({tier["needs"] for tier in tiers if tier["needs"]})
    return {
        "most": wording.json_number(most) if most is not None else None,
        "text": text,
        "needs": needs,
        "tiers": [
            dict(tier, most=wording.json_number(tier["most"]) if tier["most"] is not None else None)
            for tier in tiers
        ],
    }


def benefit_tiered(benefit):
    """Whether the benefit's tiers are chosen by a constraint or a recognition."""
    return any(amount.tiers or amount.recognitions for amount in benefit.amounts)


def _tier(amount, status, profile):
    bases = f"（{amount.bases}）" if amount.bases else ""
    needs = None
    if amount.rate is not None:
        rate = amount.rate + (amount.uplift or 0)
        uplift = (
            f"，上浮 {wording.percent(amount.uplift)}（计算方式未载明，按加 {_show(amount.uplift * 100)} 个百分点计）"
            if amount.uplift
            else ""
        )
        base = profile.values.get(amount.base)
        if isinstance(base, Decimal):
            computed = base * rate
            most = min(computed, amount.cap) if amount.cap is not None else computed
            text = (
                f"{wording.percent(rate)} × {wording.yuan(base)} = {wording.yuan(computed)}{uplift}"
                + (f"，上限 {wording.yuan(amount.cap)}" if amount.cap is not None else "")
                + f"，可得 {wording.yuan(most)}"
            )
        else:
            most, needs = amount.cap, amount.base
            text = (
                f"按{amount.base_label}的 {wording.percent(amount.rate)} 计{uplift}，需要基数（{amount.base}）"
                + (f"，最高 {wording.yuan(amount.cap)}" if amount.cap is not None else "")
            )
        kind = "rate"
    elif amount.value is not None:
        most, kind, text = amount.value, "fixed", wording.yuan(amount.value)
    else:
        most, kind, text = amount.cap, "cap", f"最高 {wording.yuan(amount.cap)}"
    return {
        "amount": amount.iri,
        "tier": amount.tier,
        "level": amount.level,
        "kind": kind,
        "status": status,
        "most": most,
        "text": text + bases,
        "printed": amount.printed,
        "qualifier": amount.qualifier,
        "needs": needs,
    }


def evaluate(profile_data: Any, store: Any, cfg: queries.Settings) -> dict[str, Any]:
    """The eligibility of a profile (JSON data) for every policy and benefit in the graph."""
    known = eligibility(store, cfg)
    profile = read_profile(profile_data, known)
    results = {
        group.iri: evaluate_group(group, profile, known)
        for policy in known.policies.values()
        for group in policy.groups
    }
    policies, counts = [], {verdict: 0 for verdict in VERDICT.values()}
    for policy in known.policies.values():
        benefits = [evaluate_benefit(benefit, policy, profile, known, results) for benefit in policy.benefits]
        for benefit in benefits:
            counts[benefit["status"]] += 1
        best = max((benefit["status"] for benefit in benefits), key=lambda status: RANK[status])
        shown = [
            results[group.iri]
            for group in policy.groups
            if profile.applicant is None or profile.applicant in group.applicants
        ]
        policies.append(
            {
                "policy": policy.iri,
                "label": policy.label,
                "pages": policy.pages,
                "status": best,
                "groups": shown,
                "benefits": benefits,
            }
        )
    policies.sort(key=lambda item: -RANK[item["status"]])
    return {
        "ok": True,
        "profile": profile.accepted,
        "applicant": profile.applicant,
        "ignored": profile.ignored,
        "warnings": profile.warnings,
        "counts": counts,
        "policies": policies,
    }


def schema(store: Any, cfg: queries.Settings) -> dict[str, Any]:
    """The profile fields the graph knows: key, label, type."""
    known = eligibility(store, cfg)
    fields = [
        {
            "key": APPLICANT_KEY,
            "label": "申请人类型",
            "type": "applicant",
            "choices": [{"code": code, "label": label} for code, label in known.applicant_labels.items()],
        },
        {
            "key": RECOGNITIONS_KEY,
            "label": "已获得的奖项、称号或认证",
            "type": "recognitions",
            "choices": sorted(set(known.recognition_labels.values())),
        },
    ]
    levels = [{"code": code, "label": label} for code, label in sorted(known.levels.items())]
    fields += [
        dict(
            {"key": concept.notation, "label": concept.label, "type": concept.kind},
            **({"choices": levels} if concept.kind == "by-level" else {}),
        )
        for concept in sorted(known.concepts.values(), key=lambda concept: concept.notation)
    ]
    places = sorted({place.label for place in known.places.values()})
    return {"fields": fields, "places": places}
