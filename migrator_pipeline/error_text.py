"""How an exception is shown in a finding or a report: its first line, never a traceback."""

from __future__ import annotations


def first_line(error: Exception) -> str:
    """The first line of an error's message, or its type's name when it has none."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
