"""Deterministic fake rows for the bench dataset (seeded Faker pools, random.Random).

Names come from small Faker pools reused with a Zipf-like weighting, so common last names
exist as in real data, and 100k people take seconds rather than minutes to generate.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import settings as S

HEAVY_TOP = 3_000  # activities of the first person (the "busy customer" whose page is timed)
HEAVY_OTHERS = 99  # the next 99 people get HEAVY_EACH activities each
HEAVY_EACH = 400
PERSON_SHARE = 0.85  # activities about a person (and their organization); the rest: organization only


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _pool(make: Callable[[], str], size: int, tries: int = 30_000) -> list[str]:
    """Up to ``size`` distinct values in order of first appearance (frequent ones first)."""
    seen: dict[str, None] = {}
    for _ in range(tries):
        seen.setdefault(make(), None)
        if len(seen) >= size:
            break
    return list(seen)


def _zipf(n: int, offset: float = 5.0) -> list[float]:
    """Cumulative weights 1/(rank+offset): the first names of a pool are the common ones."""
    total, cum = 0.0, []
    for rank in range(n):
        total += 1.0 / (rank + offset)
        cum.append(total)
    return cum


class Generator:
    """Deterministic fake rows (seeded Faker and random.Random)."""

    def __init__(self, seed: int = 2026) -> None:
        from faker import Faker

        from crm_platform.contacts import demo

        self.demo = demo
        faker = Faker("en_US")
        faker.seed_instance(seed)
        self.rng = random.Random(seed)
        self.first = _pool(faker.first_name, 600)
        self.last = _pool(faker.last_name, 800)
        self.cities = _pool(faker.city, 300)
        self.first_cum, self.last_cum = _zipf(len(self.first)), _zipf(len(self.last))
        self.now = datetime.now(UTC).replace(microsecond=0)

    def _when(self, max_days: int) -> datetime:
        return self.now - timedelta(seconds=self.rng.randint(600, max_days * 86400))

    def organizations(self, company_id: int, n: int) -> Iterator[dict[str, Any]]:
        rng, lasts = self.rng, self.rng.choices(self.last, cum_weights=self.last_cum, k=3 * n)
        suffixes = ("Inc", "LLC", "Ltd", "Group", "and Sons", "PLC", "Partners", "Holdings")
        for i in range(n):
            a, b, c = lasts[3 * i: 3 * i + 3]
            style = rng.random()
            name = f"{a} {rng.choice(suffixes)}" if style < 0.5 else f"{a}-{b}" if style < 0.8 else f"{a}, {b} and {c}"
            city, country = (rng.choice(self.cities), "United States") if rng.random() < 0.6 else rng.choice(
                self.demo.INTERNATIONAL_CITIES)
            created = self._when(S.HISTORY_DAYS)
            yield dict(company_id=company_id, name=name, website=f"https://www.{self.demo.domain_for(name)}",
                       industry=rng.choice(self.demo.INDUSTRIES), city=city, country=country,
                       created_at=created, updated_at=created)

    def people(self, company_id: int, n: int, org_ids: list[int], org_domains: list[str],
               owners: list[int | None]) -> Iterator[tuple[dict[str, Any], int | None]]:
        """Person rows, each with the index of its organization (or None)."""
        rng = self.rng
        firsts = rng.choices(self.first, cum_weights=self.first_cum, k=n)
        lasts = rng.choices(self.last, cum_weights=self.last_cum, k=n)
        stages = [s for s, _ in self.demo.STAGE_WEIGHTS]
        stage_list = rng.choices(stages, weights=[w for _, w in self.demo.STAGE_WEIGHTS], k=n)
        for i in range(n):
            first, last = firsts[i], lasts[i]
            org = rng.randrange(len(org_ids)) if rng.random() < 0.85 else None
            domain = org_domains[org] if org is not None else "example.com"
            local = re.sub(r"[^a-z0-9.]+", "", _ascii(f"{first}.{last}"))
            created = self._when(S.HISTORY_DAYS)
            yield dict(
                company_id=company_id, first_name=first, last_name=last, email=f"{local}{i}@{domain}",
                phone=f"+1-{rng.randint(200, 989)}-555-{rng.randint(0, 9999):04d}",
                job_title=rng.choice(self.demo.JOB_TITLES), lifecycle_stage=stage_list[i],
                organization_id=org_ids[org] if org is not None else None, owner_id=rng.choice(owners),
                created_at=created, updated_at=created,
            ), org

    def _bodies(self, per_kind: int = 400) -> dict[str, list[str]]:
        """Activity texts with ``{first}`` and ``{org}`` left to fill per row."""
        rng, d = self.rng, self.demo
        out: dict[str, list[str]] = {}
        for kind, templates in d.TEMPLATES.items():
            out[kind] = [
                rng.choice(templates).format(
                    first="{first}", org="{org}", industry=rng.choice(d.INDUSTRIES).lower(),
                    product=rng.choice(d.PRODUCTS), weekday=rng.choice(d.WEEKDAYS), quarter=rng.randint(1, 4),
                    pct=rng.choice((5, 10, 12, 15, 20, 25, 30)), weeks=rng.randint(2, 6),
                    seats=rng.choice((10, 25, 50, 100)), title2=rng.choice(d.JOB_TITLES),
                )
                for _ in range(per_kind)
            ]
        return out

    def activities(self, company_id: int, n: int, people: list[tuple[int, str, int | None]], org_ids: list[int],
                   org_names: list[str], authors: list[int | None]) -> Iterator[dict[str, Any]]:
        """``people``: (id, first name, organization index) in insertion order; person 0 is the busiest."""
        rng, bodies = self.rng, self._bodies()
        kinds = [k for k, _ in self.demo.KIND_WEIGHTS]
        kind_list = rng.choices(kinds, weights=[w for _, w in self.demo.KIND_WEIGHTS], k=n)
        heavy_rows = HEAVY_TOP + HEAVY_OTHERS * HEAVY_EACH
        for i in range(n):
            if i < HEAVY_TOP:
                who = 0
            elif i < heavy_rows:
                who = 1 + (i - HEAVY_TOP) // HEAVY_EACH
            elif rng.random() < PERSON_SHARE:
                who = rng.randrange(len(people))
            else:
                who = None
            if who is not None:
                person_id, first, org = people[who]
            else:
                person_id, first, org = None, "the team", rng.randrange(len(org_ids))
            kind = kind_list[i]
            body = rng.choice(bodies[kind]).format(first=first, org=org_names[org] if org is not None else "their office")
            yield dict(company_id=company_id, kind=kind, body=body, person_id=person_id,
                       organization_id=org_ids[org] if org is not None else None, author_id=rng.choice(authors),
                       created_at=self._when(S.HISTORY_DAYS))


