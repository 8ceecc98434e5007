"""Declares a hook name that does not exist (a typo)."""

from crm_platform.plugins import hookimpl

CRM_CONTRACT_VERSION = "1.0"


@hookimpl
def crm_nav_itemz(user, company):
    return []
