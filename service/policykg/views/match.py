"""`/match`: a guided eligibility check, and the profile checked against every policy.

`GET /match` is a questionnaire: the answers so far are the query parameters (so a step, or a
result, can be bookmarked and shared); each step asks only what still decides something, and
shows the answer so far. `GET /match/questions.json` lists every question, and with answers
as query parameters the next ones. `POST /match.json` (or `/match` with JSON or the flat form)
takes a whole profile and answers with every policy and benefit plus `next_questions`.
"""

from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from flask import Blueprint, current_app, request
from werkzeug.datastructures import MultiDict

from .. import errors, match, negotiate, render
from . import get_store, json_body, read_json, respond

bp = Blueprint("match", __name__)

# A form field's number is read only when this short (Decimal would read 10 000 digits).
FORM_NUMBER_CHARS = 40
# Policies shown on one page of the answer.
PER_PAGE = 20
MAX_PAGE = 10_000

PAGE_FIRST = ("page", "data")
DATA_FIRST = ("data", "page")
EXAMPLE = {
    "applicant-type": "organisation",
    "registration-place": "山东省",
    "operating-years": 6,
    "high-value-invention-patents": 25,
    "major-accidents": [{"years_ago": 2}],
    "credit-blemishes": 0,
}


# The last rule listed is registered first and is the one url_for builds: the plain address.
@bp.get("/match.json")
@bp.get("/match.html")
@bp.get("/match")
def form():
    fmt = negotiate.choose(request, PAGE_FIRST)
    cfg, store = current_app.config, get_store()
    if fmt.kind == "page":
        return respond(fmt, _questionnaire(request.args, store, cfg))
    return respond(fmt, dict({"ok": True, "example": EXAMPLE}, **match.schema(store, cfg)))


@bp.get("/match/questions.json")
def questions():
    """Every question; with answers as query parameters, the profile they make and the next
    questions."""
    cfg, store = current_app.config, get_store()
    fmt = negotiate.choose(request, DATA_FIRST)
    answers = _answers(request.args)
    if not answers:
        return respond(fmt, {"ok": True, "questions": match.questions(store, cfg)})
    profile, asked = match.profile_from_answers(answers, store, cfg)
    result = match.evaluate(profile, store, cfg, asked=asked, per_page=0, guided=True)
    return respond(
        fmt,
        {
            "ok": True,
            "profile": result["profile"],
            "asked": asked,
            "outcomes": result["outcomes"],
            "next_questions": result["next_questions"],
        },
    )


@bp.post("/match.json")
@bp.post("/match.html")
@bp.post("/match")
def check():
    fmt = negotiate.choose(request, DATA_FIRST if request.is_json else PAGE_FIRST)
    cfg, store = current_app.config, get_store()
    schema = match.schema(store, cfg)
    profile = json_body("profile") if request.is_json else _form_profile(request.form, schema)
    result = match.evaluate(profile, store, cfg)
    if fmt.kind == "page":
        labels = {question["field"]: question["label"] for question in match.questions(store, cfg)}
        context = {"result": result, "questions": [], "answered": [], "carried": [], "labels": labels}
        return respond(fmt, _page(dict(context, query="", page=1, pages=1)))
    return respond(fmt, result)


def _answers(args):
    """The questionnaire's answers in a query: every parameter but the page number."""
    return MultiDict([(key, value) for key, value in args.items(multi=True) if key != "page"])


def _questionnaire(args, store, cfg):
    answers = _answers(args)
    page = _page_number(args.get("page", "1"))
    profile, asked = match.profile_from_answers(answers, store, cfg)
    result = match.evaluate(profile, store, cfg, asked=asked, page=page, per_page=PER_PAGE, guided=True)
    steps = result["next_questions"]
    fields = {name for question in steps for name in question.get("fields", [question["field"]])}
    carried = [
        (key, value)
        for key, value in answers.items(multi=True)
        if key.split(".", 1)[0] not in fields and not (key == "asked" and value in fields)
    ]
    known = {question["field"]: question for question in match.questions(store, cfg)}
    answered = [
        {
            "label": known[name]["label"],
            "answer": match.answer_text(known[name], profile.get(name)),
            "change": "?" + urlencode(_without(answers, name)),
        }
        for name in dict.fromkeys(asked + list(profile))
        if name in known
    ]
    context = {
        "result": result if profile and result["paging"]["policies"] else None,
        "labels": {name: question["label"] for name, question in known.items()},
        "questions": steps,
        "answered": answered,
        "carried": carried,
        "query": urlencode(list(answers.items(multi=True))),
        "page": page,
        "pages": -(-result["paging"]["policies"] // PER_PAGE),
    }
    return _page(context)


def _without(answers, name):
    return [
        (key, value)
        for key, value in answers.items(multi=True)
        if key.split(".", 1)[0] != name and not (key == "asked" and value == name)
    ]


def _page_number(text):
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
        raise errors.BadRequest(f"字段 page：应为 1 到 {MAX_PAGE} 的页码", field="page")
    return int(text)


def _page(context):
    return render.Page("match.html", dict({"title": "政策资格自测"}, **context))


def _form_profile(form, schema):
    """The profile a flat form gives: its JSON text box when filled in, else one field per key."""
    if form.get("profile", "").strip():
        return read_json(form["profile"], "profile")
    profile = {}
    for item in schema["fields"]:
        key = item["key"]
        if item["type"] == "recognitions":
            if form.getlist(key):
                profile[key] = form.getlist(key)
            continue
        if item["type"] == "by-level":
            counts = {
                choice["code"]: _form_number(
                    f"{key}.{choice['code']}", form[f"{key}.{choice['code']}"].strip()
                )
                for choice in item["choices"]
                if form.get(f"{key}.{choice['code']}", "").strip()
            }
            if counts:
                profile[key] = counts
            continue
        value = form.get(key, "").strip()
        if not value:
            continue
        if item["type"] == "decimal":
            profile[key] = _form_number(key, value)
        elif item["type"] == "boolean":
            profile[key] = value == "true"
        else:
            profile[key] = value
    return profile


def _form_number(key, value):
    """A number typed in a form field, within what the check reads (`match.MAX_NUMBER`)."""
    if len(value) > FORM_NUMBER_CHARS:
        raise errors.BadRequest(f"字段 {key}：数字太长 (number too long)", field=key)
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise errors.BadRequest(f"字段 {key}：应为数字", field=key) from None
    if not number.is_finite():
        raise errors.BadRequest(f"字段 {key}：应为数字", field=key)
    if abs(number) > match.MAX_NUMBER:
        raise errors.BadRequest(f"字段 {key}：{match.TOO_LARGE}", field=key, limit=match.MAX_NUMBER)
    return int(number) if number == number.to_integral_value() else float(number)
