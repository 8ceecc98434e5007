"""Tasks used by the job tests (importable by a fresh Huey consumer)."""

from pathlib import Path


def append_line(path: str, text: str) -> None:
    """Append ``text`` to the file at ``path``."""
    with Path(path).open("a") as handle:
        handle.write(text + "\n")
