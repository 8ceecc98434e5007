"""The one place that scopes every ORM query to the current company.

Models that belong to a company inherit :class:`CompanyOwned`. For every ORM
``SELECT``, ``UPDATE`` and ``DELETE`` the session adds ``company_id = <current>``
through :func:`sqlalchemy.orm.with_loader_criteria`, and before every flush it
stamps new rows with the current company and refuses rows of another company.

No current company (a sign-in page, the CLI before it picks a company) means
company-owned rows are invisible: the default is to see nothing. Code that must
cross companies on purpose (the operator pages, the worker, the CLI, token
look-ups) says so with :func:`unscoped`, which is easy to grep and review.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam, event, false
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, declared_attr, mapped_column, with_loader_criteria

_UNSCOPED = object()
_current: contextvars.ContextVar[Any] = contextvars.ContextVar("crm_company_id", default=None)


class TenancyError(RuntimeError):
    """Raised when code tries to write a row into a company other than the current one."""


class CompanyOwned:
    """Mixin for every table whose rows belong to one company.

    The ``company_id`` column is indexed and required. URL arguments naming a row of
    such a model are ``<int:TABLENAME_id>`` (see ``tests/test_tenancy_routes.py``).
    """

    @declared_attr
    def company_id(cls) -> Mapped[int]:  # noqa: N805 - declared_attr takes the class
        return mapped_column(sa.ForeignKey("company.id", ondelete="CASCADE"), index=True, nullable=False)


def current_company_id() -> int | None:
    """Return the id of the company the current code runs for, or ``None``."""
    value = _current.get()
    return None if value is _UNSCOPED else value


def is_unscoped() -> bool:
    """Return True inside an :func:`unscoped` block."""
    return _current.get() is _UNSCOPED


def set_company(company_id: int | None) -> contextvars.Token:
    """Make ``company_id`` the current company; returns a token for :func:`reset_company`."""
    return _current.set(company_id)


def reset_company(token: contextvars.Token) -> None:
    """Restore the company that was current before :func:`set_company`."""
    _current.reset(token)


@contextlib.contextmanager
def company_scope(company_id: int) -> Iterator[None]:
    """Run the block as company ``company_id`` (used by jobs and CLI commands)."""
    token = _current.set(company_id)
    try:
        yield
    finally:
        _current.reset(token)


@contextlib.contextmanager
def unscoped() -> Iterator[None]:
    """Run the block without company scoping. Use only where crossing companies is the point."""
    token = _current.set(_UNSCOPED)
    try:
        yield
    finally:
        _current.reset(token)


COMPANY_PARAMETER = "crm_company_id"  # spelt out again in the lambda below, which SQLAlchemy analyses

# Built once: the company is a bound parameter the listener fills in, not a value captured by
# a new lambda per statement (analysing that lambda cost ~50 µs of every statement). Relationship
# loads go through the listener themselves, so the option is not propagated to them.
_IN_COMPANY = with_loader_criteria(
    CompanyOwned, lambda cls: cls.company_id == bindparam("crm_company_id"),  # literal: the lambda is analysed
    include_aliases=True, propagate_to_loaders=False,
)
_IN_NO_COMPANY = with_loader_criteria(CompanyOwned, lambda cls: false(), include_aliases=True, propagate_to_loaders=False)


def _with_company(parameters: Any, company_id: int) -> Any:
    """The statement's parameters plus the current company (each set of an executemany too)."""
    if isinstance(parameters, list | tuple):
        return [{**params, COMPANY_PARAMETER: company_id} for params in parameters]
    return {**(parameters or {}), COMPANY_PARAMETER: company_id}


def _scope_statement(state: ORMExecuteState) -> None:
    if state.is_column_load or state.execution_options.get("crm_unscoped"):
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    value = _current.get()
    if value is _UNSCOPED:
        return
    if value is None:
        state.statement = state.statement.options(_IN_NO_COMPANY)
        return
    state.statement = state.statement.options(_IN_COMPANY)
    state.parameters = _with_company(state.parameters, value)


def _check_flush(session: Session, flush_context: Any, instances: Any) -> None:
    value = _current.get()
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, CompanyOwned):
            continue
        if value is _UNSCOPED:
            if obj.company_id is None:
                raise TenancyError(f"{type(obj).__name__} written without a company outside a company scope")
            continue
        if value is None:
            raise TenancyError(f"{type(obj).__name__} written with no current company")
        if obj.company_id is None:
            obj.company_id = value
        elif obj.company_id != value:
            raise TenancyError(f"{type(obj).__name__} belongs to company {obj.company_id}, not {value}")
    if value not in (None, _UNSCOPED):
        for obj in session.deleted:
            if isinstance(obj, CompanyOwned) and obj.company_id != value:
                raise TenancyError(f"cannot delete a {type(obj).__name__} of another company")


def install(session_class: type[Session] | Any) -> None:
    """Attach the scoping listeners to ``session_class`` (done once at import of models)."""
    if getattr(session_class, "_crm_tenancy_installed", False):
        return
    event.listen(session_class, "do_orm_execute", _scope_statement)
    event.listen(session_class, "before_flush", _check_flush)
    session_class._crm_tenancy_installed = True
