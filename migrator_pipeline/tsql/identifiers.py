"""The one identifier policy, applied everywhere a SQL Server name becomes a PostgreSQL one.

Like pgloader's default: lower case, and any run of characters that is not a letter,
digit or underscore becomes one underscore. A leading digit gets a `_` prefix.
"""

import re

_NOT_WORD = re.compile(r"[^0-9a-z_]+")


def fold_identifier(name: str) -> str:
    folded = _NOT_WORD.sub("_", name.strip().strip("[]\"").lower()).strip("_") or "_"
    return f"_{folded}" if folded[0].isdigit() else folded


def raw_schema_name(project: str) -> str:
    """The warehouse schema that holds a project's raw copies of the SQL Server tables."""
    return f"{project}_raw"


def raw_identifier(schema: str, name: str) -> str:
    """The raw table's name: SQL Server schema and table, folded, joined by `__`."""
    return f"{fold_identifier(schema)}__{fold_identifier(name)}"
