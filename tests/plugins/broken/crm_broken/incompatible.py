"""Needs a future contract version."""

from crm_platform.plugins import NavItem, hookimpl

CRM_CONTRACT_VERSION = "2.0"


@hookimpl
def crm_nav_items(user, company):
    return [NavItem("Should never show", "core.dashboard")]
