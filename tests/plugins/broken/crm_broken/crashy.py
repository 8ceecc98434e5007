"""Loads fine, but its UI hooks raise: the page must still render."""

from crm_platform.plugins import hookimpl

CRM_CONTRACT_VERSION = "1.0"
CRM_DEFAULT_ENABLED = True


@hookimpl
def crm_dashboard_widgets(user, company):
    raise RuntimeError("widget exploded")


@hookimpl
def crm_template_slot(slot, context):
    if slot == "page_top":
        raise RuntimeError("slot exploded")
    return None


@hookimpl
def crm_person_panels(person):
    raise RuntimeError("panel exploded")


@hookimpl
def crm_person_merged(survivor, merged):
    raise RuntimeError("merge hook failed")


@hookimpl
def crm_search(query, limit):
    raise RuntimeError("search exploded")
