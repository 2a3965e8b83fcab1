"""`pip install <checkout>` (not editable) works from any folder: the wheel carries the ontology,
data and queries, `policykg build` builds the handbook's graph into a writable folder, and with
nothing to build it fails saying what to set.

The venv lies outside the checkout and sees the test venv's libraries through a `.pth` file, so
the install is offline (`--no-deps --no-build-isolation`); the package itself comes only from the
wheel built out of a copy of the checkout (setuptools' own `build/` never lands in the checkout).
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from policykg import config

# What a wheel is built from: everything but version control, venvs and what builds leave.
NOT_SHIPPED = shutil.ignore_patterns(
    ".git", ".venv", "build", "node_modules", "*.egg-info", "__pycache__", "tmp"
)


def run(args, cwd, env, check=True):
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if check and done.returncode != 0:
        pytest.fail(f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(bin folder, environment, home): the package installed non-editable into a fresh venv."""
    home = tmp_path_factory.mktemp("installed")
    source = home / "checkout"
    shutil.copytree(config.ROOT, source, ignore=NOT_SHIPPED)
    target = home / "venv"
    venv.create(target, with_pip=False)
    python = target / "bin" / "python"
    env = {key: value for key, value in os.environ.items() if not key.startswith("POLICYKG_")}
    env.update(XDG_CACHE_HOME=str(home / "cache"), PYTHONNOUSERSITE="1")
    purelib = run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], home, env)
    Path(purelib.stdout.strip(), "test-venv.pth").write_text(sysconfig.get_path("purelib") + "\n", "utf-8")
    pip = [
        sys.executable,
        "-m",
        "pip",
        "--python",
        str(python),
        "install",
        "-q",
        "--disable-pip-version-check",
    ]
    run([*pip, "--no-deps", "--no-build-isolation", "--no-index", str(source)], home, env)
    shutil.rmtree(source)  # the installed package must not need the checkout it came from
    elsewhere = home / "elsewhere"
    elsewhere.mkdir()
    return target / "bin", env, elsewhere


def test_installed_package_finds_its_files_inside_itself(installed):
    bin_folder, env, cwd = installed
    code = "from policykg import config; print(config.ROOT); print(config.DEFAULTS['BUILD_DIR'])"
    root, build_dir = run([bin_folder / "python", "-c", code], cwd, env).stdout.splitlines()
    assert Path(root).is_relative_to(bin_folder.parent) and Path(root).name == "root"
    assert Path(build_dir) == Path(env["XDG_CACHE_HOME"]) / "policykg" / "build"


def test_policykg_build_from_another_folder_builds_the_handbook(installed):
    bin_folder, env, cwd = installed
    run([bin_folder / "policykg", "build"], cwd, env)
    manifest = json.loads((Path(env["XDG_CACHE_HOME"]) / "policykg/build/manifest.json").read_text("utf-8"))
    assert manifest["counts"]["asserted"] > 0 and manifest["counts"]["inferred"] > 0
    assert "data/handbook.ttl" in manifest["inputs"]
    answer = run([bin_folder / "policykg", "query", "policy-contacts", "--format", "json"], cwd, env)
    policies = {row["policy"]["value"] for row in json.loads(answer.stdout)["results"]["bindings"]}
    assert len(policies) == 10


def test_build_with_no_inputs_fails_naming_policykg_root(installed, tmp_path):
    bin_folder, env, cwd = installed
    empty = tmp_path / "empty"
    empty.mkdir()
    env = dict(env, POLICYKG_ROOT=str(empty), POLICYKG_BUILD_DIR=str(tmp_path / "build"))
    done = run([bin_folder / "policykg", "build"], cwd, env, check=False)
    assert done.returncode == 1
    assert "POLICYKG_ROOT" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "build").exists()
