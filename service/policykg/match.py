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
from datetime import date
from decimal import Decimal
from typing import Any

from policykg import artifact, errors, queries, render, wording
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
        "questions",
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
    required_recognitions: tuple = ()  # on the recognitions held: any one of these


@dataclass
class Criterion:
    iri: str
    clause: str
    text: str
    pages: dict
    constraints: list = field(default_factory=list)
    judgement: str | None = None  # the kind of judgement a pkg:JudgementCriterion leaves


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
    unconditional: bool = False  # the handbook sets it no condition (pkg:unconditional)


@dataclass
class Policy:
    iri: str
    label: str
    pages: dict
    hotlines: tuple = ()
    places: frozenset = frozenset()  # the places its handbooks cover (dcterms:spatial)
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
                    tuple(row.get("hotlines", "").split()),
                    frozenset(row.get("spatials", "").split()),
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
                    unconditional=row.get("unconditional") == "yes",
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
                    judgement=row.get("judgementKind"),
                )
                groups[row["group"]].criteria.append(criterion)
            if row.get("constraint") in constraints:
                criterion.constraints.append(constraints[row["constraint"]])
        # Every criterion of a policy's groups, by IRI (ask checks one attribute against them).
        self.criteria = {
            criterion.iri: criterion
            for policy in self.policies.values()
            for group in policy.groups
            for criterion in group.criteria
        }
        self.by_applicant: dict = {}
        for policy in self.policies.values():
            for code in {code for benefit in policy.benefits for code in benefit.applicants}:
                self.by_applicant.setdefault(code, []).append(policy)
        self.units = {row["notation"]: row.get("unit") for row in rows["questions"]}
        self.questions = _questions(rows["questions"], self, constraints.values())
        # Where an applicant is (registered, lives, works): the place questions of the first
        # topic, for each kind of applicant those its conditions ask about.
        first_topic = self.questions[APPLICANT_KEY]["topic"]
        homes = {
            name
            for name, question in self.questions.items()
            if question["type"] == "place" and question["topic"] == first_topic
        }
        self.home_fields = homes
        self.home_places: dict = {}
        for policy in self.policies.values():
            for group in policy.groups:
                for criterion in group.criteria:
                    for constraint in criterion.constraints:
                        if constraint.concept in homes:
                            for code in group.applicants:
                                uses = self.home_places.setdefault(code, {})
                                uses[constraint.concept] = uses.get(constraint.concept, 0) + 1
        # Policies by the place their handbook covers (none: everywhere).
        self.by_place: dict = {}
        for code, policies in self.by_applicant.items():
            for policy in policies:
                for place in policy.places or {""}:
                    self.by_place.setdefault((code, place), []).append(policy)

    def applicant(self, name):
        return self.applicants.get(clean(name))

    def place(self, name):
        return self.place_names.get(clean(name)) or _other_place(name, self)

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
        required_recognitions=tuple(row.get("requiredRecognitions", "").split()),
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
ELIGIBILITY: PerVersion[Eligibility] = PerVersion("match.eligibility", code=[__file__])


def eligibility(store: Any, cfg: queries.Settings) -> Eligibility:
    """The Eligibility of the store's data, made once per data version (every time when
    unknown) and kept beside the build for every process that serves it."""

    def read():
        rows = {
            name: [
                {column: render.plain(term) for column, term in row.items()}
                for row in queries.internal_rows(store, cfg, query)
            ]
            for name, query in QUERIES.items()
        }
        return Eligibility(rows, cfg["BASE_IRI"])

    return ELIGIBILITY.get(
        (cfg["ROOT"], cfg["BASE_IRI"]),
        store.data_version(),
        read,
        kept=artifact.derived(cfg, "match-eligibility"),
    )


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
    if constraint.required_recognitions:
        return dict(result, **_recognition_check(constraint, profile, rules))
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
    if constraint.level:
        result["level"] = constraint.level
    if status == UNMET and (
        near := _near_miss(constraint, profile.values.get(constraint.concept), given, rules)
    ):
        result.update(near)
    return dict(result, status=status, reason=reason)


def _recognition_check(constraint, profile, rules):
    """A constraint on the recognitions held: any one of those it names."""
    names = "或".join(rules.recognition_labels.get(iri, iri) for iri in constraint.required_recognitions)
    if RECOGNITIONS_KEY not in profile.accepted:
        return {"status": UNKNOWN, "reason": f"须已获得{names}：尚未回答"}
    held = [iri for iri in constraint.required_recognitions if iri in profile.recognitions]
    if held:
        return {
            "status": MET,
            "reason": f"已获得{'、'.join(rules.recognition_labels.get(iri, iri) for iri in held)}",
        }
    return {"status": UNMET, "reason": f"须已获得{names}：未获得"}


def _near_miss(constraint, raw, counted, rules):
    """When time alone would meet an unmet constraint: {"wait": years, "near": text}. Years
    in operation grow (a minimum on a concept counted in years); events age out of a
    look-back window (counted only when the profile gives each event's age)."""
    label = constraint.label
    if constraint.minimum and rules.units.get(constraint.concept) == "year" and isinstance(counted, Decimal):
        limit, inclusive = constraint.minimum
        if counted < limit or (not inclusive and counted == limit):
            wait = max(limit - counted, Decimal(1)) if inclusive else limit - counted + 1
            words = "满" if inclusive else "超过"
            return {
                "wait": math.ceil(wait),
                "near": f"{label}{words} {_show(limit)} 年即可申报（现为 {_show(counted)} 年）",
            }
    if constraint.maximum and constraint.look_back and isinstance(raw, Events):
        limit, inclusive = constraint.maximum
        ages = sorted((ago for ago in raw.years_ago if ago <= constraint.look_back), reverse=True)
        drop = len(ages) - int(limit) + (0 if inclusive else 1)
        if 0 < drop <= len(ages):
            wait = int(constraint.look_back - ages[drop - 1]) + 1
            return {
                "wait": wait,
                "near": f"近 {constraint.look_back} 年内无{label}（现有 {len(ages)} 起，最近一起在 {_show(ages[-1])} 年前）",
            }
    return None


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
    if criterion.judgement:  # the handbook leaves it to the assessors: no answer settles it
        return dict(
            base, status=UNKNOWN, checks=[], note=f"{JUDGEMENT}（{criterion.judgement}）：{criterion.text}"
        )
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
            apply = all_of([results[group.iri]["status"] for group in groups])
            # Said not to be held: not eligible now; else winning it is still open (unknown).
            answered = RECOGNITIONS_KEY in profile.accepted
            recognitions[iri] = UNMET if answered else all_of([apply, UNKNOWN])
            routes.append(
                {
                    "recognition": iri,
                    "label": label,
                    "held": False,
                    "status": recognitions[iri],
                    "apply": apply if groups else None,
                    "groups": [_group_condition(group, results) for group in groups],
                }
            )
        status = any_of(route["status"] for route in routes)
        names = "或".join(route["label"] for route in routes)
        if status == MET:
            reason = f"已获得{'、'.join(route['label'] for route in routes if route['held'])}"
        elif status == UNMET and RECOGNITIONS_KEY in profile.accepted:
            reason = f"须已获得{names}（未获得）"
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
    if not conditions and benefit.unconditional:
        conditions.append({"kind": "unconditional", "status": MET, "reason": "手册未对此设条件"})
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
                f"按{amount.base_label}的 {wording.percent(amount.rate)} 计{uplift}，需要{amount.base_label}"
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


# ---------------------------------------------------------------------------------------------
# The answer a person can act on: outcomes, the one failing condition, near misses, what is
# left to the handbook's judgement, the questions still open, and the amounts
# ---------------------------------------------------------------------------------------------

ELIGIBLE, COULD, NOT, OPEN, REVIEW = "eligible", "could", "not-eligible", "unknown", "review"
OUTCOME_RANK = {ELIGIBLE: 0, COULD: 1, REVIEW: 2, OPEN: 3, NOT: 4}
SELECTION = "由评审决定"


def _leaves(node, results, status, answered=True):
    """The checks (and judgements) with `status` under an evaluated benefit's condition,
    following only the parts that have that status (the ones that decide)."""
    if node["status"] != status:
        return
    kind = node.get("kind")
    if kind == "group":
        yield from _group_leaves(results[node["group"]], status)
    elif kind == "recognition":
        for route in node["routes"]:
            if route["status"] != status:
                continue
            if status == UNMET and not route["held"] and answered:
                yield {"kind": "recognition", "reason": _not_held(route)}
                continue
            if status == UNKNOWN:
                # Not held (or not yet asked): the benefit waits on winning it, a selection;
                # once the applicant has said what it holds, the conditions for applying decide
                # whether it may try (由评审决定) or not (not eligible, or could be later).
                yield {"kind": "recognition", "recognition": route["recognition"], "label": route["label"]}
                if not answered:
                    continue
            for group in route["groups"]:
                yield from _group_leaves(results[group["group"]], status)
    elif kind == "tier":
        for item in node["checks"]:
            if item["status"] == status:
                yield dict(item, kind="check", clause=None)
    elif kind == "applicant":
        yield {"kind": "applicant", "status": status, "reason": node["reason"]}
    elif kind == "text":
        yield {"kind": "judgement", "reason": node["reason"]}


def _not_held(route):
    """Why a recognition not held fails, and the way there: its application conditions."""
    way = {
        MET: "；其申报条件均已满足，可以申报，是否获评由评审决定",
        UNMET: "；其申报条件目前不满足",
        UNKNOWN: "；申报条件见政策原文",
        None: "",
    }[route.get("apply")]
    return f"须已获得{route['label']}（未获得；获得后可申报{way}）"


def _group_leaves(group, status):
    if group["status"] != status:
        return
    if status == UNMET and group["combination"] == "any":  # none of its alternatives: the group fails
        where = {"clause": group["clause"], "pages": group["pages"], "text": group["text"]}
        yield dict(where, kind="group", reason=f"{group['label']}（符合其一即可）：均不满足")
        return
    for criterion in group["criteria"]:
        if criterion["status"] != status:
            continue
        where = {"clause": criterion["clause"], "pages": criterion["pages"], "text": criterion["text"]}
        if not criterion["checks"]:
            yield dict(where, kind="judgement", reason=criterion.get("note", JUDGEMENT))
            continue
        for item in criterion["checks"]:
            if item["status"] == status and (status == UNKNOWN or "role" not in item):
                yield dict(item, kind="check", **where)


def _time_cure(condition, results, answered=False):
    """Years of waiting after which an unmet condition would be met, or None when waiting
    does not help: every unmet part must be cured by time (all), or one of them (any)."""
    kind = condition.get("kind")
    if kind == "group":
        return _group_cure(results[condition["group"]])
    if kind == "recognition" and not answered:
        waits = [
            max(cures)
            for route in condition["routes"]
            if not route["held"]
            and route["groups"]
            and None not in (cures := [_group_cure(results[group["group"]]) for group in route["groups"]])
        ]
        return min(waits) if waits else None
    return None  # a recognition said not to be held is not a matter of time


def _group_cure(group):
    if group["status"] != UNMET:
        return 0
    waits: list[int | None] = []
    for criterion in group["criteria"]:
        if criterion["status"] != UNMET:
            waits.append(0)
            continue
        failing = [item for item in criterion["checks"] if item["status"] == UNMET and "role" not in item]
        waits.append(
            max(item["wait"] for item in failing)
            if failing and all("wait" in item for item in failing)
            else None
        )
    found = [wait for wait in waits if wait is not None]
    if group["combination"] == "any":
        return min(found) if found else None
    return None if len(found) < len(waits) else max(found, default=0)


def _outcome(benefit, results, profile, rules, year):
    """eligible / could / not-eligible / unknown / review, with the failing condition, the near
    miss, the questions that settle it or the judgement clauses it is left to."""
    status = benefit["status"]
    if status == "eligible":
        return {"outcome": ELIGIBLE}
    if status == "not-eligible":
        unmet = [condition for condition in benefit["conditions"] if condition["status"] == UNMET]
        answered = RECOGNITIONS_KEY in profile.accepted
        failing = next(
            (leaf for condition in unmet for leaf in _leaves(condition, results, UNMET, answered)),
            {"reason": unmet[0].get("reason") or unmet[0].get("label")} if unmet else None,
        )
        failing = _failing(failing, benefit)
        cures = [_cure(condition, results, profile) for condition in unmet]
        if not unmet or None in cures:
            return {"outcome": NOT, "failing": failing}
        fields = list(dict.fromkeys(name for cure in cures for name in cure.get("fields", ())))
        if fields:  # could be, if the application conditions of a recognition hold: ask them
            return {"outcome": OPEN, "settled_by": fields, "levels": {}, "judgements": [], "failing": failing}
        wait = max(cure["wait"] for cure in cures)
        near = "；".join(dict.fromkeys(text for cure in cures for text in cure["texts"])) or failing["reason"]
        if wait:
            near += f"：预计 {year + wait} 年起可申报"
        return {"outcome": COULD, "failing": failing, "wait": wait, "near": near}

    settled_by, judgements = [], []
    levels: dict[str, set] = {}
    for condition in benefit["conditions"]:
        for leaf in _leaves(condition, results, UNKNOWN, RECOGNITIONS_KEY in profile.accepted):
            field = _open_field(leaf, profile)
            if field:
                if field not in settled_by:
                    settled_by.append(field)
                if leaf.get("level"):
                    levels.setdefault(field, set()).add(leaf["level"])
            elif leaf["kind"] in ("judgement", "recognition"):
                judgements.append(_judgement(leaf, benefit))
    if settled_by:
        return {"outcome": OPEN, "settled_by": settled_by, "levels": levels, "judgements": judgements}
    return {"outcome": REVIEW, "judgements": list({item["reason"]: item for item in judgements}.values())}


def _cure(condition, results, profile):
    """What would turn an unmet condition met, short of changing the applicant: {"wait": years,
    "texts": [...]} (time, or winning a recognition whose application conditions hold or will
    hold), {"fields": [...]} (the application conditions of a recognition not yet known: the
    questions that settle it), or None (nothing will)."""
    kind = condition.get("kind")
    if kind == "group":
        group = results[condition["group"]]
        wait = _group_cure(group)
        return None if wait is None else {"wait": wait, "texts": _near_texts([group])}
    if kind != "recognition":
        return None
    found: list[dict[str, Any]] = []
    for route in condition["routes"]:
        if route["held"] or route["status"] != UNMET:
            continue
        groups = [results[group["group"]] for group in route["groups"]]
        win = f"获得{route['label']}后可申报"
        apply = route.get("apply")
        if apply is None:
            found.append({"wait": 0, "texts": [win]})
        elif apply == MET:
            found.append(
                {"wait": 0, "texts": [f"{win}（{route['label']}的申报条件均已满足，评选由评审决定）"]}
            )
        elif apply == UNMET:
            waits = [_group_cure(group) for group in groups]
            if None not in waits:
                found.append({"wait": max(waits), "texts": [win, *_near_texts(groups)]})
        else:
            fields = [
                name
                for group in groups
                for leaf in _group_leaves(group, UNKNOWN)
                if (name := _open_field(leaf, profile))
            ]
            found.append(
                {"fields": fields}
                if fields
                else {"wait": 0, "texts": [f"{win}（申报条件中有须评审判断的条款）"]}
            )
    ready = [cure for cure in found if "wait" in cure]
    if ready:
        return min(ready, key=lambda cure: cure["wait"])
    if found:
        return {"fields": [name for cure in found for name in cure["fields"]]}
    return None


def _near_texts(groups):
    return [leaf["near"] for group in groups for leaf in _group_leaves(group, UNMET) if leaf.get("near")]


def _failing(leaf, benefit):
    if leaf is None:
        return {"reason": "条件不满足", "clause": benefit["clause"], "pages": benefit["pages"]}
    return {
        "reason": leaf.get("reason") or leaf.get("label"),
        "clause": leaf.get("clause") or benefit["clause"],
        "pages": leaf.get("pages") or benefit["pages"],
        "text": leaf.get("text"),
    }


def _open_field(leaf, profile):
    """The profile field whose answer would settle an unknown leaf (None: no answer can)."""
    if leaf["kind"] == "applicant":
        return APPLICANT_KEY if profile.applicant is None else None
    if leaf["kind"] == "recognition":
        return RECOGNITIONS_KEY if RECOGNITIONS_KEY not in profile.accepted else None
    if leaf["kind"] == "check" and leaf["concept"] == RECOGNITIONS_KEY:
        return RECOGNITIONS_KEY if RECOGNITIONS_KEY not in profile.accepted else None
    if leaf["kind"] == "check" and leaf["concept"] not in profile.values:
        return leaf["concept"]
    return None


def _judgement(leaf, benefit):
    where = {
        "clause": leaf.get("clause") or benefit["clause"],
        "pages": leaf.get("pages") or benefit["pages"],
    }
    if leaf["kind"] == "recognition":
        return dict(where, reason=f"{SELECTION}：须获评{leaf['label']}，评选结果由评审决定")
    return dict(where, reason=leaf["reason"], text=leaf.get("text") or benefit["text"])


def _amount_most(benefit):
    amount = benefit.get("amount")
    return Decimal(str(amount["most"])) if amount and amount.get("most") is not None else None


def _sum_of(benefits, outcomes):
    """The most a set of benefits pays together: each benefit's most (one tier: the tiers of a
    benefit are alternatives), benefits of one policy paid on the same base (a rate and its
    uplift) counted once, the largest."""
    by_key: dict[str, Decimal] = {}
    for benefit in benefits:
        most = _amount_most(benefit)
        if benefit["outcome"] not in outcomes or most is None:
            continue
        key = benefit.get("base_key") or benefit["benefit"]
        by_key[key] = max(by_key.get(key, Decimal(0)), most)
    return sum(by_key.values(), Decimal(0))


def _money_lines(benefits):
    return [
        {
            "benefit": benefit["benefit"],
            "label": benefit["label"],
            "outcome": benefit["outcome"],
            "most": benefit["amount"]["most"],
            "how": benefit["amount"]["text"],
            "clause": benefit["clause"],
            "pages": benefit["pages"],
            "alternative": bool(benefit.get("base_key")),
        }
        for benefit in benefits
        if _amount_most(benefit) is not None and benefit["outcome"] != NOT
    ]


def evaluate(
    profile_data: Any,
    store: Any,
    cfg: queries.Settings,
    *,
    asked: Any = (),
    page: int = 1,
    per_page: int | None = None,
    year: int | None = None,
    guided: bool = False,
) -> dict[str, Any]:
    """The eligibility of a profile (JSON data) for every policy that can apply to it (its
    applicant type: all when not given), each benefit with its outcome and amount; the
    questions still open (`asked`: fields already put to the applicant, answered or not);
    policies paged (`per_page` None: all). `guided` (the questionnaire): where the applicant is
    is asked before anything is evaluated."""
    known = eligibility(store, cfg)
    profile = read_profile(profile_data, known)
    year = year or date.today().year
    done = set(asked) | set(profile.accepted) | set(profile.ignored)
    uses = known.home_places.get(profile.applicant, {})
    homes = sorted(uses, key=lambda name: (-uses[name], known.questions[name]["order"], name))
    if guided and profile.applicant is None and APPLICANT_KEY not in done:
        return _ask_first(profile, known, [APPLICANT_KEY])  # who is applying, before anything
    if guided and homes and not done & set(homes):
        # Where it is registered (lives, works) first: it decides which handbooks apply, and
        # nothing is evaluated before it is known.
        return _ask_first(profile, known, homes)
    candidates = _candidates(known, profile)
    results = {
        group.iri: evaluate_group(group, profile, known) for policy in candidates for group in policy.groups
    }
    policies, counts = [], {verdict: 0 for verdict in VERDICT.values()}
    outcomes = {outcome: 0 for outcome in OUTCOME_RANK}
    weights: dict = {}
    for policy in candidates:
        benefits = []
        for item in policy.benefits:
            if profile.applicant and profile.applicant not in item.applicants:
                continue  # for another kind of applicant: not part of this applicant's answer
            benefit = evaluate_benefit(item, policy, profile, known, results)
            benefit.update(_outcome(benefit, results, profile, known, year))
            if benefit["outcome"] == COULD and benefit["amount"] is None:  # what it pays once won
                benefit["amount"] = money(item, profile, known, dict.fromkeys(item.recognitions, MET))
            bases = {amount.base for amount in item.amounts if amount.base}
            if len(bases) == 1:
                benefit["base_key"] = policy.iri + " " + bases.pop()
            _weigh(benefit, weights)
            counts[benefit["status"]] += 1
            outcomes[benefit["outcome"]] += 1
            benefits.append(benefit)
        if not benefits:
            continue
        _alone_bases(benefits)
        best = min((benefit["outcome"] for benefit in benefits), key=lambda outcome: OUTCOME_RANK[outcome])
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
                "hotlines": list(policy.hotlines),
                "status": max((benefit["status"] for benefit in benefits), key=lambda status: RANK[status]),
                "outcome": best,
                "groups": shown,
                "benefits": sorted(benefits, key=lambda benefit: OUTCOME_RANK[benefit["outcome"]]),
                "money": _money(
                    _sum_of(benefits, {ELIGIBLE}),
                    _sum_of(benefits, {ELIGIBLE, COULD, OPEN, REVIEW}),
                    _money_lines(benefits),
                ),
            }
        )
    policies.sort(key=lambda item: OUTCOME_RANK[item["outcome"]])
    total = _money(
        sum((Decimal(str(policy["money"]["eligible"])) for policy in policies), Decimal(0)),
        sum((Decimal(str(policy["money"]["possible"])) for policy in policies), Decimal(0)),
    )
    shown_policies = policies if per_page is None else policies[(page - 1) * per_page : page * per_page]
    return {
        "ok": True,
        "profile": profile.accepted,
        "applicant": profile.applicant,
        "ignored": profile.ignored,
        "warnings": profile.warnings,
        "counts": counts,
        "outcomes": outcomes,
        "total": total,
        "paging": {"page": page, "per_page": per_page, "policies": len(policies)},
        "policies": shown_policies,
        "next_questions": next_questions(weights, done, known, profile),
    }


def _candidates(rules, profile):
    """The policies that can apply to the profile: those with a benefit for its applicant type
    (all when it is not given) whose handbook covers where it is (registered, lives, works):
    the place lies within the handbook's place, or the other way round (山东省 given, a 临沂市
    handbook: it may apply). A handbook that names no place applies everywhere."""
    if not profile.applicant:
        return list(rules.policies.values())
    policies = rules.by_applicant.get(profile.applicant, [])
    homes = [
        value
        for name, value in profile.values.items()
        if name in rules.home_fields and isinstance(value, Place)
    ]
    if not homes:
        return policies
    kept: set[str] = set()
    for (code, place), found in rules.by_place.items():
        if code == profile.applicant and (not place or any(_covers(home, place, rules) for home in homes)):
            kept.update(policy.iri for policy in found)
    return [policy for policy in policies if policy.iri in kept]


def _covers(home, place, rules):
    other = rules.places.get(place)
    return place in home.within or (other is not None and home.iri in other.within)


def _ask_first(profile, rules, homes):
    """The answer before anything is evaluated: the one question who is applying, or where it
    is (the place its kind of applicant's conditions ask about most)."""
    policies = rules.by_applicant.get(profile.applicant, []) if profile.applicant else rules.policies.values()
    count = sum(
        1
        for policy in policies
        for benefit in policy.benefits
        if profile.applicant is None or profile.applicant in benefit.applicants
    )
    zero = _money(Decimal(0), Decimal(0))
    return {
        "ok": True,
        "profile": profile.accepted,
        "applicant": profile.applicant,
        "ignored": profile.ignored,
        "warnings": profile.warnings,
        "counts": {verdict: 0 for verdict in VERDICT.values()},
        "outcomes": {outcome: 0 for outcome in OUTCOME_RANK},
        "total": zero,
        "paging": {"page": 1, "per_page": None, "policies": 0},
        "policies": [],
        "next_questions": [dict(rules.questions[homes[0]], decides=count)],
    }


def _money(eligible, possible, lines=None):
    """The most receivable (benefits eligible now) and possible (those not ruled out), in
    numbers and in words; `lines`: each benefit's figure with how it is computed and its clause."""
    money = {
        "eligible": wording.json_number(eligible),
        "possible": wording.json_number(possible),
        "eligible_text": wording.yuan(eligible),
        "possible_text": wording.yuan(possible),
    }
    return money if lines is None else dict(money, lines=lines)


def _weigh(benefit, weights):
    """Each open field's weight: how many benefits it could settle and the most they pay."""
    most = _amount_most(benefit) or Decimal(0)
    for name in benefit.get("settled_by", ()):
        count, amount, levels = weights.get(name, (0, Decimal(0), set()))
        weights[name] = (count + 1, amount + most, levels | benefit["levels"].get(name, set()))
    if benefit["outcome"] in (ELIGIBLE, OPEN) and benefit.get("amount"):
        for name in benefit["amount"]["needs"]:  # a rate's base: settles the amount
            count, amount, levels = weights.get(name, (0, Decimal(0), set()))
            weights[name] = (count + 1, amount + most, levels)


def _alone_bases(benefits):
    """A base shared by two benefits of a policy (a rate and its uplift) makes them
    alternatives; a base used by one benefit only is nothing to say."""
    keys = [benefit.get("base_key") for benefit in benefits if benefit.get("base_key")]
    for benefit in benefits:
        if benefit.get("base_key") and keys.count(benefit["base_key"]) < 2:
            del benefit["base_key"]


# At most this many questions of one topic are asked in one step (besides its checklist).
STEP_SIZE = 3
CHECKLIST = "checklist"
COUNTS = "counts"
TABLE = "table"


def next_questions(weights, done, rules, profile):
    """The next step's questions: who is applying first; then where; then the topic of the
    question that settles the most remaining benefits (then the most money): its open yes/no
    questions as one checklist (“以下哪些符合？”), and its other open questions by weight, at
    most STEP_SIZE."""
    if profile.applicant is None and APPLICANT_KEY not in done:
        return [rules.questions[APPLICANT_KEY]]
    open_fields = [field for field in weights if field not in done and field in rules.questions]
    if not open_fields:
        return []

    def rank(name):
        count, amount, _ = weights[name]
        question = rules.questions[name]
        return (
            question["type"] != "place",
            -count,
            -amount,
            question["topic_order"],
            question["order"],
            name,
        )

    ordered = sorted(open_fields, key=rank)
    first_topic = rules.questions[APPLICANT_KEY]["topic"]
    places = [
        name
        for name in ordered
        if rules.questions[name]["type"] == "place" and rules.questions[name]["topic"] == first_topic
    ]
    if places:  # where it is registered (lives, works) first, on its own
        asked = [_asked(rules.questions[name], weights[name]) for name in places[:STEP_SIZE]]
        return [_table(first_topic, asked)] if len(asked) > 1 else asked
    topic = rules.questions[ordered[0]]["topic"]
    in_topic = [name for name in ordered if rules.questions[name]["topic"] == topic]
    flags = sorted(
        (name for name in in_topic if rules.questions[name]["type"] == "boolean"),
        key=lambda name: (rules.questions[name]["order"], name),
    )
    tables = [name for name in in_topic if rules.questions[name]["type"] == "by-level"]
    facts = [name for name in in_topic if rules.questions[name]["type"] in ("place", "decimal", "events")]
    step = [
        _asked(rules.questions[name], weights[name])
        for name in in_topic
        if rules.questions[name]["type"] not in ("place", "decimal", "events", "boolean", "by-level")
    ]
    if len(facts) > 1:  # the places, numbers and dates of a topic as one table
        step.append(_table(topic, [_asked(rules.questions[name], weights[name]) for name in facts]))
    elif facts:
        step.append(_asked(rules.questions[facts[0]], weights[facts[0]]))
    if tables:
        step.append(_counts_table(topic, [_asked(rules.questions[name], weights[name]) for name in tables]))
    if flags:
        step.append(_checklist(topic, [rules.questions[name] for name in flags], weights))
    return step


def _table(topic, rows):
    """The places, numbers and dates (the latest accident, blemish…) of a topic as one
    question: a row each, a list to choose from or a box for a number."""
    return {
        "field": TABLE,
        "label": "请填写以下情况：",
        "help": "不清楚的可以不填。",
        "type": TABLE,
        "topic": topic,
        "fields": [row["field"] for row in rows],
        "rows": rows,
        "decides": sum(row["decides"] for row in rows),
    }


def _counts_table(topic, rows):
    """Counts by level of a topic as one question: a row per thing counted, a number per level
    that matters to it; a number left empty counts 0."""
    return {
        "field": COUNTS,
        "label": "以下各项，各级别分别有几项？",
        "help": "没有的不填（按 0 计）。",
        "type": COUNTS,
        "topic": topic,
        "fields": [row["field"] for row in rows],
        "rows": rows,
        "decides": sum(row["decides"] for row in rows),
    }


def _checklist(topic, flags, weights):
    """Yes/no questions of a topic as one question: each box ticked is “是”, each left is “否”."""
    return {
        "field": CHECKLIST,
        "label": "以下哪些符合您的情况？",
        "help": "勾选符合的各项；不勾选即为“否”。",
        "type": CHECKLIST,
        "topic": topic,
        "fields": [flag["field"] for flag in flags],
        "choices": [{"value": flag["field"], "label": flag["label"], "help": flag["help"]} for flag in flags],
        "decides": sum(weights[flag["field"]][0] for flag in flags),
    }


def _asked(question, weight):
    count, _, levels = weight
    question = dict(question, decides=count)
    if question["type"] == "by-level" and levels:
        question["choices"] = [choice for choice in question["choices"] if choice["value"] in levels]
    return question


# ---------------------------------------------------------------------------------------------
# Questions: every profile field as a question in Chinese, from the graph
# ---------------------------------------------------------------------------------------------

APPLICANT_QUESTION = "谁来申报？"
RECOGNITIONS_QUESTION = "已获得以下哪些？"
NONE = "none"  # an events question's answer: no such event
OTHER, OUTSIDE = "其他地区", "以外"
BOOLEAN_CHOICES = [{"value": "true", "label": "是"}, {"value": "false", "label": "否"}]


def _questions(rows, rules, constraints):
    windows: dict = {}
    levels: dict = {}
    for constraint in constraints:
        if constraint.look_back:
            windows.setdefault(constraint.concept, set()).add(constraint.look_back)
        if constraint.level:
            levels.setdefault(constraint.concept, set()).add(constraint.level)
    topics = {}
    questions = {
        APPLICANT_KEY: {
            "field": APPLICANT_KEY,
            "label": APPLICANT_QUESTION,
            "help": "按申请人类型只列出可能适用的政策。",
            "type": "applicant",
            "topic": "基本情况",
            "topic_order": 0,
            "order": 0,
            "choices": [{"value": code, "label": label} for code, label in rules.applicant_labels.items()],
        }
    }
    for row in rows:
        concept = rules.concepts.get(row["notation"])
        if concept is None:
            continue
        topic = row.get("topicLabel") or "其他"
        topic_order = int(row["topicOrder"]) if row.get("topicOrder") else 99
        topics[topic] = topic_order
        kind = concept.kind
        question = {
            "field": concept.notation,
            "label": row.get("question") or concept.label,
            "help": row.get("help"),
            "type": kind,
            "topic": topic,
            "topic_order": topic_order,
            "order": int(row["order"]) if row.get("order") else 99,
        }
        if kind == "decimal" and concept.notation in windows:
            longest = max(windows[concept.notation])
            question["type"] = "events"
            question["choices"] = (
                [{"value": NONE, "label": "没有发生过"}, {"value": "1", "label": "1 年内"}]
                + [{"value": str(n), "label": f"{n} 年前"} for n in range(2, longest + 1)]
                + [{"value": str(longest + 1), "label": f"{longest} 年以前"}]
            )
        elif kind == "boolean":
            question["choices"] = BOOLEAN_CHOICES
        elif kind == "place":
            question["choices"] = _place_choices(rules)
        elif kind == "by-level":
            question["choices"] = [
                {"value": code, "label": rules.levels[code]}
                for code in sorted(levels.get(concept.notation, ()), key=_level_order)
            ]
        elif kind == "decimal":
            question["unit"] = row.get("unit")
        questions[concept.notation] = question
    questions[RECOGNITIONS_KEY] = {
        "field": RECOGNITIONS_KEY,
        "label": RECOGNITIONS_QUESTION,
        "help": "勾选已经获得的奖项、称号或认证；都没有就不勾选。",
        "type": "recognitions",
        "topic": "荣誉与认证",
        "topic_order": topics.get("荣誉与认证", 2),
        "order": 0,
        "choices": [
            {"value": label, "label": label} for label in sorted(set(rules.recognition_labels.values()))
        ],
    }
    return questions


LEVEL_ORDER = ("international", "national", "industry", "provincial", "municipal", "group")


def _level_order(code):
    return LEVEL_ORDER.index(code) if code in LEVEL_ORDER else len(LEVEL_ORDER)


def _place_choices(rules):
    """Each place with nothing inside it, then “<place>其他地区” for each place that has, and
    “<outermost>以外”: every answer lands in exactly one of them."""
    places = rules.places.values()
    parents = {outer for place in places for outer in place.within if outer != place.iri}
    depth = {place.iri: len(place.within) for place in places}
    labels = []
    for place in sorted(places, key=lambda place: (-depth[place.iri], place.label)):
        labels.append(place.label + OTHER if place.iri in parents else place.label)
    for place in places:
        if len(place.within) == 1:
            labels.append(place.label + OUTSIDE)
    return [{"value": label, "label": label} for label in dict.fromkeys(labels)]


def _other_place(name, rules):
    """The place a “…其他地区” or “…以外” choice stands for: inside the named place but in
    none of the places inside it, or outside it."""
    for suffix, inside in ((OTHER, True), (OUTSIDE, False)):
        if name.endswith(suffix) and (outer := rules.place_names.get(clean(name[: -len(suffix)]))):
            iri = f"{outer.iri}#{'other' if inside else 'outside'}"
            return Place(iri, name, (outer.within if inside else frozenset()) | {iri})
    return None


def questions(store: Any, cfg: queries.Settings) -> list[dict[str, Any]]:
    """Every question the check can ask (field, Chinese label, help, type, topic, choices)."""
    return sorted(
        eligibility(store, cfg).questions.values(),
        key=lambda question: (question["topic_order"], question["order"], question["field"]),
    )


def profile_from_answers(answers: Any, store: Any, cfg: queries.Settings) -> tuple[dict, list]:
    """A profile (JSON data) and the fields asked, from a questionnaire's answers: a mapping
    with `getlist` (URL query or form). `asked` lists the fields put to the applicant (an empty
    answer to one: “不清楚”, not asked again; no box ticked: none held; no count: 0)."""
    known = eligibility(store, cfg)
    asked = [field for field in answers.getlist("asked") if field in known.questions]
    profile: dict = {}
    for name, question in known.questions.items():
        field = name
        kind = question["type"]
        if kind == "recognitions":
            if answers.getlist(field) or field in asked:
                profile[field] = [value for value in answers.getlist(field) if value]
            continue
        if kind == "by-level":
            counts = {
                choice["value"]: _answer_number(
                    f"{field}.{choice['value']}", answers.get(f"{field}.{choice['value']}")
                )
                for choice in question["choices"]
                if (answers.get(f"{field}.{choice['value']}") or "").strip()
            }
            if counts or field in asked:
                profile[field] = counts
            continue
        value = (answers.get(field) or "").strip()
        if kind == "boolean" and not value and field in asked:
            profile[field] = False  # a box of a checklist left unticked
            continue
        if not value:
            continue
        if kind == "boolean":
            if value not in ("true", "false"):
                _bad(field, "应为 true（是）或 false（否）")
            profile[field] = value == "true"
        elif kind == "events":
            profile[field] = [] if value == NONE else [{EVENT_KEY: _answer_number(field, value)}]
        elif kind == "decimal":
            profile[field] = _answer_number(field, value)
        else:
            profile[field] = value
    return profile, asked


# A number in an answer is read only when this short (Decimal would read 10 000 digits).
ANSWER_NUMBER_CHARS = 40


def _answer_number(field, value):
    value = (value or "").strip()
    if len(value) > ANSWER_NUMBER_CHARS:
        _bad(field, "数字太长 (number too long)")
    try:
        number = Decimal(value)
    except ArithmeticError:
        _bad(field, "应为数字")
    if not number.is_finite():
        _bad(field, "应为数字")
    if abs(number) > MAX_NUMBER:
        raise errors.BadRequest(f"字段 {field}：{TOO_LARGE}", field=field, limit=MAX_NUMBER)
    return int(number) if number == number.to_integral_value() else float(number)


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


UNIT_WORDS = {"year": "年", "item": "件", "enterprise": "家"}


def answer_text(question: dict[str, Any], value: Any) -> str:
    """An answer as the applicant would read it (a choice's label, 是/否, a number, 不清楚)."""
    if value is None:
        return "不清楚"
    kind = question["type"]
    labels = {choice["value"]: choice["label"] for choice in question.get("choices", ())}
    if kind == "boolean":
        return "是" if value else "否"
    if kind == "recognitions":
        return "、".join(value) if value else "都没有"
    if kind == "by-level":
        return "、".join(f"{labels.get(level, level)} {count} 项" for level, count in value.items()) or "没有"
    if kind == "events":
        return labels.get(str(value[0][EVENT_KEY]), "") if value else "没有发生过"
    if kind == "applicant":
        return labels.get(value, value)
    if kind == "decimal":
        unit = UNIT_WORDS.get(question.get("unit") or "", "")
        return wording.plain(Decimal(str(value))) + (f" {unit}" if unit else "")
    return str(value)
