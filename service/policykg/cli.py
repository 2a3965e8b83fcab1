"""The `policykg` command: build, serve, query, load, dump.

Settings come from `POLICYKG_*` environment variables (see `config.py`). Bad arguments or
input print a message on stderr and exit with 2; a failed build or an unavailable store
exits with 1. Never a traceback.
"""

import argparse
import importlib
import os
import re
import sys
import unicodedata
from contextlib import contextmanager
from pathlib import Path

from policykg import config, errors, graph, linked, queries, render, store

FORMATS = ("table", "json", "csv")
DUMP_FORMATS = ("ttl", "nt", "jsonld")
TITLE = re.compile(r"^#\+\s*title:", re.MULTILINE)


# Commands whose module parses its own arguments.
DELEGATED = {"ask": "policykg.ask", "match": "policykg.match"}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in DELEGATED:
        return importlib.import_module(DELEGATED[argv[0]]).main(argv[1:])
    args = parser().parse_args(argv)
    cfg = config.settings()
    return guarded("policykg", lambda: args.run(cfg, args))


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
        graph.ensure_built(cfg)
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
    build_.set_defaults(run=build)

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

    commands.add_parser("ask", help="answer a question in Chinese from the graph (policykg ask --help)")
    commands.add_parser(
        "match", help="match an enterprise profile against every policy (policykg match --help)"
    )
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


def build(cfg, args):
    manifest = graph.build(cfg, force=args.force)
    counts = manifest["counts"]
    steps = ", ".join(f"{step} {seconds:.2f}" for step, seconds in manifest["seconds"].items())
    print(f"data version  {manifest['data_version']}  (built {manifest['built_at']})")
    print(f"triples       {counts['asserted']} asserted + {counts['inferred']} inferred = {counts['total']}")
    print(f"seconds       {steps}")
    print(f"artifact      {cfg['BUILD_DIR']}")


def serve(cfg, args):
    graph.ensure_built(cfg)
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
    """The query text, parameters bound, for a canned query's name or a .rq file."""
    path = Path(name_or_file)
    if path.suffix == ".rq" or path.exists():
        if not path.is_file():
            raise errors.NotFound(f"没有这个文件 (no such file): {path}")
        text = path.read_text(encoding="utf-8")
        if TITLE.search(text):
            return queries.load(path, cfg["BASE_IRI"]).bind(values)
        if values:
            raise errors.BadRequest(f"{path} 没有声明参数 (declares no parameters): {', '.join(values)}")
        return text
    catalog = queries.Catalog(Path(cfg["ROOT"]) / "queries", cfg["BASE_IRI"])
    return catalog.get(name_or_file).bind(values)


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
        print(render.jsonld(render.Graph(render.triples(result))).decode("utf-8"))
    else:
        print(render.sparql_json(result))


def _write_csv(result):
    sys.stdout.write(render.sparql_csv(result))


def load(cfg, args):
    endpoint = args.endpoint or cfg["GSP_ENDPOINT"]
    if not endpoint:
        raise errors.BadRequest("需要 --endpoint 或 POLICYKG_GSP_ENDPOINT (give --endpoint GSP_URL)")
    graph.ensure_built(cfg)
    manifest = store.load_remote(cfg, endpoint)
    counts = manifest["counts"]
    print(
        f"loaded {counts['total']} triples ({counts['asserted']} asserted, {counts['inferred']} inferred, "
        f"data version {manifest['data_version']}) into {endpoint}"
    )


def dump(cfg, args):
    """The same bytes as the service's /dumps/ (canonical literals, our prefixes)."""
    manifest = graph.ensure_built(cfg)
    part = "closure" if args.inferred else "asserted"
    body = linked.dump(cfg, manifest["data_version"], part, args.format)
    if args.output:
        args.output.write_bytes(body)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
