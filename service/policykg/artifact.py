"""The build artifact as readers see it: where it is and what its manifest says.

The one place that reads `manifest.json`; `build` writes it. Imports nothing heavy, so query
worker processes and the web tier can use it without loading the build's libraries."""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"

Manifest = dict[str, Any]
Settings = Mapping[str, Any]


def folder(cfg: Settings) -> Path:
    """The artifact's folder (`BUILD_DIR`)."""
    return Path(cfg["BUILD_DIR"])


def manifest_path(cfg: Settings) -> Path:
    return folder(cfg) / MANIFEST


def manifest(cfg: Settings) -> Manifest | None:
    """The manifest of the build in `BUILD_DIR`, or None when there is none."""
    path = manifest_path(cfg)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def data_version(cfg: Settings) -> str | None:
    """The data version of the build in `BUILD_DIR`, or None when there is none."""
    found = manifest(cfg)
    return found["data_version"] if found else None
