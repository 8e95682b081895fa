"""What a batch promises about its files, written by the generator and checked by the loader.

``batch.json`` records, for every CSV file, its size and SHA-256, and the id of the data
set the batch belongs to (a digest of the generator's parameters: seed, population,
window, defect rate). The loader checks both before it copies anything, so a truncated or
edited file, or a batch of another data set that happens to share a batch id, is refused
with one line instead of loading silently.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

CHUNK_BYTES = 1 << 20
# parameters that change how the generator works, not what it writes
NOT_IN_DATASET_ID = ("chunk_size",)


def dataset_id(params: Any) -> str:
    """A short, stable digest of the generator parameters that decide the data."""
    chosen = {k: v for k, v in sorted(asdict(params).items()) if k not in NOT_IN_DATASET_ID}
    return hashlib.sha256(json.dumps(chosen, default=str).encode()).hexdigest()[:16]


def file_digest(path: Path) -> dict[str, int | str]:
    """Size in bytes and SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return {"bytes": size, "sha256": digest.hexdigest()}


def file_mismatch(
    path: Path, promised: dict[str, Any], check_content: bool = True, sha256: str | None = None
) -> str | None:
    """Why `path` is not the file batch.json describes, or None when it is.

    The size is always compared; the content when `check_content`, from `sha256` when the
    caller hashed the bytes already (as it streamed them), else by reading the file."""
    if not path.exists():
        return f"{path} is missing"
    size = path.stat().st_size
    if size != promised.get("bytes"):
        return f"{path} has {size:,} bytes, batch.json says {promised.get('bytes'):,} (truncated or edited?)"
    if check_content and (sha256 or file_digest(path)["sha256"]) != promised.get("sha256"):
        return f"{path} does not match its SHA-256 in batch.json (edited after it was generated?)"
    return None
