"""The one identifier policy, applied everywhere a SQL Server name becomes a PostgreSQL one.

Like pgloader's default: lower case, and any run of characters that is not a letter,
digit or underscore becomes one underscore. A leading digit gets a `_` prefix. A name longer
than PostgreSQL keeps (63 bytes) is shortened by `fit_identifier`.
"""

import hashlib
import re

from sqlglot import exp

_NOT_WORD = re.compile(r"[^0-9a-z_]+")
# PostgreSQL's NAMEDATALEN - 1: it cuts longer names silently, so two long names that share
# their first 63 bytes would become one relation (DuplicateTable) or one column.
MAX_IDENTIFIER_BYTES = 63
_DIGEST_CHARACTERS = 8
# PostgreSQL's reserved key words (and those that cannot name a function or type):
# a folded identifier among them must be quoted. https://www.postgresql.org/docs/16/sql-keywords-appendix.html
POSTGRES_RESERVED = frozenset(
    """all analyse analyze and any array as asc asymmetric authorization between bigint binary
    bit boolean both case cast char character check coalesce collate collation column
    concurrently constraint create cross current_catalog current_date current_role
    current_schema current_time current_timestamp current_user dec decimal default deferrable
    desc distinct do else end except exists extract false fetch float for foreign freeze from
    full grant greatest group grouping having ilike in initially inner inout int integer
    intersect interval into is isnull join lateral leading least left like limit localtime
    localtimestamp national natural nchar none normalize not notnull null nullif numeric offset
    on only or order out outer overlaps overlay placing position precision primary real
    references returning right row select session_user setof similar smallint some substring
    symmetric system_user table tablesample then time timestamp to trailing treat trim true
    union unique user using values varchar variadic verbose when where window with""".split()
)


def sql_name(folded: str) -> str:
    """A folded name as generated SQL writes it: double-quoted when PostgreSQL reserves it
    (`"from"`, `"group"`), bare otherwise."""
    return exp.to_identifier(folded, quoted=folded in POSTGRES_RESERVED).sql(dialect="postgres")


def bracketed(name: str) -> str:
    """A T-SQL identifier, bracketed by sqlglot: `[a]]b]`."""
    return exp.to_identifier(name, quoted=True).sql(dialect="tsql")


def fold_identifier(name: str) -> str:
    folded = _NOT_WORD.sub("_", name.strip().strip("[]\"").lower()).strip("_") or "_"
    return fit_identifier(f"_{folded}" if folded[0].isdigit() else folded)


def fit_identifier(name: str) -> str:
    """`name` when PostgreSQL keeps it whole; a longer one becomes its first bytes, `_` and
    the first 8 hex digits of its SHA-1: the same on every run, and apart from any other long
    name with the same beginning."""
    encoded = name.encode("utf-8")
    if len(encoded) <= MAX_IDENTIFIER_BYTES:
        return name
    head = encoded[: MAX_IDENTIFIER_BYTES - _DIGEST_CHARACTERS - 1].decode("utf-8", errors="ignore")
    return f"{head}_{hashlib.sha1(encoded).hexdigest()[:_DIGEST_CHARACTERS]}"


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
            candidate = fit_identifier(f"{folded[name]}_{number}")
        taken.add(candidate)
        settled[name] = candidate
    return {name: settled[name] for name in names}


def raw_schema_name(project: str) -> str:
    """The warehouse schema that holds a project's raw copies of the SQL Server tables."""
    return f"{project}_raw"


def raw_identifier(schema: str, name: str) -> str:
    """The raw table's name: SQL Server schema and table, folded, joined by `__`."""
    return fit_identifier(f"{fold_identifier(schema)}__{fold_identifier(name)}")
