"""Imports run one way: the package's modules are read with `ast`, every import (module level
or inside a function, `importlib.import_module("…")` too) becomes an edge, and the edges are
checked against the layer table below. Synthetic sources prove each rule catches the imports
that once broke it."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "service" / "policykg"

# Lowest first. A module may import any module of a lower layer, and modules of its own layer
# unless the layer is isolated (its modules are peers that share through a lower layer).
LAYERS = (
    (
        "foundation",
        False,
        {
            "config",
            "errors",
            "namespaces",
            "docnumber",
            "artifact",
            "cache",
            "wording",
            "names",
            "sandbox",
            "filehash",
        },
    ),
    ("query", False, {"queries", "guard", "store", "fulltext"}),
    ("build", False, {"inference", "shacl", "precompute", "build"}),
    ("render", False, {"render", "negotiate"}),
    ("domain", True, {"ask", "browse", "linked", "match"}),
    ("view helpers", False, {"views"}),
    ("views", True, {"views.*"}),
    ("entry", False, {"app", "cli"}),
)
# Modules only these may import: nothing imports the command line; only the command line
# starts the app; the build (rdflib, owlrl, pyshacl) only where its functions are needed.
ONLY = {
    "cli": set(),
    "app": {"cli"},
    "build": {"cli", "linked"},
}
# What the app factory may take from a view module by name: its blueprint.
VIEW_EXPORTS = {"bp"}
# `config.ROOT` is the checkout: settings say where the project is (cfg["ROOT"]). Only the
# settings themselves, and the build's labels of its own code files, may use it.
ROOT_USERS = {"config", "build"}


def layer_of(module):
    for index, (name, isolated, members) in enumerate(LAYERS):
        if module in members or (module.startswith("views.") and "views.*" in members):
            return index, name, isolated
    raise AssertionError(f"policykg.{module} is in no layer: add it to LAYERS")


def _resolve(importer, level, module):
    """The absolute module (without `policykg.`) a relative import names, or None if outside."""
    if level == 0:
        if module != "policykg" and not (module or "").startswith("policykg."):
            return None
        return (module or "").removeprefix("policykg").removeprefix(".")
    parts = importer.split(".")
    is_package = importer == "views"
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, *([module] if module else [])])


def imports(importer, source, modules):
    """(imported module, names taken from it, line, dynamic) for each import of a package
    module; dynamic: through `importlib.import_module`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _resolve(importer, 0, alias.name)
                if target:
                    found.append((target, (), node.lineno, False))
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(importer, node.level, node.module)
            if target is None:
                continue
            for alias in node.names:
                child = f"{target}.{alias.name}" if target else alias.name
                if child in modules:
                    found.append((child, (), node.lineno, False))
                elif target:
                    found.append((target, (alias.name,), node.lineno, False))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            target = _resolve(importer, 0, node.args[0].value)
            if target:
                found.append((target, (), node.lineno, True))
    return found


def uses_checkout(source):
    """Lines that use `config.ROOT` or name the tests folder."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "ROOT"
            and getattr(node.value, "id", "") == "config"
        ):
            lines.append(node.lineno)
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and (node.value == "tests" or node.value.startswith("tests/"))
        ):
            lines.append(node.lineno)
    return lines


def violations(sources):
    """Every broken rule in {module: source} (module names without `policykg.`)."""
    modules = set(sources)
    broken = []
    for importer, source in sorted(sources.items()):
        low, _, _ = layer_of(importer)
        for target, names, line, dynamic in imports(importer, source, modules):
            if target == importer or target not in modules:
                continue
            where = f"{importer}:{line} imports {target}"
            if dynamic:
                broken.append(f"{where} through importlib: import it plainly")
            high, name, isolated = layer_of(target)
            if target in ONLY and importer not in ONLY[target]:
                broken.append(f"{where}: only {sorted(ONLY[target]) or 'nothing'} may import it")
            elif high > low:
                broken.append(f"{where}: a higher layer ({name})")
            elif high == low and isolated:
                broken.append(f"{where}: a peer in the isolated layer {name}")
            if target.startswith("views.") and set(names) - VIEW_EXPORTS:
                broken.append(f"{where}: takes {sorted(set(names) - VIEW_EXPORTS)} from a view")
        if importer not in ROOT_USERS:
            broken += [
                f"{importer}:{line} uses the checkout, not cfg['ROOT']" for line in uses_checkout(source)
            ]
    return broken


def package_sources():
    sources = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if name:
            sources[name] = path.read_text(encoding="utf-8")
    return sources


def test_the_package_imports_one_way():
    assert violations(package_sources()) == []


def test_every_module_has_a_layer():
    for module in package_sources():
        layer_of(module)


def test_the_graph_sees_real_edges():
    sources = package_sources()
    edges = {(m, t) for m, s in sources.items() for t, _, _, _ in imports(m, s, set(sources))}
    assert ("cli", "ask") in edges and ("cli", "match") in edges
    assert ("views.linked", "views") in edges and ("views.pages", "browse") in edges
    assert ("store", "artifact") in edges and ("app", "views.pages") in edges


REAL = package_sources()
# The imports that once ran the wrong way, each as the line that did it.
BAD = {
    "ask imports cli": ("ask", "from policykg import cli, config\n"),
    "match imports cli": ("match", "from policykg import ask, cli\n"),
    "cli delegates by importlib": (
        "cli",
        'import importlib\nDELEGATED = {"ask": "policykg.ask"}\nimportlib.import_module("policykg.match")\n'
        "from policykg import build\n",
    ),
    "match borrows from ask": ("match", "from policykg import ask\n"),
    "ask reads its questions from tests": (
        "ask",
        'from policykg import config\nQUESTIONS = config.ROOT / "tests" / "ask" / "questions.tsv"\n',
    ),
    "store imports the build": ("store", "def _manifest(cfg):\n    from policykg import graph, build\n"),
    "health imports the build": ("views.health", "from .. import build, render\n"),
    "views.linked imports the build": ("views.linked", "from .. import build, linked\n"),
    "views.linked imports pages by importlib": (
        "views.linked",
        'import importlib\npages = importlib.import_module("policykg.views.pages")\n',
    ),
    "views.linked imports canned": ("views.linked", "from .canned import twins\n"),
    "app imports protect from pages": ("app", "from .views.pages import protect\n"),
    "inference ignores the configured root": (
        "inference",
        'from . import config\nFOLDER = config.ROOT / "queries/rules"\n',
    ),
    "a domain module imports the views": ("browse", "from .views import get_store\n"),
    "a domain module imports the app": ("linked", "from policykg.app import create_app\n"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_each_old_violation_is_reported(case):
    module, source = BAD[case]
    found = violations(dict(REAL, **{module: REAL[module] + "\n" + source}))
    assert found, case
    assert all(item.startswith(f"{module}:") for item in found), found
