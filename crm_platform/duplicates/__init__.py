"""Likely duplicate people: a finder, dismissals, and the side-by-side merge."""
