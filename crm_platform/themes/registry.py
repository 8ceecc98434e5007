"""Discovering themes once at start: the repository's ``themes/`` folder, then installed packages.

A broken or incompatible theme is reported (log and the operator's Themes page) and skipped;
it never stops the application from starting.
"""

from __future__ import annotations

import importlib
import logging
import re
import tomllib
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path

from crm_platform.plugins.hookspecs import CONTRACT_VERSION
from crm_platform.plugins.manager import contract_compatible

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "crm_platform.themes"
THEME_NAME = re.compile(r"^[a-z][a-z0-9_-]{1,39}$")
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_THEME = "default"
# Colours of a theme's page, used to check a company's accent colour and for the live preview.
PALETTE_KEYS = ("bg", "surface", "text", "muted", "border", "accent")
DEFAULT_PALETTE = {
    "bg": "#f6f7f9", "surface": "#ffffff", "text": "#1a1d24", "muted": "#5b6170", "border": "#e3e5ea", "accent": "#4f46e5",
}


@dataclass
class Theme:
    """One discovered theme: its manifest, where it came from, and what is wrong with it."""

    name: str
    path: Path
    origin: str
    version: str = ""
    description: str = ""
    parent: str | None = None
    contract: str = ""
    palette: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PALETTE))
    problems: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """True when the theme loaded without problems (companies may choose it)."""
        return not self.problems

    @property
    def templates_dir(self) -> Path:
        return self.path / "templates"

    @property
    def static_dir(self) -> Path:
        return self.path / "static"

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").replace("-", " ").title()


def read_theme(path: Path, origin: str, expected_name: str | None = None) -> Theme:
    """Read and check one theme folder. Problems are collected, never raised."""
    theme = Theme(name=expected_name or path.name, path=path, origin=origin)
    manifest = path / "theme.toml"
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        theme.problems.append("no theme.toml")
        return theme
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        theme.problems.append(f"theme.toml is not valid TOML: {exc}")
        return theme
    name = data.get("name")
    if not isinstance(name, str) or not THEME_NAME.match(name):
        theme.problems.append("name must be 2-40 lowercase letters, digits, '-' or '_'")
        return theme
    theme.name = name
    if expected_name is not None and name != expected_name:
        theme.problems.append(f"theme.toml names {name!r} but it is installed as {expected_name!r}")
    theme.version = str(data.get("version", ""))
    theme.description = str(data.get("description", ""))
    parent = data.get("parent")
    if parent is not None and (not isinstance(parent, str) or not THEME_NAME.match(parent)):
        theme.problems.append("parent must be a theme name")
    elif parent == name:
        theme.problems.append("a theme cannot be its own parent")
    else:
        theme.parent = parent
    theme.contract = str(data.get("contract", ""))
    if not theme.contract:
        theme.problems.append("theme.toml does not declare contract (e.g. contract = \"1.0\")")
    elif not contract_compatible(theme.contract):
        theme.problems.append(f"it needs contract {theme.contract}, this CRM offers {CONTRACT_VERSION}")
    palette = data.get("palette", {})
    if not isinstance(palette, dict):
        theme.problems.append("[palette] must be a table of colours")
    else:
        for key, value in palette.items():
            if key not in PALETTE_KEYS or not isinstance(value, str) or not HEX_COLOUR.match(value):
                theme.problems.append(f"palette.{key} must be one of {', '.join(PALETTE_KEYS)} with a #rrggbb colour")
            else:
                theme.palette[key] = value.lower()
    if not theme.templates_dir.is_dir() and not theme.static_dir.is_dir():
        theme.problems.append("it has neither templates/ nor static/")
    return theme


def _entry_point_themes() -> list[Theme]:
    themes = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        origin = f"package {ep.dist.name} {ep.dist.version}" if ep.dist is not None else "package"
        try:
            module = ep.load()
            folder = getattr(module, "THEME_DIR", None)
            if folder is None:
                folder = Path(module.__file__).parent  # type: ignore[arg-type]
            themes.append(read_theme(Path(folder).resolve(), origin, expected_name=ep.name))
        except Exception as exc:  # a broken package is reported, not fatal
            theme = Theme(name=ep.name, path=Path("."), origin=origin)
            theme.problems.append(f"could not load: {type(exc).__name__}: {exc}")
            themes.append(theme)
    return themes


def _folder_themes(folder: Path) -> list[Theme]:
    if not folder.is_dir():
        return []
    return [read_theme(p.resolve(), "bundled") for p in sorted(folder.iterdir()) if p.is_dir() and not p.name.startswith((".", "_"))]


class ThemeRegistry:
    """Every discovered theme by name (usable or not), with the chain of parents."""

    def __init__(self, themes: list[Theme]) -> None:
        self.themes: dict[str, Theme] = {}
        self.rejected: list[Theme] = []
        for theme in themes:
            if theme.name in self.themes:
                theme.problems.append(f"another theme named {theme.name!r} was found first ({self.themes[theme.name].origin})")
                self.rejected.append(theme)
            else:
                self.themes[theme.name] = theme
        self._check_parents()
        for theme in self.all():
            for problem in theme.problems:
                log.warning("theme %s (%s) refused: %s", theme.name, theme.origin, problem)

    def _check_parents(self) -> None:
        changed = True
        while changed:  # a theme whose parent is refused is refused too
            changed = False
            for theme in self.themes.values():
                if theme.problems or theme.parent is None:
                    continue
                parent = self.themes.get(theme.parent)
                if parent is None:
                    theme.problems.append(f"its parent theme {theme.parent!r} is not installed")
                elif parent.problems:
                    theme.problems.append(f"its parent theme {theme.parent!r} is refused")
                elif theme.name in [t.name for t in self._walk(parent)]:
                    theme.problems.append("its parents form a cycle")
                else:
                    continue
                changed = True

    def _walk(self, theme: Theme) -> list[Theme]:
        seen: list[Theme] = []
        current: Theme | None = theme
        while current is not None and current not in seen:
            seen.append(current)
            current = self.themes.get(current.parent) if current.parent else None
        return seen

    def all(self) -> list[Theme]:
        """Every theme found, the refused ones included, by name."""
        return sorted([*self.themes.values(), *self.rejected], key=lambda t: (t.name, t.origin))

    def usable(self) -> list[Theme]:
        """Themes a company may choose."""
        return [t for t in sorted(self.themes.values(), key=lambda t: (t.name != DEFAULT_THEME, t.name)) if t.usable]

    def get(self, name: str | None) -> Theme | None:
        """The usable theme ``name``, or None."""
        theme = self.themes.get(name or "")
        return theme if theme is not None and theme.usable else None

    def chain(self, name: str | None) -> list[Theme]:
        """The theme and its parents, nearest first; empty for an unknown or refused theme."""
        theme = self.get(name)
        return self._walk(theme) if theme is not None else []


def discover(folder: Path) -> ThemeRegistry:
    """Find the themes in ``folder`` and in installed packages."""
    importlib.invalidate_caches()
    return ThemeRegistry(_folder_themes(folder) + _entry_point_themes())
