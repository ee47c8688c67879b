"""The sha256 of a file, read in chunks: the run record's input hashes and run-chain links.

Shared by the writer (hashes of the inputs) and the reader (hash of a previous run.json),
so that neither imports the other.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

#: Bytes read at a time (intake files can be large).
CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()
