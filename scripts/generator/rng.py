"""Seeded random streams: one ``numpy.random.Generator`` per (seed, batch, purpose, chunk).

Why derived streams instead of one long stream: a chunk's numbers must not depend on how
many numbers earlier chunks drew, so changing ``--chunk-size`` logic in one table never
shifts another table, and a batch can be re-generated alone. There is no module-level state.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, *keys: int | str) -> np.random.Generator:
    """A generator fully determined by the seed and the keys (strings are CRC32-hashed)."""
    words = [int(seed)]
    for key in keys:
        words.append(zlib.crc32(key.encode()) if isinstance(key, str) else int(key))
    return np.random.default_rng(words)


def stochastic_round(rng: np.random.Generator, value: float) -> int:
    """Round so that the expectation is exact (keeps small-scale rates unbiased)."""
    base = int(np.floor(value))
    return base + int(rng.random() < value - base)
