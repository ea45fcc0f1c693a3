"""The one identifier policy, applied everywhere a SQL Server name becomes a PostgreSQL one.

Like pgloader's default: lower case, and any run of characters that is not a letter,
digit or underscore becomes one underscore. A leading digit gets a `_` prefix.
"""

import re

_NOT_WORD = re.compile(r"[^0-9a-z_]+")


def fold_identifier(name: str) -> str:
    folded = _NOT_WORD.sub("_", name.strip().strip("[]\"").lower()).strip("_") or "_"
    return f"_{folded}" if folded[0].isdigit() else folded
