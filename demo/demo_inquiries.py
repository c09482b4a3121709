"""Who writes in, and about what: seeded made-up inquiries from across the county, and
organisation numbers as Brønnøysund gives them. No real people: names are common Norwegian
ones, addresses demo<n>@example.no."""

from __future__ import annotations

import random
from typing import Any

FIRST = [
    "Kari",
    "Ola",
    "Ingrid",
    "Lars",
    "Åse",
    "Øystein",
    "Sigrid",
    "Håkon",
    "Marit",
    "Eirik",
    "Nora",
    "Jonas",
    "Aisha",
    "Mateusz",
    "Linnea",
    "Bjørn",
]
LAST = ["Nordmann", "Hansen", "Røed", "Fjellstad", "Ødegård", "Aas", "Vik", "Strand", "Bakke"]
IDEAS = [
    "Guided climbs in Romsdalen",
    "A bakery with local grain",
    "Fish-skin leather goods",
    "Digital bookkeeping for farms",
    "Kayak rental on the fjord",
    "A coworking café",
    "Wool design studio",
    "E-bike repairs",
    "Apps for tourist cabins",
    "Seaweed snacks",
]
# the bigger towns get more inquiries, as they do
MUNICIPALITIES = (
    ["1539"] * 4
    + ["1506"] * 5
    + ["1508"] * 6
    + ["1505"] * 4
    + [
        "1511",
        "1514",
        "1515",
        "1516",
        "1517",
        "1520",
        "1525",
        "1528",
        "1531",
        "1532",
        "1535",
        "1547",
        "1554",
        "1557",
        "1560",
        "1563",
        "1566",
        "1573",
        "1576",
        "1577",
        "1578",
        "1579",
        "1580",
    ]
)
NEEDS = ["guidance", "course", "application_help", "network_introduction", "office_seat"]


def org_number(rng: random.Random) -> str:
    """A number with a valid mod-11 check digit (as Brønnøysund gives them)."""
    while True:
        digits = [9] + [rng.randrange(10) for _ in range(7)]
        remainder = sum(d * w for d, w in zip(digits, (3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
        check = 0 if remainder == 0 else 11 - remainder
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def inquiry(n: int, rng: random.Random) -> dict[str, Any]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {
        "name": f"{first} {last}",
        "email": f"demo{n}@example.no",
        "phone": f"9{rng.randrange(10_000_000):07d}",
        "municipality": rng.choice(MUNICIPALITIES),
        "idea": f"{rng.choice(IDEAS)} (demo {n})",
        "stage": rng.choice(["idea", "starting", "running"]),
        "needs": rng.sample(NEEDS, rng.randint(1, 3)),
        "language": rng.choice(["nb", "nb", "nn", "en"]),
        "meeting_mode": rng.choice(["in_person", "digital"]),
        "consent_processing": True,
        "consent_text_version": "2026-11-01",
        "consent_newsletter": rng.random() < 0.4,
        "share_company_with_partners": rng.random() < 0.6,
    }
