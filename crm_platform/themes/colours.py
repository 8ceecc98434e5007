"""Colour arithmetic for branding: validation, WCAG contrast, and the derived accent shades."""

from __future__ import annotations

import re

HEX = re.compile(r"^#[0-9a-f]{6}$")
WHITE, NEAR_BLACK = "#ffffff", "#111318"
AA = 4.5


def normalise(value: str | None) -> str | None:
    """``#rrggbb`` in lower case, or None when ``value`` is not exactly such a colour."""
    if not isinstance(value, str):
        return None
    value = value.strip().lower()
    if re.fullmatch(r"#[0-9a-f]{3}", value):
        value = "#" + "".join(c * 2 for c in value[1:])
    return value if HEX.match(value) else None


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def luminance(colour: str) -> float:
    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = _rgb(colour)
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio between two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def mix(a: str, b: str, weight: float) -> str:
    """``weight`` of ``a`` mixed into ``b``."""
    ra, rb = _rgb(a), _rgb(b)
    return _hex(tuple(x * weight + y * (1 - weight) for x, y in zip(ra, rb, strict=True)))  # type: ignore[arg-type]


def text_on(background: str) -> str:
    """White or near-black, whichever reads better on ``background`` (always at least 4.5:1)."""
    return WHITE if contrast(WHITE, background) >= contrast(NEAR_BLACK, background) else NEAR_BLACK


def _away(colour: str, from_colour: str, minimum: float, against: str) -> str:
    """Move ``colour`` away from ``from_colour`` (towards black or white) until it reaches ``minimum`` on ``against``."""
    target = "#000000" if luminance(from_colour) > luminance(colour) else WHITE
    current = colour
    for step in range(1, 21):
        if contrast(current, against) >= minimum:
            return current
        current = mix(target, colour, step / 20)
    return current


def accent_palette(accent: str, surface: str) -> dict[str, str]:
    """CSS variables derived from one accent colour on a theme whose cards are ``surface``."""
    accent_text = text_on(accent)
    hover = mix("#000000" if accent_text == WHITE else WHITE, accent, 0.14)
    soft = mix(accent, surface, 0.14)
    on_soft = _away(hover, soft, AA, soft)
    return {
        "--accent": accent,
        "--accent-hover": hover,
        "--accent-contrast": accent_text,
        "--accent-soft": soft,
        "--accent-on-soft": on_soft,
        "--accent-ring": mix(accent, surface, 0.35),
    }


def accent_problem(accent: str, surface: str) -> str | None:
    """Why ``accent`` cannot be used on ``surface`` (links must read at 4.5:1), or None."""
    ratio = contrast(accent, surface)
    if ratio >= AA:
        return None
    lighter = luminance(surface) > 0.18  # on a light page a failing colour is too light, on a dark one too dark
    return (f"This accent colour is too {'light' if lighter else 'dark'} for this theme: links would have a contrast "
            f"of {ratio:.1f}:1 on its background, at least 4.5:1 is needed.")
