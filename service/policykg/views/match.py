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
from . import get_store, respond

bp = Blueprint("match", __name__)

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
    profile = _json_body() if request.is_json else _form_profile(request.form, schema)
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


def _json_body():
    data = request.get_json(silent=True)
    if data is None:
        raise errors.BadRequest("请求体不是有效的 JSON (the body is not valid JSON)", field="profile")
    return data


def _form_profile(form, schema):
    """The profile a form gives: its JSON text box when filled in, else one field per key."""
    if form.get("profile", "").strip():
        try:
            return json.loads(form["profile"])
        except json.JSONDecodeError as error:
            raise errors.BadRequest(f"画像 JSON 无效：{error}", field="profile") from None
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
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise errors.BadRequest(f"字段 {key}：应为数字", field=key) from None
    if not number.is_finite():
        raise errors.BadRequest(f"字段 {key}：应为数字", field=key)
    return int(number) if number == number.to_integral_value() else float(number)
