"""The one identifier policy, applied everywhere a SQL Server name becomes a PostgreSQL one.

Like pgloader's default: lower case, and any run of characters that is not a letter,
digit or underscore becomes one underscore. A leading digit gets a `_` prefix.
"""

import re

_NOT_WORD = re.compile(r"[^0-9a-z_]+")


def fold_identifier(name: str) -> str:
    folded = _NOT_WORD.sub("_", name.strip().strip("[]\"").lower()).strip("_") or "_"
    return f"_{folded}" if folded[0].isdigit() else folded


def fold_columns(names: list[str]) -> dict[str, str]:
    """Each column name -> its dbt name: `fold_identifier`, with collisions settled. A name
    already in folded form keeps it; the others, in column order, get `_2`, `_3`, ..."""
    folded = {name: fold_identifier(name) for name in names}
    natural = set(folded.values())
    taken: set[str] = set()
    settled: dict[str, str] = {}
    for name in sorted(names, key=lambda n: (folded[n] != n, names.index(n))):
        candidate, number = folded[name], 1
        while candidate in taken or (number > 1 and candidate in natural):
            number += 1
            candidate = f"{folded[name]}_{number}"
        taken.add(candidate)
        settled[name] = candidate
    return {name: settled[name] for name in names}


def raw_schema_name(project: str) -> str:
    """The warehouse schema that holds a project's raw copies of the SQL Server tables."""
    return f"{project}_raw"


def raw_identifier(schema: str, name: str) -> str:
    """The raw table's name: SQL Server schema and table, folded, joined by `__`."""
    return f"{fold_identifier(schema)}__{fold_identifier(name)}"
