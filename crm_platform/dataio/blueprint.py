"""The ``dataio`` blueprint (import pages, export downloads, vCards) and its stylesheet."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dataio", __name__, template_folder="templates", static_folder="static",
               static_url_path="/dataio/static")
