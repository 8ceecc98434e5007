"""Timing: the registry of measured pages, statistics, the results table and JSON."""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import settings as S
from bench.client import Client, next_link
from bench.seed import Dataset

WARMUP = 5
REQUESTS = 50
DEEP_PAGES = min(50, S.PEOPLE // 50 - 2)  # fewer on a small BENCH_SCALE dataset


class Skip(Exception):
    """A case that cannot run here (feature or plugin missing); the message says why."""


@dataclass
class Context:
    """What a case needs: the signed-in client, the floor's client and the dataset."""

    crm: Client
    hello: Client
    data: Dataset


@dataclass
class Case:
    """One measured page. ``target`` returns (client, path) or raises :class:`Skip`."""

    name: str
    target: Callable[[Context], tuple[Client, str]]
    n: int | None = None  # fewer timed requests for a page known to be slow (None: REQUESTS)


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile of ``values`` (pct in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def fetch_ms(client: Client, path: str) -> float:
    """One GET, in milliseconds (the whole body read); any non-200 answer stops the bench."""
    response = client.get(path)
    if response.status != 200:
        raise RuntimeError(f"GET {path} answered {response.status}")
    return response.seconds * 1000


def record(name: str, samples: list[float], floor_ms: float | None, **extra: Any) -> dict[str, Any]:
    median = statistics.median(samples)
    return {
        "name": name,
        "median_ms": round(median, 2),
        "p95_ms": round(percentile(samples, 95), 2),
        "n": len(samples),
        "ratio_to_floor": round(median / floor_ms, 2) if floor_ms else None,
        **extra,
    }


def skipped(name: str, reason: str) -> dict[str, Any]:
    return {"name": name, "median_ms": None, "p95_ms": None, "n": 0, "ratio_to_floor": None, "skipped": reason}


# --- The pages ------------------------------------------------------------------------------------


def _deep_page(ctx: Context) -> tuple[Client, str]:
    """Follow the people list's "next" link DEEP_PAGES times, then time that URL."""
    path = "/people"
    for _ in range(DEEP_PAGES):
        page = ctx.crm.get(path)
        link = next_link(page.body)
        if page.status != 200 or not link:
            raise RuntimeError(f"no next link on {path} ({page.status})")
        path = link
    return ctx.crm, path


def _company_feed(ctx: Context) -> tuple[Client, str]:
    """The company-wide activity feed (1M entries), first page."""
    path = ctx.data.rules.get("contacts.feed")
    if not path:
        raise Skip("no company feed page (endpoint contacts.feed)")
    return ctx.crm, path


def _deal_board(ctx: Context) -> tuple[Client, str]:
    path = ctx.data.rules.get("sales.board")
    if not path:
        raise Skip("the sales plugin has no board page (endpoint sales.board)")
    if not ctx.data.counts.get("sales_deal"):
        raise Skip("no deals seeded: " + "; ".join(n for n in ctx.data.notes if n.startswith("sales")))
    return ctx.crm, path


def _needs_plugin(plugin: str, build: Callable[[Context], tuple[Client, str]] | None = None):
    def target(ctx: Context) -> tuple[Client, str]:
        if plugin not in ctx.data.plugins:
            raise Skip(f"{plugin} plugin not installed")
        if build is None:
            raise Skip(f"{plugin} plugin installed, but its bench case is not written yet")
        return build(ctx)

    return target


CASES: list[Case] = [
    Case("hello floor", lambda ctx: (ctx.hello, "/")),
    # What every signed-in request pays before the page's own work (session, company, theme).
    Case("signed-in /healthz (fixed cost per request)", lambda ctx: (ctx.crm, "/healthz")),
    Case("people list, first page", lambda ctx: (ctx.crm, "/people")),
    Case(f"people list, page {DEEP_PAGES + 1} (keyset cursor)", _deep_page),
    Case("people search, common last name", lambda ctx: (ctx.crm, f"/people?q={ctx.data.common_last_name}")),
    Case("person detail with timeline", lambda ctx: (ctx.crm, f"/people/{ctx.data.heavy_person_id}")),
    # Beyond the list: the worst case of search, and the form every edit goes through.
    Case("people search, no match (full walk)", lambda ctx: (ctx.crm, "/people?q=zzqx")),
    Case("people list sorted by last update", lambda ctx: (ctx.crm, "/people?sort=-updated")),
    Case("people list filtered by tag", lambda ctx: (ctx.crm, "/people?tag=vip")),
    Case("people list, custom field filter", lambda ctx: (ctx.crm, "/people?cf_plan=Enterprise")),
    Case("people search, full-text prefix of two words", lambda ctx: (ctx.crm, f"/people?q=a+{ctx.data.common_last_name[:3].lower()}")),
    Case("person edit form", lambda ctx: (ctx.crm, f"/people/{ctx.data.person_ids[1]}/edit"), n=20),
    Case("organizations list, first page", lambda ctx: (ctx.crm, "/organizations")),
    Case("company feed", _company_feed),
    Case("dashboard", lambda ctx: (ctx.crm, "/")),
    Case("deal board", _needs_plugin("sales", _deal_board)),
]


def run_cases(ctx: Context, log: Callable[[str], None]) -> list[dict[str, Any]]:
    """Time every case; the first case is the floor the others are compared with.

    After WARMUP requests per page, the pages are timed round-robin (one request to each
    page per round, REQUESTS rounds), so a burst of load from elsewhere on the machine
    hits every page alike rather than one page's whole series.
    """
    targets: dict[str, tuple[Client, str, int]] = {}
    skips: dict[str, str] = {}
    for case in CASES:
        try:
            client, path = case.target(ctx)
        except Skip as reason:
            skips[case.name] = str(reason)
            log(f"  {case.name}: skipped ({reason})")
            continue
        targets[case.name] = (client, path, min(case.n or REQUESTS, REQUESTS))
        for _ in range(WARMUP):
            fetch_ms(client, path)
    samples: dict[str, list[float]] = {name: [] for name in targets}
    for round_ in range(REQUESTS):
        for name, (client, path, n) in targets.items():
            if round_ < n:
                samples[name].append(fetch_ms(client, path))
    floor = statistics.median(samples[CASES[0].name])
    results = []
    for case in CASES:
        if case.name in skips:
            results.append(skipped(case.name, skips[case.name]))
            continue
        path = targets[case.name][1]
        row = record(case.name, samples[case.name], floor, path=path if len(path) < 120 else path[:117] + "...")
        results.append(row)
        log(f"  {case.name}: median {row['median_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms, "
            f"{row['ratio_to_floor']:.1f}x the floor")
    return results


def _number(value: float | None) -> str:
    """A figure with one decimal, or a dash for one that does not apply (a single import run has no p95)."""
    return "—" if value is None else f"{value:.1f}"


def table(rows: list[dict[str, Any]]) -> str:
    """The results as a Markdown table."""
    lines = ["| page | median ms | p95 ms | n | × floor |", "| --- | ---: | ---: | ---: | ---: |"]
    for row in rows:
        if row.get("skipped"):
            lines.append(f"| {row['name']} | skipped: {row['skipped']} | | | |")
            continue
        extra = f" ({row['rows_per_s']:,.0f} rows/s)" if row.get("rows_per_s") else ""
        cells = [_number(row.get(key)) for key in ("median_ms", "p95_ms")]
        lines.append(f"| {row['name']}{extra} | {cells[0]} | {cells[1]} | {row['n']} | {_number(row.get('ratio_to_floor'))} |")
    return "\n".join(lines)


def write_json(path: Path, rows: list[dict[str, Any]], meta: dict[str, Any]) -> None:
    """``rows`` as the results file (a list of records); ``meta`` goes next to it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=2) + "\n")
    path.with_name(path.stem + ".meta.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
