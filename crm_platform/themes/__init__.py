"""Themes: template overrides and stylesheets chosen per company, plus per-company branding.

A theme is a folder with ``theme.toml``, ``templates/`` and ``static/``, found in the
repository's ``themes/`` folder or in an installed package (entry point group
``crm_platform.themes``). See docs/themes.md.
"""
