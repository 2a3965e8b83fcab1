"""`/match`: an enterprise's (or a person's) profile checked against every policy and benefit.

GET shows the form (`/match.json`: the profile fields the graph knows); POST takes the profile
as JSON (`Content-Type: application/json`) or as the form's fields, and answers with each
policy and benefit, every condition met / unmet / unknown, the clauses and pages, and amounts.
"""

import json
from decimal import Decimal, InvalidOperation

from flask import Blueprint, current_app, request
from werkzeug.datastructures import MultiDict

from .. import errors, match, negotiate, render
from . import get_store, json_body, read_json, respond

bp = Blueprint("match", __name__)

# A form field's number is read only when this short (Decimal would read 10 000 digits).
FORM_NUMBER_CHARS = 40

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
    schema = match.schema(get_store(), current_app.config)
    if fmt.kind == "page":
        return respond(fmt, _page(schema, MultiDict(), None))
    return respond(fmt, dict({"ok": True, "example": EXAMPLE}, **schema))


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
        return respond(fmt, _page(schema, MultiDict() if request.is_json else request.form, result))
    return respond(fmt, result)


def _page(schema, form, result):
    return render.Page(
        "match.html",
        {
            "title": "政策资格匹配",
            "schema": schema,
            "form": form,
            "result": result,
            "example": json.dumps(EXAMPLE, ensure_ascii=False),
        },
    )


def _form_profile(form, schema):
    """The profile a form gives: its JSON text box when filled in, else one field per key."""
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
