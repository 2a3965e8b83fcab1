"""The build artifact as readers see it: where it is and what its manifest says.

The one place that reads `manifest.json`; `build` writes it. Imports nothing heavy, so query
worker processes and the web tier can use it without loading the build's libraries."""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import errors

MANIFEST = "manifest.json"
# What the service derives from a build and keeps beside it (`cache.PerVersion`'s kept copies).
DERIVED = "derived"

Manifest = dict[str, Any]
Settings = Mapping[str, Any]


def folder(cfg: Settings) -> Path:
    """The artifact's folder (`BUILD_DIR`)."""
    return Path(cfg["BUILD_DIR"])


def derived(cfg: Settings, name: str) -> Path:
    """Where the value `name` derived from this build is kept (`cache.PerVersion`)."""
    return folder(cfg) / DERIVED / f"{name}.pickle"


def manifest_path(cfg: Settings) -> Path:
    return folder(cfg) / MANIFEST


class Damaged(errors.StoreUnavailable):
    """`manifest.json` is there but unreadable: the service answers 503, `build` rebuilds."""

    def __init__(self):
        super().__init__(
            "构建结果的 manifest.json 已损坏，请重新运行 policykg build "
            "(the build's manifest is damaged; run `policykg build`)"
        )


def manifest(cfg: Settings) -> Manifest | None:
    """The manifest of the build in `BUILD_DIR`, or None when there is none; `Damaged` when
    it is not a JSON object with a data version (truncated, overwritten, not UTF-8)."""
    try:
        found = json.loads(manifest_path(cfg).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise Damaged() from None
    if not isinstance(found, dict) or not isinstance(found.get("data_version"), str):
        raise Damaged()
    return found


def data_version(cfg: Settings) -> str | None:
    """The data version of the build in `BUILD_DIR`, or None when there is none."""
    found = manifest(cfg)
    return found["data_version"] if found else None
