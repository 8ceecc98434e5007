"""Reading and changing a company's branding; logo checks (decoded with Pillow, re-encoded)."""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, g
from sqlalchemy import select

from crm_platform import company_cache
from crm_platform.extensions import db
from crm_platform.themes.colours import accent_palette, accent_problem, normalise, text_on
from crm_platform.themes.models import Branding
from crm_platform.themes.registry import DEFAULT_PALETTE, Theme, ThemeRegistry

MAX_LOGO_BYTES = 1024 * 1024
MAX_LOGO_SIDE = 1024
MAX_SOURCE_PIXELS = 4096 * 4096
LOGO_FORMATS = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"), "WEBP": ("image/webp", "webp")}
DISPLAY_NAME_MAX = 80
FOOTER_MAX = 500


class BrandingError(ValueError):
    """A value a company admin entered cannot be used; the message says why (shown with 422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Logo:
    """A checked, re-encoded logo ready to be written."""

    data: bytes
    content_type: str
    extension: str
    sha256: str


def registry() -> ThemeRegistry:
    return current_app.extensions["crm_themes"]


def current_branding() -> Branding | None:
    """The current company's branding row (cached on ``g`` for the request)."""
    if getattr(g, "company", None) is None:
        return None
    if "crm_branding" not in g:
        g.crm_branding = db.session.scalar(select(Branding))
    return g.crm_branding


@dataclass(frozen=True)
class BrandingFacts:
    """What every page shows of a company's branding (a plain copy of its ``Branding`` row)."""

    theme: str | None
    accent: str | None
    display_name: str | None
    logo_filename: str | None
    version: int


def branding_facts() -> BrandingFacts | None:
    """The current company's branding as shown on every page, kept per process until it changes.

    Pages that edit the branding use :func:`current_branding` (the row itself).
    """
    if getattr(g, "company", None) is None:
        return None

    def load() -> BrandingFacts | None:
        row = db.session.execute(
            select(Branding.theme, Branding.accent, Branding.display_name, Branding.logo_filename, Branding.version)
        ).first()
        return BrandingFacts(*row) if row is not None else None

    return company_cache.cached("branding", None, load)


def theme_for(branding: Branding | BrandingFacts | None) -> Theme | None:
    """The usable theme a company chose, else the instance's default theme (None if that is broken)."""
    reg = registry()
    if branding is not None and branding.theme and reg.get(branding.theme):
        return reg.get(branding.theme)
    return reg.get(current_app.config.get("CRM_DEFAULT_THEME") or "default")


def logo_folder() -> Path:
    folder = Path(current_app.instance_path) / "branding"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def logo_path(branding: Branding) -> Path | None:
    """Where the logo file is (never under a static folder), or None."""
    if not branding.logo_filename:
        return None
    return logo_folder() / branding.logo_filename


def check_theme(name: str | None) -> Theme:
    reg = registry()
    theme = reg.get(name or current_app.config.get("CRM_DEFAULT_THEME") or "default")
    if theme is None:
        raise BrandingError("theme", "Choose one of the installed themes.")
    return theme


def check_accent(value: str | None, theme: Theme) -> str | None:
    """A valid accent colour (``#rrggbb``) readable on the theme, None for the theme's own, or an error."""
    if value is None or not value.strip():
        return None
    colour = normalise(value)
    if colour is None:
        raise BrandingError("accent", "Enter a colour as #rrggbb, for example #0f766e.")
    problem = accent_problem(colour, theme.palette.get("surface", DEFAULT_PALETTE["surface"]))
    if problem:
        raise BrandingError("accent", problem)
    return colour


def clean_text(value: str | None, limit: int, field: str, multiline: bool = False) -> str | None:
    text = (value or "").replace("\r\n", "\n").strip()
    if not multiline:
        text = " ".join(text.split())
    if len(text) > limit:
        raise BrandingError(field, f"Use at most {limit} characters.")
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise BrandingError(field, "Control characters are not allowed.")
    return text or None


def check_logo(data: bytes, filename: str = "", declared_type: str = "") -> Logo:
    """Decode ``data`` with Pillow: PNG, JPEG or WebP only, at most 1 MB; re-encoded without metadata."""
    from PIL import Image, UnidentifiedImageError

    head = data[:512].lstrip().lower()
    if (filename.lower().endswith((".svg", ".svgz")) or "svg" in declared_type.lower()
            or head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in data[:4096].lower())):
        raise BrandingError("logo", "SVG logos are not accepted (they can carry scripts): upload a PNG, JPEG or WebP image.")
    if not data:
        raise BrandingError("logo", "The file is empty.")
    if len(data) > MAX_LOGO_BYTES:
        raise BrandingError("logo", "The logo is larger than 1 MB: upload a smaller image.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            if fmt not in LOGO_FORMATS:
                raise BrandingError("logo", "Upload a PNG, JPEG or WebP image.")
            if probe.width * probe.height > MAX_SOURCE_PIXELS:
                raise BrandingError("logo", "The image has too many pixels: at most 4096 × 4096.")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = image.copy()
    except BrandingError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise BrandingError("logo", "This file is not a readable PNG, JPEG or WebP image.") from None
    image.thumbnail((MAX_LOGO_SIDE, MAX_LOGO_SIDE))
    content_type, extension = LOGO_FORMATS[fmt]
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=90, optimize=True)
    elif fmt == "PNG":
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=True)  # no text chunks, no EXIF: metadata is not copied
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA")
        image.save(out, "WEBP", quality=90)
    encoded = out.getvalue()
    if len(encoded) > MAX_LOGO_BYTES:
        raise BrandingError("logo", "The logo is larger than 1 MB: upload a smaller image.")
    return Logo(encoded, content_type, extension, hashlib.sha256(encoded).hexdigest())


def _remove_logo_file(branding: Branding) -> None:
    path = logo_path(branding)
    if path is not None:
        path.unlink(missing_ok=True)
    branding.logo_filename = branding.logo_content_type = branding.logo_sha256 = None
    branding.logo_size = None


def save_branding(values: dict[str, Any], logo: Logo | None, remove_logo: bool, user_id: int | None) -> Branding:
    """Store checked values for the current company (caller commits). Raises BrandingError first."""
    theme = check_theme(values.get("theme"))
    accent = check_accent(values.get("accent"), theme)
    display_name = clean_text(values.get("display_name"), DISPLAY_NAME_MAX, "display_name")
    footer = clean_text(values.get("email_footer"), FOOTER_MAX, "email_footer", multiline=True)
    branding = current_branding()
    if branding is None:
        branding = Branding(version=0)
        db.session.add(branding)
    branding.theme = theme.name
    branding.accent = accent
    branding.accent_text = text_on(accent) if accent else None
    branding.display_name = display_name
    branding.email_footer = footer
    if remove_logo or logo is not None:
        _remove_logo_file(branding)
    if logo is not None:
        name = f"{secrets.token_hex(16)}.{logo.extension}"
        (logo_folder() / name).write_bytes(logo.data)
        branding.logo_filename = name
        branding.logo_content_type = logo.content_type
        branding.logo_size = len(logo.data)
        branding.logo_sha256 = logo.sha256
    branding.version = (branding.version or 0) + 1
    branding.updated_by_id = user_id
    g.crm_branding = branding
    return branding


def branding_css(accent: str | None, theme: Theme | None) -> str:
    """``:root`` variables for a company's accent colour (only validated hex colours get here)."""
    colour = normalise(accent)
    if colour is None or theme is None:
        return "/* no company accent colour: the theme's own */\n"
    surface = theme.palette.get("surface", DEFAULT_PALETTE["surface"])
    if accent_problem(colour, surface):
        return "/* the accent colour does not read on this theme: the theme's own */\n"
    lines = "".join(f"  {name}: {value};\n" for name, value in accent_palette(colour, surface).items())
    return f":root {{\n{lines}}}\n"


def preview_css(theme: Theme, accent: str | None) -> str:
    """Variables scoped to ``.brand-preview``: the chosen theme's palette and the accent colour."""
    p = theme.palette
    lines = [f"  --pv-bg: {p['bg']};", f"  --pv-surface: {p['surface']};", f"  --pv-text: {p['text']};",
             f"  --pv-muted: {p['muted']};", f"  --pv-border: {p['border']};"]
    colour = normalise(accent)
    if colour is None or accent_problem(colour, p["surface"]):
        colour = p["accent"]
    if not accent_problem(colour, p["surface"]):
        derived = accent_palette(colour, p["surface"])
        lines += [f"  --pv-accent: {derived['--accent']};", f"  --pv-accent-contrast: {derived['--accent-contrast']};",
                  f"  --pv-accent-soft: {derived['--accent-soft']};", f"  --pv-accent-on-soft: {derived['--accent-on-soft']};"]
    return ".brand-preview {\n" + "\n".join(lines) + "\n}\n"
