"""``make load``: simulated users browse and edit for a bounded time against gunicorn on 127.0.0.1.

Each user is a thread with its own sign-in session. It picks actions at random (people
list, next page, search, person detail, dashboard, add a note through the htmx endpoint,
edit a person) and sends them back to back (``--think`` adds a pause). The run stops after
``--duration`` seconds or ``--max-requests`` requests, whichever comes first. It reports
throughput, latency percentiles and errors, writes bench/results/load.json, and exits 1
on any error. Notes it added are deleted afterwards; edits only touch the last 1,000
people and only change their job title to another title from the same list.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from bench import settings as S
from bench.client import Client, form_values, next_link
from bench.seed import Dataset, ensure_dataset
from bench.server import WORKERS, crm_server
from bench.timing import percentile

NOTE_PREFIX = "load-test note"
SCRATCH_PEOPLE = 1_000
ACTIONS: tuple[tuple[str, int], ...] = (
    ("list", 20), ("next page", 10), ("search", 15), ("detail", 25), ("dashboard", 10), ("add note", 12), ("edit person", 8),
)


@dataclass
class Stats:
    """Shared between the user threads (guarded by ``lock``)."""

    deadline: float
    max_requests: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)

    def take(self) -> bool:
        """Reserve one request; False once the time or the request budget is used up."""
        with self.lock:
            if time.monotonic() >= self.deadline or self.requests >= self.max_requests:
                return False
            self.requests += 1
            return True

    def add(self, action: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.latencies[action].append(seconds * 1000)
            if error:
                self.errors.append(f"{action}: {error}")


class User(threading.Thread):
    def __init__(self, number: int, client: Client, data: Dataset, stats: Stats, think: float,
                 actions: tuple[tuple[str, int], ...] = ACTIONS) -> None:
        super().__init__(name=f"user-{number}", daemon=True)
        self.client, self.data, self.stats, self.think = client, data, stats, think
        self.names, self.weights = zip(*actions, strict=True)
        self.rng = random.Random(number)
        self.last_list = "/people"
        self.scratch = data.person_ids[-SCRATCH_PEOPLE:]

    def call(self, action: str, path: str, data: dict[str, str] | None = None, htmx: bool = False,
             expect_redirect: bool = False) -> str | None:
        """One request; returns the body, or None when the budget is spent or it failed."""
        if not self.stats.take():
            return None
        headers = {"HX-Request": "true", "X-CSRFToken": self.client.csrf or ""} if htmx else {}
        started = time.perf_counter()
        try:
            response = self.client.request(path, data, headers)
        except Exception as exc:  # connection reset, timeout: an error, not a crash of the run
            self.stats.add(action, time.perf_counter() - started, f"{path}: {type(exc).__name__}: {exc}")
            return None
        error = None
        if response.status != 200:
            error = f"{path}: HTTP {response.status}"
        elif expect_redirect and "HX-Redirect" not in response.headers:
            error = f"{path}: no HX-Redirect (form refused?)"
        self.stats.add(action, response.seconds, error)
        return None if error else response.body

    def step(self) -> None:
        action = self.rng.choices(self.names, weights=self.weights)[0]
        rng, data = self.rng, self.data
        if action == "list":
            body = self.call(action, "/people")
            self.last_list = next_link(body or "") or "/people"
        elif action == "next page":
            body = self.call(action, self.last_list)
            self.last_list = next_link(body or "") or "/people"
        elif action == "search":
            self.call(action, f"/people?q={rng.choice(data.last_names)}")
        elif action == "detail":
            self.call(action, f"/people/{rng.choice(data.person_ids)}")
        elif action == "dashboard":
            self.call(action, "/")
        elif action == "add note":
            person = rng.choice(self.scratch)
            body = {"kind": "note", "body": f"{NOTE_PREFIX} from {self.name} at {time.time():.3f}"}
            self.call(action, f"/people/{person}/activities", body, htmx=True)
        else:
            person = rng.choice(self.scratch)
            form = self.call("edit form", f"/people/{person}/edit")
            if form is not None:
                values = form_values(form)
                title = rng.choice(("CEO", "CTO", "Sales Manager", "Office Manager", "Partner"))
                values["organizations-0-role" if "organizations-0-role" in values else "job_title"] = title
                if values.get("phones-0-number"):  # the seeded +1-xxx-555 numbers are fictional: the form
                    values["phones-0-number"] = "+1 415 555 2671"  # refuses them (422), so the user fixes it
                self.call(action, f"/people/{person}/edit", values, htmx=True, expect_redirect=True)

    def run(self) -> None:
        while time.monotonic() < self.stats.deadline and self.stats.requests < self.stats.max_requests:
            self.step()
            if self.think:
                time.sleep(self.rng.uniform(0, 2 * self.think))


def cleanup_notes(url: str, company_id: int) -> int:
    """Delete the notes this run added (the cached dataset stays as seeded)."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(
                sa.text("DELETE FROM activity WHERE company_id = :c AND body LIKE :p"),
                {"c": company_id, "p": NOTE_PREFIX + "%"},
            )
            return result.rowcount or 0
    finally:
        engine.dispose()


def server_times(log_path: str, offset: int) -> dict[str, Any]:
    """Time spent inside gunicorn per route (from its access log), without the queueing."""
    routes: dict[str, list[float]] = defaultdict(list)
    with open(log_path) as handle:
        handle.seek(offset)
        for line in handle:
            parts = line.rstrip("\n").split(" ")
            if len(parts) != 5 or not parts[4].isdigit():
                continue
            method, path, query, _status, micros = parts
            route = re.sub(r"/\d+", "/<id>", path)
            route += "?q=" if "q=" in query else "?cursor=" if "cursor=" in query else ""
            routes[f"{method} {route}"].append(int(micros) / 1000)
    every = [ms for values in routes.values() for ms in values]
    if not every:
        return {}
    return {
        "median_ms": round(statistics.median(every), 1),
        "p95_ms": round(percentile(every, 95), 1),
        "busy_seconds": round(sum(every) / 1000, 1),
        "routes": {
            route: {"n": len(v), "median_ms": round(statistics.median(v), 1), "p95_ms": round(percentile(v, 95), 1)}
            for route, v in sorted(routes.items(), key=lambda item: -sum(item[1]))
        },
    }


def summarize(stats: Stats, elapsed: float) -> dict[str, Any]:
    every = [ms for values in stats.latencies.values() for ms in values]
    per_action = {
        action: {"n": len(v), "median_ms": round(statistics.median(v), 1), "p95_ms": round(percentile(v, 95), 1)}
        for action, v in sorted(stats.latencies.items())
    }
    return {
        "requests": len(every),
        "seconds": round(elapsed, 1),
        "throughput_rps": round(len(every) / elapsed, 1),
        "median_ms": round(statistics.median(every), 1) if every else None,
        "p95_ms": round(percentile(every, 95), 1) if every else None,
        "p99_ms": round(percentile(every, 99), 1) if every else None,
        "errors": len(stats.errors),
        "error_examples": stats.errors[:10],
        "actions": per_action,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Bounded load run on 127.0.0.1")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="stop after this many requests")
    parser.add_argument("--think", type=float, default=0.0, help="mean pause between a user's actions, seconds")
    parser.add_argument("--actions", default=",".join(name for name, _ in ACTIONS),
                        help="comma-separated subset of: " + ", ".join(name for name, _ in ACTIONS))
    parser.add_argument("--output", default=str(S.RESULTS_DIR / "load.json"))
    args = parser.parse_args(argv)
    if not (1 <= args.users <= 200 and 0 < args.duration <= 600):
        parser.error("--users must be 1..200 and --duration 0..600 seconds")
    wanted = {name.strip() for name in args.actions.split(",")}
    actions = tuple((name, weight) for name, weight in ACTIONS if name in wanted)
    if not actions or wanted - {name for name, _ in ACTIONS}:
        parser.error(f"--actions: unknown action in {sorted(wanted)}")

    data = ensure_dataset(lambda m: print(m, flush=True))
    S.LOG_DIR.mkdir(parents=True, exist_ok=True)
    access_log = str(S.LOG_DIR / "load-access.log")
    with crm_server(data.url, access_log=access_log) as crm:
        print(f"load: {args.users} users for {args.duration:.0f}s against {crm.base} "
              f"(gunicorn, {WORKERS} sync workers), think time {args.think}s", flush=True)
        clients = []
        for _ in range(args.users):
            client = Client(crm.base)
            client.login()
            clients.append(client)
        time.sleep(1.0)  # let the sign-in lines reach the access log before marking where the run starts
        offset = os.path.getsize(access_log)
        stats = Stats(deadline=time.monotonic() + args.duration, max_requests=args.max_requests)
        users = [User(i, c, data, stats, args.think, actions) for i, c in enumerate(clients)]
        started = time.monotonic()
        stats.deadline = started + args.duration
        for user in users:
            user.start()
        for user in users:
            user.join(timeout=args.duration + 120)
        elapsed = time.monotonic() - started
    removed = cleanup_notes(data.url, data.company_id)
    result = {"users": args.users, "think_s": args.think, "workers": WORKERS,
              "mix": {name: weight for name, weight in actions}, **summarize(stats, elapsed),
              "server": server_times(access_log, offset), "notes_removed": removed}
    out = args.output
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as handle:
        json.dump(result, handle, indent=2)
        handle.write("\n")
    print(f"\n{result['requests']:,} requests in {result['seconds']}s: {result['throughput_rps']} req/s, "
          f"median {result['median_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, "
          f"errors {result['errors']}")
    print("| action | n | median ms | p95 ms |\n| --- | ---: | ---: | ---: |")
    for action, row in result["actions"].items():
        print(f"| {action} | {row['n']} | {row['median_ms']} | {row['p95_ms']} |")
    server = result["server"]
    if server:
        print(f"\ninside gunicorn (no queueing): median {server['median_ms']} ms, p95 {server['p95_ms']} ms, "
              f"{server['busy_seconds']} worker-seconds busy")
        print("| route | n | median ms | p95 ms |\n| --- | ---: | ---: | ---: |")
        for route, row in server["routes"].items():
            print(f"| {route} | {row['n']} | {row['median_ms']} | {row['p95_ms']} |")
    for example in result["error_examples"]:
        print(f"error: {example}")
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
