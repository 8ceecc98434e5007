"""Hook implementations of the contacts module: pages, sidebar, dashboard, demo data."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from crm_platform.plugins import DashboardWidget, NavItem, SearchResult, hookimpl


@hookimpl
def crm_register_blueprints() -> list[Blueprint]:
    """People, organizations and the timeline."""
    from crm_platform.contacts.views import bp

    return [bp]


@hookimpl
def crm_nav_items(user: Any, company: Any) -> list[NavItem]:
    """People and Organizations, right after the dashboard."""
    if company is None:
        return []
    return [
        NavItem("People", "contacts.people", icon="user", order=10, permission="records.view"),
        NavItem("Activity", "contacts.feed", icon="activity", order=15, permission="records.view"),
        NavItem("Organizations", "contacts.organizations", icon="building", order=20, permission="records.view"),
    ]


@hookimpl
def crm_dashboard_widgets(user: Any, company: Any) -> list[DashboardWidget]:
    """Recent activity and the lifecycle funnel."""
    from crm_platform.contacts import widgets

    return [
        DashboardWidget("recent-activity", "Recent activity", widgets.recent_activity, order=10, permission="records.view"),
        DashboardWidget("people-by-stage", "People by stage", widgets.people_by_stage, order=20, permission="records.view"),
    ]


@hookimpl
def crm_search(query: str, limit: int) -> list[SearchResult]:
    """People and organizations for the global search."""
    from crm_platform.contacts.services import search_results

    return search_results(query, limit)


@hookimpl
def crm_load_demo_data(company: Any, faker: Any) -> None:
    """About 50 organizations, 200 people and 600 activities of the last six months."""
    from crm_platform.contacts.demo import load

    load(company, faker)
