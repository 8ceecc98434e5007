"""Template filters and globals of the timeline templates (registered on every page)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from crm_platform.timeline.blueprint import bp
from crm_platform.timeline.markdown import excerpt, render_markdown


@bp.app_template_filter("timeline_markdown")
def timeline_markdown(text: str) -> Markup:
    """A note's Markdown as sanitised HTML (put it inside an element with ``hx-disable``)."""
    return render_markdown(text)


@bp.app_template_filter("timeline_excerpt")
def timeline_excerpt(text: str, length: int = 120) -> str:
    """One line of an entry's text, mentions shown as ``@Name`` (widgets, lists)."""
    return excerpt(text, length)


@bp.app_template_filter("filesize")
def filesize(size: int | None) -> str:
    """``1.4 MB``, ``820 KB``, ``12 bytes``."""
    size = int(size or 0)
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} byte{'s' if size != 1 else ''}"


def new_entry_form() -> Any:
    """An empty composer form (the detail pages include the composer without building one)."""
    from crm_platform.timeline.forms import EntryForm

    return EntryForm(formdata=None)


@bp.app_context_processor
def timeline_globals() -> dict[str, Any]:
    """What the composer needs, on every blueprint's pages (entries come from ``timeline_entries``)."""
    return {"new_entry_form": new_entry_form}
