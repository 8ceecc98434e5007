"""Answers kept for one request only."""

from __future__ import annotations

from crm_platform.request_cache import forget, per_request


def test_answers_are_kept_for_the_request_and_forgotten_on_demand(app):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    # Each request of a running server has its own app context (and so its own ``g``).
    with app.app_context(), app.test_request_context("/"):
        assert per_request("demo", 1, compute) == 1
        assert per_request("demo", 1, compute) == 1  # kept
        assert per_request("demo", 2, compute) == 2  # another key
        forget("demo")
        assert per_request("demo", 1, compute) == 3
    with app.app_context(), app.test_request_context("/"):
        assert per_request("demo", 1, compute) == 4  # a new request starts empty


def test_nothing_is_kept_outside_a_request(app):
    calls = []
    with app.app_context():  # the worker and the CLI: a long-lived context must not serve stale rows
        assert [per_request("demo", 1, lambda: calls.append(1) or len(calls)) for _ in range(2)] == [1, 2]
