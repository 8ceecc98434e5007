"""Answers kept for the rest of the current request (``flask.g``), never longer.

Several parts of one page ask the same question (the custom fields, the members, the
enabled plugins); :func:`per_request` computes the answer once per request. Outside a
request (the worker, the CLI) nothing is kept: a long-lived app context must not serve
stale rows.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import g, has_request_context

T = TypeVar("T")


def per_request(bucket: str, key: Hashable, compute: Callable[[], T]) -> T:
    """The answer stored under ``bucket`` and ``key`` for this request, computed by ``compute`` once."""
    if not has_request_context():
        return compute()
    cache = g.setdefault(f"crm_cache_{bucket}", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def forget(bucket: str) -> None:
    """Drop this request's answers in ``bucket`` (after a write that changes them)."""
    if has_request_context():
        g.pop(f"crm_cache_{bucket}", None)
