"""Cheap randomness for millions of rows, and the Russian names and addresses made
with it."""

from __future__ import annotations

import bisect
import itertools
import random

from crm.demo import vocabulary


class FastRandom(random.Random):
    """`random.Random` with a cheaper `choice` and `randrange`.

    The standard ones draw whole random bits to be perfectly uniform, which costs a
    microsecond a call; ten million events make a hundred million calls, and a
    float's 53 bits are uniform enough for picking a street name.
    """

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randrange(self, start, stop=None, step=1):
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))


def cumulative(weights):
    """Running totals of weights, for `pick()`."""
    return list(itertools.accumulate(weights))


REGION_CUM = cumulative(r[5] for r in vocabulary.REGIONS)
REGION_TOTAL = REGION_CUM[-1]
FORM_CUM = cumulative(f[3] for f in vocabulary.LEGAL_FORMS)
FORM_TOTAL = FORM_CUM[-1]
_TRANSLIT_CACHE: dict[str, str] = {}


def translit(text: str) -> str:
    """`vocabulary.translit`, remembered: names repeat a million times."""
    found = _TRANSLIT_CACHE.get(text)
    if found is None:
        found = _TRANSLIT_CACHE[text] = vocabulary.translit(text)
    return found


def pick(rng: random.Random, cumulative: list[int], total: int) -> int:
    """The index of an item drawn with the weights whose running totals are given."""
    return bisect.bisect_right(cumulative, rng.random() * total)


def person(rng: random.Random) -> tuple[str, str, str, bool]:
    """A Russian full name: last, first and middle name, and whether he is a man."""
    father = rng.choice(vocabulary.MALE_NAMES)
    surname = rng.choice(vocabulary.SURNAMES)
    if rng.random() < 0.5:
        return surname, rng.choice(vocabulary.MALE_NAMES)[0], father[1], True
    return (
        vocabulary.feminine(surname),
        rng.choice(vocabulary.FEMALE_NAMES),
        father[2],
        False,
    )


def address(rng: random.Random, region: tuple, *, office: bool) -> str:
    """A postal address in the region as Russians write it: index, city, street,
    house, office or flat."""
    name, city, _codes, _areas, postcodes, _weight = region
    postcode = f"{rng.choice(postcodes)}{rng.randrange(1000):03d}"
    place = f"г. {city}" if name == city else f"{name}, г. {city}"
    house = f"д. {rng.randrange(1, 120)}"
    if rng.random() < 0.2:
        house += f", стр. {rng.randrange(1, 6)}"
    unit = f"офис {rng.randrange(1, 900)}" if office else f"кв. {rng.randrange(1, 300)}"
    return f"{postcode}, {place}, {rng.choice(vocabulary.STREETS)}, {house}, {unit}"
