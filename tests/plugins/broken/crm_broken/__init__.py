"""Broken plugins for the isolation tests."""
