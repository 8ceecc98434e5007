"""An example theme package: the theme folder is this module's folder (THEME_DIR says so)."""

from pathlib import Path

THEME_DIR = Path(__file__).parent
