"""Bounded caches: one least-recently-used map, and the per-data-version cache built on it.

`LRU` bounds what it holds by a weight (by default 1 per entry: a count; a `weigh` function
such as `len` of a body bounds it by bytes instead), and optionally by a count of entries too. `PerVersion` keeps what is derived from
one data version of the graph (a lexicon, the eligibility rules…) for the few newest versions
only, so a service that follows rebuilds does not keep every version it ever served. Every
cache can be emptied with `clear()` (tests do, instead of patching private state).

A `PerVersion` value may also be kept on disk (`get(…, kept=path)`): pickled into the build's
folder by whoever makes it first (`policykg build`, or gunicorn's master before its workers fork),
and read back by any process serving that version, ~10× faster than making it again. A kept copy is
read only when it was written for the same cache, key, data version, Python and source code of the
modules that define the value (`code`); anything else (or a damaged file) is made again. Such a
file is as trusted as the store beside it: whoever can write the build folder can change the data.
"""

import contextlib
import gc
import hashlib
import logging
import os
import pickle
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator
from pathlib import Path
from typing import Generic, TypeVar

LOG = logging.getLogger(__name__)

Value = TypeVar("Value")

# Data versions a per-version cache keeps: the one served and the one it replaced.
VERSIONS_KEPT = 2


def _one(_value: object) -> int:
    return 1


class LRU(Generic[Value]):
    """A bounded least-recently-used map, safe across threads: at most `limit` in total
    weight (0: keeps nothing) and, when `most` is given, at most `most` entries; the least
    recently used entries go first."""

    def __init__(self, limit: int, weigh: Callable[[Value], int] = _one, most: int | None = None):
        self.limit = limit
        self.most = most
        self._weigh = weigh
        self._items: OrderedDict[Hashable, tuple[Value, int]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Value | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[0]

    def put(self, key: Hashable, value: Value) -> None:
        if self.limit <= 0 or self.most == 0:
            return
        weight = self._weigh(value)
        if weight > self.limit:
            return
        with self._lock:
            if key in self._items:
                self._weight -= self._items.pop(key)[1]
            self._items[key] = (value, weight)
            self._weight += weight
            while self._weight > self.limit or (self.most is not None and len(self._items) > self.most):
                _, (_, dropped) = self._items.popitem(last=False)
                self._weight -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._weight = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    @property
    def weight(self) -> int:
        return self._weight


class PerVersion(Generic[Value]):
    """What is made from one data version, made once; the `size` most recently used
    (key, version) entries are kept (default: one key for the served version and the one it
    replaced).

    `get(key, version, make)` returns the value for (`key`, `version`), calling `make()` the
    first time; when the version is unknown (None: a remote store without a build) nothing is
    kept and `make()` runs every time. Two threads asking at once may both make it; the data is
    read-only, so either answer is right. With `kept` (a file path), the value is read from the
    copy kept there, or made and kept there (see the module's note); `code` names the source
    files of the value's classes, so that a copy from other code is not read."""

    def __init__(self, name: str, size: int = VERSIONS_KEPT, code: Iterable[str | Path] = ()):
        self.name = name
        self.code = tuple(Path(path) for path in code)
        self._entries: LRU[Value] = LRU(size)

    def get(
        self, key: Hashable, version: str | None, make: Callable[[], Value], kept: Path | None = None
    ) -> Value:
        if version is None:
            return make()
        found = self._entries.get((key, version))
        if found is None:
            found = self._read_or_make(key, version, make, kept)
            self._entries.put((key, version), found)
        return found

    def _read_or_make(self, key, version, make, kept):
        with paused_gc():  # millions of small objects, none of them garbage: 2–10× faster
            if kept is None:
                return make()
            label = self._label(key, version)
            try:
                with open(kept, "rb") as opened:
                    if pickle.load(opened) == label:
                        return pickle.load(opened)
            except FileNotFoundError:
                pass
            except Exception as error:  # a damaged copy (any unpickling error): made again
                LOG.warning("%s: kept copy %s unreadable (%s); made again", self.name, kept, error)
            value = make()
            partial = kept.with_name(f"{kept.name}.{os.getpid()}.{threading.get_ident()}.partial")
            try:
                kept.parent.mkdir(parents=True, exist_ok=True)
                with open(partial, "wb") as opened:
                    pickle.dump(label, opened, protocol=pickle.HIGHEST_PROTOCOL)
                    pickle.dump(value, opened, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(partial, kept)
            except (OSError, pickle.PicklingError, TypeError) as error:
                LOG.warning("%s: not kept in %s (%s)", self.name, kept, error)
                with contextlib.suppress(OSError):
                    partial.unlink(missing_ok=True)
            return value

    def _label(self, key, version):
        """What a kept copy must have been written for."""
        code = hashlib.sha256()
        for path in self.code:
            code.update(path.read_bytes())
        return [self.name, repr(key), version, list(sys.version_info[:2]), code.hexdigest()]

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector off for the block (on again after, if it was on)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
