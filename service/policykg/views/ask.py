"""`/ask?q=…`: a question in plain Chinese answered from the graph, as a page or JSON
(`/ask.json`): the answer first (figure, policy, clause, hotline), then the clauses cited and the
SPARQL that ran, with a link to open it in the editor."""

import threading
from urllib.parse import urlencode

from flask import Blueprint, current_app, request

from .. import ask, match, negotiate, render
from . import cacheable, etag, get_catalog, get_store, not_modified, respond

bp = Blueprint("ask", __name__)

KINDS = ("page", "data")


@bp.record_once
def warm_up(state):
    """Build the question lexicon (jieba's dictionary, ~1.5 s) in the background when a serving
    app starts, so the first question does not wait for it. Tests build it when they ask."""
    app = state.app
    if app.testing:
        return

    def build():
        try:
            ask.lexicon(app.extensions["policykg.store"], app.config)
        except Exception:
            # The app may be closing meanwhile. The first question builds the lexicon again
            # and reports any error itself, so a failed head start says nothing.
            return

    threading.Thread(target=build, name="ask-lexicon", daemon=True).start()


# The last rule listed is registered first and is the one url_for builds: the plain address.
@bp.get("/ask.json")
@bp.get("/ask.html")
@bp.get("/ask")
def question():
    fmt = negotiate.choose(request, KINDS)
    text = request.args.get("q", "")
    if not text.strip() and fmt.kind == "page":
        return respond(
            fmt,
            render.Page(
                "ask.html", {"title": "问答", "question": "", "result": None, "examples": examples()}
            ),
        )
    text = ask.check_question(text)
    tag = etag("ask", text, fmt.name)
    if response := not_modified(tag):
        return response
    result = ask.answer(text, get_store(), current_app.config, get_catalog(), matcher=match)
    root = request.script_root
    links = [
        (f"{root}/ask.{name}?{urlencode({'q': text})}", media)
        for name, media in (("json", "application/json"), ("html", "text/html"))
        if name != fmt.name
    ]
    if fmt.kind == "page":
        editor = f"{root}/editor?{urlencode({'query': result['sparql']})}" if result["sparql"] else None
        payload = render.Page(
            "ask.html",
            {
                "title": f"问答：{text}",
                "question": text,
                "result": result,
                "editor": editor,
                "examples": examples(),
                "links": links,
            },
        )
    else:
        payload = result
    return cacheable(respond(fmt, payload, links), tag)


def examples():
    """Example questions: one per question type, then one per canned list query."""
    return [*ask.EXAMPLES, *(intent.examples[0] for intent in ask.INTENTS if intent.examples)]
