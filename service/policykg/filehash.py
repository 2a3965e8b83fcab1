"""Hashes of files, remembered by their stat, so that an unchanged build (and so `policykg serve`)
does not read every input and every artifact file again to learn that nothing changed.

`Hashes(memo_file).record(path)` is {"sha256", "triples"} of the file (its lines are its triples:
N-Triples written one a line; for other files the count is only kept, not used). A file whose
size, modification time (ns), inode and device are those remembered is not read again. As in
git's index, a remembered hash is trusted only for a file last modified at least `SETTLED`
seconds before it was hashed: a file written in the same instant as it was hashed could change
again without its time changing. A memo that cannot be read is ignored and one that cannot be
written is not kept (a read-only build folder): it only ever saves time, never decides.
"""

import hashlib
import json
import os
import time
from pathlib import Path

SETTLED = 2.0  # seconds between a file's last change and its hash, for the hash to be kept
BLOCK = 1 << 20


class Hashes:
    def __init__(self, memo_file=None):
        self.memo_file = Path(memo_file) if memo_file else None
        self.known: dict[str, list] = {}
        self.changed = False
        if self.memo_file is not None:
            try:
                self.known = json.loads(self.memo_file.read_text("utf-8"))
            except (OSError, ValueError):
                self.known = {}
            if not isinstance(self.known, dict):
                self.known = {}

    def record(self, path):
        """{"sha256", "triples"} of the file at `path` (OSError when it cannot be read)."""
        path = Path(path)
        stat = os.stat(path)
        key = str(path.resolve())
        stamp = [stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_dev]
        kept = self.known.get(key)
        if isinstance(kept, list) and len(kept) == 6 and kept[:4] == stamp:
            return {"sha256": kept[4], "triples": kept[5]}
        hashed_at = time.time_ns()
        record = read(path)
        if hashed_at - stat.st_mtime_ns >= SETTLED * 1e9:
            self.known[key] = [*stamp, record["sha256"], record["triples"]]
            self.changed = True
        return record

    def sha256(self, path):
        return self.record(path)["sha256"]

    def save(self):
        """Keep what was learnt, if anything (atomically; silently not where it cannot)."""
        if self.memo_file is None or not self.changed:
            return
        try:
            self.memo_file.parent.mkdir(parents=True, exist_ok=True)
            partial = self.memo_file.with_name(f"{self.memo_file.name}.{os.getpid()}.partial")
            partial.write_text(json.dumps(self.known, separators=(",", ":")), encoding="utf-8")
            os.replace(partial, self.memo_file)
            self.changed = False
        except OSError:
            pass


def read(path):
    """{"sha256", "triples"} of the file at `path`, read to the end."""
    digest, lines = hashlib.sha256(), 0
    with open(path, "rb") as stream:
        while chunk := stream.read(BLOCK):
            digest.update(chunk)
            lines += chunk.count(b"\n")
    return {"sha256": digest.hexdigest(), "triples": lines}
