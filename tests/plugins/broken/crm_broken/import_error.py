"""Fails at import time."""

raise RuntimeError("this plugin cannot start")
