"""Small pools of names, streets and companies built once with a seeded Faker.

Why pools: Faker is slow per call (tens of microseconds) and must not drive row-level
randomness; a few thousand values are drawn once from a Faker seeded with the run seed,
and the numpy generator samples from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from faker import Faker


@dataclass(frozen=True)
class Pools:
    first_names_f: np.ndarray
    first_names_m: np.ndarray
    last_names: np.ndarray
    streets: np.ndarray
    companies: np.ndarray


def build(seed: int, size: int = 400) -> Pools:
    fake = Faker("en_US")
    fake.seed_instance(seed)

    def unique(draw, n: int) -> np.ndarray:
        values = sorted({draw() for _ in range(n)})
        return np.array(values, dtype=object)

    return Pools(
        first_names_f=unique(fake.first_name_female, size // 3),
        first_names_m=unique(fake.first_name_male, size // 3),
        last_names=unique(fake.last_name, size),
        streets=unique(fake.street_address, size * 2),
        companies=unique(fake.company, size * 2),
    )
