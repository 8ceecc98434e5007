"""Placeholders in rule texts (task titles, messages): ``{deal}``, ``{stage}``, ``{owner}``, ``{organization}``, ``{value}``.

Plain substitution, never a template engine: a company admin's text cannot run code or reach
attributes. Unknown placeholders are refused when the rule is saved.
"""

from __future__ import annotations

import re

from crm_sales.models import Deal

PLACEHOLDERS: tuple[str, ...] = ("deal", "stage", "owner", "organization", "value")
_PATTERN = re.compile(r"\{([a-z_]+)\}")
_ANY = re.compile(r"\{([^{}]*)\}")


def unknown_placeholders(text: str) -> list[str]:
    """The ``{names}`` in ``text`` that are not placeholders."""
    return sorted({name for name in _ANY.findall(text or "") if name not in PLACEHOLDERS})


def fill(text: str, deal: Deal) -> str:
    """``text`` with the deal's values in place of its placeholders."""
    from crm_sales.blueprint import money

    values = {
        "deal": deal.title,
        "stage": deal.stage.name if deal.stage else "",
        "owner": deal.owner.display_name if deal.owner else "nobody",
        "organization": deal.organization.name if deal.organization else "",
        "value": money(deal.value, deal.currency),
    }
    return _PATTERN.sub(lambda m: values.get(m.group(1), m.group(0)), text or "")
