"""Markdown notes rendered to sanitised HTML, with @mention tokens shown as highlighted names.

Pipeline: mention tokens ``@[Name](user:12)`` become placeholders, markdown-it-py
(CommonMark, raw HTML off, line breaks kept) renders the text, nh3 keeps only a small
list of tags, attributes and URL schemes (no ``script``, no ``on*``/``hx-*``/``style``
attributes, no ``javascript:`` links), and the placeholders become escaped mention
spans. Templates put the result inside an element with ``hx-disable``.
"""

from __future__ import annotations

import functools
import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# A stable token for a mention: the name shown when it was written, and the user id.
MENTION = re.compile(r"@\[([^\[\]\n]{1,100})\]\(user:(\d{1,12})\)")
_PLACEHOLDER = re.compile(r"\ue000(\d+)\ue001")

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "a", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def mentions_in(text: str) -> list[tuple[str, int]]:
    """``(name, user id)`` of every mention token in ``text``, in order, without repeats."""
    seen: dict[int, str] = {}
    for match in MENTION.finditer(text or ""):
        seen.setdefault(int(match.group(2)), match.group(1))
    return [(name, user_id) for user_id, name in seen.items()]


def sanitize_html(html: str) -> str:
    """Keep only harmless markup (tags, attributes and URL schemes allowed above)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


CACHED_LENGTH = 4000  # longer bodies are rendered every time, so the cache stays small


def render_markdown(text: str) -> Markup:
    """Markdown ``text`` as sanitised HTML, mentions highlighted (``<span class="mention">``).

    The result depends only on ``text``, so bodies of ordinary length are cached
    (a timeline page shows the same entries to everyone who opens it).
    """
    text = text or ""
    if len(text) <= CACHED_LENGTH:
        return _cached_render(text)
    return _render(text)


@functools.lru_cache(maxsize=4096)
def _cached_render(text: str) -> Markup:
    return _render(text)


def _render(text: str) -> Markup:
    names: list[tuple[str, int]] = []

    def hold(match: re.Match[str]) -> str:
        names.append((match.group(1), int(match.group(2))))
        return f"\ue000{len(names) - 1}\ue001"

    source = MENTION.sub(hold, (text or "").replace("\ue000", "").replace("\ue001", ""))
    html = sanitize_html(_md.render(source))

    def show(match: re.Match[str]) -> str:
        index = int(match.group(1))
        if index >= len(names):
            return ""
        name, user_id = names[index]
        return str(Markup('<span class="mention" data-user-id="{}">@{}</span>').format(user_id, name))

    return Markup(_PLACEHOLDER.sub(show, html))


def plain_text(text: str) -> str:
    """``text`` with mention tokens shown as ``@Name`` (for notification texts and emails)."""
    return MENTION.sub(lambda m: f"@{m.group(1)}", text or "")


def excerpt(text: str, length: int = 140) -> str:
    """The first ``length`` characters of ``text`` on one line (mentions as ``@Name``)."""
    flat = " ".join(plain_text(text).split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"

