"""The `policykg` command: build, serve, query, load, dump, ask, match.

The edge of the package: it imports the library, nothing in the library imports it.

Settings come from `POLICYKG_*` environment variables (see `config.py`). Bad arguments or
input print a message on stderr and exit with 2; a failed build or an unavailable store
exits with 1. Never a traceback.
"""

import argparse
import gc
import json
import os
import re
import shutil
import sys
import time
import unicodedata
from contextlib import closing, contextmanager
from pathlib import Path

from policykg import ask, build, config, errors, fulltext, linked, match, queries, render, store

FORMATS = ("table", "json", "csv")
DUMP_FORMATS = ("ttl", "nt", "jsonld")
TITLE = re.compile(r"^#\+\s*title:", re.MULTILINE)

# How a verdict or a condition's status reads in `policykg match`.
MARKS = {
    "eligible": "✔ 符合",
    "not-eligible": "✘ 不符合",
    "unknown": "？ 待定",
    match.MET: "✔",
    match.UNMET: "✘",
    match.UNKNOWN: "？",
}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser().parse_args(argv)
    cfg = config.settings()
    return guarded(f"policykg {args.command}", lambda: args.run(cfg, args))


def guarded(name, run):
    """Run one command: its errors become a message on stderr and an exit code (2 for bad
    input, 1 when the build or the store fails), never a traceback."""
    try:
        return run() or 0
    except errors.BuildError as error:
        print(f"{name}: {error}", file=sys.stderr)
        return 1
    except errors.ServiceError as error:
        print(f"{name}: {error.message}", file=sys.stderr)
        return 2 if error.status < 500 else 1
    except BrokenPipeError:
        # The reader of our output went away (`| head`): stop quietly, as other tools do;
        # standard output goes to the null device so the interpreter's last flush cannot fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (OSError, ValueError) as error:
        print(f"{name}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


@contextmanager
def command_store(cfg, endpoint=None):
    """The store one command queries: a remote endpoint, or the local build (built if needed)."""
    if endpoint:
        cfg = dict(cfg, STORE="remote", ENDPOINT=endpoint)
    else:
        build.build(cfg)
    opened = store.open_store(dict(cfg, QUERY_WORKERS=1))  # one command: one worker
    try:
        yield opened
    finally:
        opened.close()


def parser():
    top = argparse.ArgumentParser(prog="policykg", description="惠企政策知识图谱 (policy knowledge graph)")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build_ = commands.add_parser("build", help="build the graph: parse, OWL-RL closure, SHACL, checks")
    build_.add_argument("--force", action="store_true", help="rebuild even when the inputs did not change")
    build_.add_argument(
        "--allow-shrink",
        action="store_true",
        help="accept a build with far fewer policies or triples than the previous one",
    )
    build_.add_argument(
        "--progress",
        action="store_true",
        help="report stages, files parsed and elapsed seconds on stderr (the default on a terminal)",
    )
    build_.set_defaults(run=build_command)

    serve_ = commands.add_parser("serve", help="serve the web application (gunicorn)")
    serve_.add_argument("--host", default="127.0.0.1")
    serve_.add_argument("--port", type=int, default=8000)
    serve_.add_argument("--workers", type=_positive, help="web worker processes (default: SERVE_WORKERS)")
    serve_.add_argument("--dev", action="store_true", help="Flask's development server instead of gunicorn")
    serve_.set_defaults(run=serve)

    query_ = commands.add_parser("query", help="run a canned query by name, or any .rq file")
    query_.add_argument("query", metavar="NAME_OR_FILE", help="a canned query's name or a .rq file")
    query_.add_argument(
        "--param",
        action="append",
        default=[],
        type=_pair,
        metavar="NAME=VALUE",
        help="a parameter value (repeat for several)",
    )
    query_.add_argument("--endpoint", help="a remote SPARQL endpoint instead of the local build")
    query_.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table (default), json (SPARQL JSON; JSON-LD for graphs) or csv",
    )
    query_.set_defaults(run=query)

    load_ = commands.add_parser("load", help="put the build into a remote store (Graph Store Protocol)")
    load_.add_argument("--endpoint", help="the Graph Store Protocol URL (default: GSP_ENDPOINT)")
    load_.set_defaults(run=load)

    dump_ = commands.add_parser("dump", help="write the graph (the asserted triples by default)")
    dump_.add_argument("--inferred", action="store_true", help="include the inferred triples (the closure)")
    dump_.add_argument("--format", choices=DUMP_FORMATS, default="ttl")
    dump_.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    dump_.set_defaults(run=dump)

    ask_ = commands.add_parser(
        "ask", help="answer a question in Chinese from the graph (用中文提问，由预设查询回答)"
    )
    ask_.add_argument("question", nargs="?", help="问题，如 “哪些奖励要求运行5年以上”")
    ask_.add_argument(
        "--evaluate",
        nargs="?",
        const=ALL_SETS,
        metavar="TSV",
        help="score an evaluation set (default: every set shipped with the package, "
        + ", ".join(path.name for path in ask.ASK_SETS)
        + "), or the canned-query question set",
    )
    ask_.add_argument(
        "--part",
        choices=ask.PARTS,
        default=None,
        help="only this part of the evaluation sets (default: dev only)",
    )
    ask_.add_argument(
        "--with-test",
        action="store_true",
        help="score the test parts too, after the dev parts (report only: never tune on them)",
    )
    ask_.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask_.add_argument("--endpoint", help="a remote SPARQL endpoint instead of the local build")
    ask_.set_defaults(run=ask_command)

    match_ = commands.add_parser(
        "match", help="match an enterprise profile against every policy (企业（或个人）画像的政策资格匹配)"
    )
    match_.add_argument("profile", help="画像 JSON 文件，- 为标准输入")
    match_.add_argument("--json", action="store_true", help="print the answer as JSON")
    match_.add_argument("--endpoint", help="a remote SPARQL endpoint instead of the local build")
    match_.set_defaults(run=match_command)
    return top


def _positive(text):
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"应为正整数 (expected a positive integer): {text!r}")
    return int(text)


def _pair(text):
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise argparse.ArgumentTypeError(f"应为 NAME=VALUE (expected NAME=VALUE): {text!r}")
    return name, value


def build_command(cfg, args):
    shown = args.progress or sys.stderr.isatty()
    progress = build.Progress(sys.stderr if shown else None)
    manifest = build.build(cfg, force=args.force, allow_shrink=args.allow_shrink, progress=progress)
    progress("deriving match's eligibility, ask's lexicon and benefits")
    derived = derive(cfg)
    counts = manifest["counts"]
    steps = ", ".join(f"{step} {seconds:.2f}" for step, seconds in manifest["seconds"].items())
    print(f"data version  {manifest['data_version']}  (built {manifest['built_at']})")
    print(f"triples       {counts['asserted']} asserted + {counts['inferred']} inferred = {counts['total']}")
    print(f"handbooks     {len(manifest.get('handbooks', []))} ({counts['policies']} policies)")
    print(f"seconds       {steps}")
    if derived is not None:
        print(
            f"derived       match eligibility, ask lexicon and benefits ({derived:.2f} s, kept in the artifact)"
        )
    print(f"artifact      {cfg['BUILD_DIR']}")


def derive(cfg):
    """Make what the service derives from the build once per data version — match's
    eligibility, ask's lexicon and list of every benefit — or read it from the copies kept in the artifact
    (`artifact.derived`), into this process's caches, with jieba's stock dictionary (kept beside
    the build's cache); seconds taken, or None (with a warning) when the store cannot say its
    data version or cannot be read."""
    started = time.perf_counter()
    fulltext.stock_dictionary(build.cache_root(cfg) / "jieba-dictionary.marshal")
    try:
        with closing(store.open_store(dict(cfg, QUERY_WORKERS=1))) as opened:
            if opened.data_version() is None:
                return None
            match.eligibility(opened, cfg)
            ask.lexicon(opened, cfg)
            ask.every_benefit(opened, cfg)
    except errors.ServiceError as error:
        print(f"policykg: 未能预先生成 (not derived; each web worker makes it): {error}", file=sys.stderr)
        return None
    return time.perf_counter() - started


def serve(cfg, args):
    build.build(cfg)
    # Made or read once here (in gunicorn's master), so that every worker forks with them rather
    # than making them on its first search, question or check (a minute at 10 000 policies, and
    # ~0.2 GB per 1 000 policies in each worker); frozen, so that the workers' garbage collector
    # leaves their pages shared.
    derive(cfg)
    gc.freeze()
    if args.dev:
        from policykg.app import create_app

        create_app().run(host=args.host, port=args.port, threaded=True)
        return
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", args.workers or cfg["SERVE_WORKERS"])
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", cfg["SERVE_THREADS"])
            # A request may run one query for up to QUERY_TIMEOUT seconds before it is stopped.
            self.cfg.set("timeout", int(cfg["QUERY_TIMEOUT"]) + 30)
            # The longest request line gunicorn allows, for queries sent by GET (POST has no limit).
            self.cfg.set("limit_request_line", 8190)
            # No control socket: its default path is shared by every gunicorn of this user.
            self.cfg.set("control_socket_disable", True)

        def load(self):
            from policykg.app import create_app

            return create_app()

    Server().run()


def query(cfg, args):
    text = _query_text(cfg, args.query, dict(args.param))
    with command_store(cfg, args.endpoint) as opened:
        result = opened.query(text)
    write = {"table": _write_table, "json": _write_json, "csv": _write_csv}[args.format]
    write(result)


def _query_text(cfg, name_or_file, values):
    """The query text, parameters bound, for a canned query's name or a .rq file: its whole
    answer (a paged query's every key), since a command has no next page."""
    path = Path(name_or_file)
    if path.suffix == ".rq" or path.exists():
        if not path.is_file():
            raise errors.NotFound(f"没有这个文件 (no such file): {path}")
        text = path.read_text(encoding="utf-8")
        if TITLE.search(text):
            return queries.load(path, cfg["BASE_IRI"]).bind_all(values)
        if values:
            raise errors.BadRequest(f"{path} 没有声明参数 (declares no parameters): {', '.join(values)}")
        return text
    return queries.canned(cfg).get(name_or_file).bind_all(values)


def _width(text):
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _write_table(result):
    if result.form == "ask":
        print("true" if result.boolean else "false")
        return
    columns, rows = render.table(result)
    cells = [[render.plain(row.get(column)).replace("\n", "\\n") for column in columns] for row in rows]
    widths = [max([_width(column)] + [_width(line[i]) for line in cells]) for i, column in enumerate(columns)]
    for line in [columns, ["-" * width for width in widths], *cells]:
        print(
            "  ".join(
                cell + " " * (width - _width(cell)) for cell, width in zip(line, widths, strict=False)
            ).rstrip()
        )
    note = "，已截断 (truncated at the row cap)" if result.truncated else ""
    print(f"({len(rows)} 行 rows{note})")


def _write_json(result):
    if result.form == "graph":
        print(render.jsonld(render.Triples(render.triples(result))).decode("utf-8"))
    else:
        print(render.sparql_json(result))


def _write_csv(result):
    sys.stdout.write(render.sparql_csv(result))


def load(cfg, args):
    endpoint = args.endpoint or cfg["GSP_ENDPOINT"]
    if not endpoint:
        raise errors.BadRequest("需要 --endpoint 或 POLICYKG_GSP_ENDPOINT (give --endpoint GSP_URL)")
    build.build(cfg)
    manifest = store.load_remote(cfg, endpoint)
    counts = manifest["counts"]
    print(
        f"loaded {counts['total']} triples ({counts['asserted']} asserted, {counts['inferred']} inferred, "
        f"data version {manifest['data_version']}) into {endpoint}"
    )


def dump(cfg, args):
    """The same bytes as the service's /dumps/ (canonical literals, our prefixes)."""
    manifest = build.build(cfg)
    part = "closure" if args.inferred else "asserted"
    path = linked.dump(cfg, manifest["data_version"], part, args.format)
    with open(path, "rb") as made:
        if args.output:
            with open(args.output, "wb") as output:
                shutil.copyfileobj(made, output)
        else:
            sys.stdout.flush()
            shutil.copyfileobj(made, sys.stdout.buffer)
            sys.stdout.buffer.flush()


# --- policykg ask ------------------------------------------------------------------------------

# `--evaluate` with no file: every evaluation set shipped (ask.ASK_SETS).
ALL_SETS = "all-sets"


def ask_command(cfg, args):
    """`policykg ask "问题"` prints the summary, the rows and the SPARQL; `--evaluate` scores a
    question set."""
    if not args.question and not args.evaluate:
        raise errors.BadRequest("请输入问题或 --evaluate (give a question or --evaluate)")
    if args.part and args.with_test:
        raise errors.BadRequest("--part 与 --with-test 只能选一个 (give --part or --with-test, not both)")
    parts = [args.part] if args.part else ["dev", "test"] if args.with_test else ["dev"]
    with command_store(cfg, args.endpoint) as opened:
        if args.evaluate == ALL_SETS or (
            args.evaluate and Path(args.evaluate).read_text(encoding="utf-8").startswith("id\t")
        ):
            paths = ask.ASK_SETS if args.evaluate == ALL_SETS else [Path(args.evaluate)]
            evaluations = ask.evaluate_sets(opened, cfg, paths, parts, matcher=match)
            for evaluation in evaluations:
                _print_set_evaluation(evaluation)
            if len(evaluations) > 1:
                _print_set_summary(evaluations)
        elif args.evaluate:
            _print_evaluation(ask.evaluate(opened, cfg, args.evaluate))
        else:
            _print_answer(ask.answer(args.question, opened, cfg, matcher=match), args.json)


def _print_evaluation(evaluation):
    for case, got, params in evaluation.misses:
        expected = f"{case.query or '-'} {json.dumps(case.params, ensure_ascii=False)}"
        print(
            f"MISS  {case.question}\n      expected {expected}\n      got      {got or '-'} "
            f"{json.dumps(params, ensure_ascii=False)}"
        )
    print(f"score {evaluation.hits}/{evaluation.total} = {evaluation.score:.1%}")


def _print_set_evaluation(evaluation):
    """One set's part: its misses (dev only), then the outcomes by question type, with the share
    right and the share wrong with confidence of each type."""
    for case, got, said in evaluation.misses:
        print(
            f"{got.upper():<18} {case.id} [{case.type}] {case.question}\n      expected {' | '.join(case.facts)}\n      got      {said}"
        )
    print(f"{evaluation.set} part {evaluation.part}: {evaluation.total()} questions")
    header = ["type", "n", *ask.OUTCOMES, "right %", "wrong %"]
    print("  " + "\t".join(header))
    for kind, counts in sorted(evaluation.counts.items()):
        shares = [f"{evaluation.type_share(kind, name):.1%}" for name in ("right", "wrong")]
        print(
            "  "
            + "\t".join(
                [kind, str(sum(counts.values())), *(str(counts[name]) for name in ask.OUTCOMES), *shares]
            )
        )
    print(
        f"  all\t{evaluation.total()}\t"
        + "\t".join(str(evaluation.total(name)) for name in ask.OUTCOMES)
        + f"\t{evaluation.share('right'):.1%}\t{evaluation.share('wrong'):.1%}"
    )
    print(f"{evaluation.set} part {evaluation.part}: " + _scores(evaluation, ", "))


def _print_set_summary(evaluations):
    print("summary")
    for evaluation in evaluations:
        print("  " + "\t".join([evaluation.set, evaluation.part, _scores(evaluation, "\t")]))


def _scores(evaluation, between):
    """right n/N = x %, then confident-wrong n = y %, joined by `between`."""
    right = f"right {evaluation.total('right')}/{evaluation.total()} = {evaluation.share('right'):.1%}"
    wrong = f"confident-wrong {evaluation.total('wrong')} = {evaluation.confident_wrong:.1%}"
    return right + between + wrong


def _print_answer(result, as_json):
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    print(result["summary"])
    print(f"  ({result['type']}，把握 {result['confidence']:.0%})")
    for clause in result["clauses"]:
        print(f"  原文 {clause.get('pages', '')} {clause.get('clause', '')} {clause.get('text', '')}")
    for item in result["suggestions"]:
        print(f"  相近的问题：{item['question']}（{item['title']}）")
    if result["rows"]:
        print()
        print("\t".join(result["columns"]))
        for row in result["rows"]:
            print(
                "\t".join(
                    str(row.get(column, "")).replace("\t", " ").replace("\n", " ")
                    for column in result["columns"]
                )
            )
    for item in result["queries"]:
        print()
        print(f"# {item['name']}")
        print(item["sparql"])


# --- policykg match ----------------------------------------------------------------------------


def match_command(cfg, args):
    """`policykg match profile.json` (or - for standard input) prints each policy and benefit
    with its verdict, the conditions that fail or cannot be judged, and the amounts; `--json`
    prints the whole answer."""
    text = sys.stdin.read() if args.profile == "-" else Path(args.profile).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise errors.BadRequest(f"画像不是有效的 JSON：{error}") from None
    with command_store(cfg, args.endpoint) as opened:
        result = match.evaluate(data, opened, cfg)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print_verdicts(result)


def _print_verdicts(result):
    for note in result["warnings"]:
        print(f"注意：{note}")
    if result["ignored"]:
        print(f"已忽略的字段：{'、'.join(result['ignored'])}")
    counts = result["counts"]
    print(f"符合 {counts['eligible']} 项，不符合 {counts['not-eligible']} 项，待定 {counts['unknown']} 项")
    for policy in result["policies"]:
        print(f"\n{MARKS[policy['status']]}  {policy['label']}（{policy['pages']['text']}）")
        groups = {group["group"]: group for group in policy["groups"]}
        for benefit in policy["benefits"]:
            amount = f"  — {benefit['amount']['text']}" if benefit["amount"] else ""
            print(f"  {MARKS[benefit['status']]}  {benefit['label']}{amount}")
            for condition in benefit["conditions"]:
                if condition["status"] == match.MET:
                    continue
                print(f"      {MARKS[condition['status']]} {condition.get('label') or condition['reason']}")
                named = [condition] + [
                    item for route in condition.get("routes", ()) for item in route["groups"]
                ]
                for item in named:
                    for line in _failing(groups.get(item.get("group"))):
                        print(f"          {line}")


def _failing(group):
    """Lines for the criteria of a group that are not met: each with its reasons, and those that
    need a person's judgement counted on one line."""
    if not group:
        return []
    lines, judged = [], []
    for criterion in group["criteria"]:
        if criterion["status"] == match.MET:
            continue
        if not criterion["checks"]:
            judged.append(criterion["clause"])
            continue
        reasons = [item["reason"] for item in criterion["checks"] if item["status"] != match.MET]
        lines.append(f"{MARKS[criterion['status']]} {criterion['clause']} {'；'.join(reasons)}")
    if judged:
        lines.append(f"{MARKS[match.UNKNOWN]} {match.JUDGEMENT}：{'、'.join(judged)}")
    return lines
