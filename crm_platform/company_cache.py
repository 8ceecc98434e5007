"""Answers every page reads about the current company, kept by each process until they change.

Every page asks which plugins the company enabled, what its branding is, who its members
are and which tags it has. Each question is one small query, and each query costs about
half a millisecond of Python on a page that should take a few. The answers change rarely,
so every process keeps them, keyed by the company's ``config_version``:

- the request loads the current company with the signed-in membership anyway, so the
  version costs nothing to read;
- a flush that adds, changes or deletes a watched row (:func:`watch`) bumps the version of
  the companies involved in the same transaction, and drops this process's answers;
- other processes see the new version on their next request and read the answers again.

Only plain values are kept (tuples, frozen records), never ORM objects. Outside a request
(the worker, the CLI) nothing is kept. Writes that bypass the ORM (``update(Tag)``) must
call :func:`bump` themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import g, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from crm_platform import tenancy

T = TypeVar("T")

_answers: dict[tuple[int, str, Hashable], tuple[int, Any]] = {}
_lock = threading.Lock()
# Model class -> the attribute names whose change matters (None: any change, insert or delete).
_watched: dict[type, frozenset[str] | None] = {}
# Model class -> function giving the companies a changed row of it concerns (default: its company_id).
_companies_of: dict[type, Callable[[Session, Any], Iterable[int]]] = {}
MAX_ANSWERS = 10_000  # a guard: an instance with very many companies drops old answers


def watch(model: type, attributes: Iterable[str] | None = None,
          companies: Callable[[Session, Any], Iterable[int]] | None = None) -> None:
    """Bump the company's version whenever a ``model`` row is added, deleted or changed.

    ``attributes``: only changes to these attributes count (inserts and deletes always do).
    ``companies``: which companies a row concerns, for models without a ``company_id``.
    """
    _watched[model] = frozenset(attributes) if attributes is not None else None
    if companies is not None:
        _companies_of[model] = companies


def _request_company() -> tuple[int, int] | None:
    """``(company id, config version)`` of the current request's company, if it can be trusted."""
    if not has_request_context() or g.get("crm_config_changed"):
        return None
    company = g.get("company")
    if company is None or company.id != tenancy.current_company_id():
        return None
    return company.id, company.config_version


def _pending_watched_rows() -> bool:
    """True when the request's session holds unflushed changes to watched rows."""
    from crm_platform.extensions import db

    session = db.session()
    return any(type(obj) in _watched for obj in (*session.new, *session.deleted, *session.dirty))


def cached(bucket: str, key: Hashable, compute: Callable[[], T]) -> T:
    """The answer to ``bucket``/``key`` for the current company, computed once per version and process."""
    current = _request_company()
    if current is None or _pending_watched_rows():
        return compute()  # a pending change of this request must be seen (the query autoflushes it)
    company_id, version = current
    slot = (company_id, bucket, key)
    found = _answers.get(slot)
    if found is not None and found[0] == version:
        return found[1]
    value = compute()
    if g.get("crm_config_changed"):  # computing it flushed a change: the answer may never be committed
        return value
    with _lock:
        if len(_answers) >= MAX_ANSWERS:
            _answers.clear()
        _answers[slot] = (version, value)
    return value


def forget_company(company_id: int) -> None:
    """Drop this process's answers about ``company_id``."""
    with _lock:
        for slot in [slot for slot in _answers if slot[0] == company_id]:
            del _answers[slot]


def bump(session: Session, company_ids: Iterable[int]) -> None:
    """Increase the version of ``company_ids`` in the session's transaction and drop local answers."""
    from crm_platform.companies.models import Company

    ids = sorted({int(i) for i in company_ids if i is not None})
    if not ids:
        return
    table = Company.__table__
    session.connection().execute(
        sa.update(table).where(table.c.id.in_(ids))
        .values(config_version=table.c.config_version + 1, updated_at=table.c.updated_at)
    )
    for company_id in ids:
        forget_company(company_id)
    if has_request_context():
        g.crm_config_changed = True  # this request reads fresh answers from now on


def _changed(obj: Any, attributes: frozenset[str] | None) -> bool:
    if attributes is None:
        return True
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in attributes)


def _companies(session: Session, obj: Any) -> Iterable[int]:
    finder = _companies_of.get(type(obj))
    if finder is not None:
        return finder(session, obj)
    company_id = getattr(obj, "company_id", None)
    return [company_id if company_id is not None else tenancy.current_company_id()]


def _collect(session: Session, flush_context: Any, instances: Any) -> None:
    """``before_flush``: note the companies whose watched rows this flush writes."""
    if not _watched:
        return
    pending: set[int] = session.info.setdefault("crm_config_bump", set())
    for obj in [*session.new, *session.deleted]:
        if type(obj) in _watched:
            pending.update(i for i in _companies(session, obj) if i is not None)
    for obj in session.dirty:
        attributes = _watched.get(type(obj), False)
        if attributes is not False and _changed(obj, attributes):
            pending.update(i for i in _companies(session, obj) if i is not None)


def _apply(session: Session, flush_context: Any) -> None:
    """``after_flush``: bump the versions noted by :func:`_collect`."""
    pending = session.info.pop("crm_config_bump", None)
    if pending:
        bump(session, pending)


def install(session_class: type[Session] | Any) -> None:
    """Attach the listeners that bump versions on flush (done once, with the tenancy listeners)."""
    if getattr(session_class, "_crm_config_cache_installed", False):
        return
    event.listen(session_class, "before_flush", _collect)
    event.listen(session_class, "after_flush", _apply)
    session_class._crm_config_cache_installed = True
