"""The one identifier policy, applied everywhere a SQL Server name becomes a PostgreSQL one.

Like pgloader's default: lower case, and any run of characters that is not a letter,
digit or underscore becomes one underscore. A leading digit gets a `_` prefix. A name longer
than PostgreSQL keeps (63 bytes) is shortened by `fit_identifier`.

The `snake_case` policy (`OrderLineID` -> `order_line_id`) is a table of spellings
(`planning.naming.snake_case_spellings`): each name the catalog declares, by its lower case,
-> its dbt name. SQL Server compares names case-insensitively, so a query may write `orderid`
for the column `OrderID`: the dbt name must follow from the lower case, never from the
spelling at hand. While `spelling_names(table)` is in force, `fold_identifier` looks a name up
there first; a name the table lacks (a query's alias) folds as under `lower`. The raw copies
of the tables keep the `lower` policy whatever the project's (`raw_identifier`, `raw_columns`):
staging models rename.
"""

import contextlib
import hashlib
import re
from collections.abc import Iterator, Mapping

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


IDENTIFIER_POLICIES = ("lower", "snake_case")
DEFAULT_POLICY = "lower"


class _Spellings:
    """The spellings in force: lower-case SQL Server name -> dbt name; None under `lower`.
    One per process, not a ContextVar: the steps hand objects to worker threads (the
    executor's pool), which a ContextVar does not follow. A process runs one migration step at
    a time (the CLI in-process, Dagster a process per run)."""

    current: Mapping[str, str] | None = None


@contextlib.contextmanager
def spelling_names(spellings: Mapping[str, str] | None) -> Iterator[None]:
    """`fold_identifier` names through `spellings` (None or empty: the `lower` policy) inside."""
    before, _Spellings.current = _Spellings.current, spellings or None
    try:
        yield
    finally:
        _Spellings.current = before


def fold_identifier(name: str) -> str:
    """A SQL Server name's dbt name under the policy in force (`spelling_names`)."""
    spellings = _Spellings.current
    cleaned = name.strip().strip("[]\"")
    if spellings is not None and (named := spellings.get(cleaned.lower())) is not None:
        return named
    return lower_identifier(cleaned)


def lower_identifier(name: str) -> str:
    """The `lower` policy, whatever policy is in force."""
    folded = _NOT_WORD.sub("_", name.strip().strip("[]\"").lower()).strip("_") or "_"
    return fit_identifier(f"_{folded}" if folded[0].isdigit() else folded)


_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_identifier(name: str) -> str:
    """`OrderLineID` -> `order_line_id`, `HTTPStatus` -> `http_status`: an underscore where a
    word starts inside the name, then the `lower` policy. A name without capitals is unchanged
    from `lower_identifier`'s."""
    return lower_identifier(_WORD_START.sub("_", name.strip().strip("[]\"")))


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
    return _settled_columns(names, {name: fold_identifier(name) for name in names})


def raw_columns(names: list[str]) -> dict[str, str]:
    """Each column name -> its name in the raw copy: `fold_columns` under the `lower` policy."""
    return _settled_columns(names, {name: lower_identifier(name) for name in names})


def _settled_columns(names: list[str], folded: dict[str, str]) -> dict[str, str]:
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
    """The raw table's name: SQL Server schema and table, folded (`lower`), joined by `__`."""
    return fit_identifier(f"{lower_identifier(schema)}__{lower_identifier(name)}")
