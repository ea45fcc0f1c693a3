"""Row comparison: a model's rows against the rows SQL Server returns, as multisets, exactly.

Expected columns are matched to the model's through `fold_identifier`; a model column the
expected result does not name is not compared. Values are compared in their normalised form
(`value_normalisation`); a column SQL Server returns as integers that holds a fraction in the
model is a type difference.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from migrator_pipeline.catalog.model import Catalog
from migrator_pipeline.evaluation.expected_rows import ExpectedResult
from migrator_pipeline.evaluation.value_normalisation import (
    NUMERIC_KINDS,
    SQL_SERVER_INTEGERS,
    column_kind,
    display,
    has_fraction,
    normalise,
)
from migrator_pipeline.tsql.identifiers import fold_identifier

MAX_SHOWN_ROWS = 10  # rows of each difference kept for the report


@dataclass
class DataMatch:
    """One object's rows compared: the evidence the scorecard and the report show."""

    source: str  # `schema.name` as in SQL Server
    model: str
    relation: str | None
    origin: str
    matched: bool
    columns: list[str] = field(default_factory=list)
    expected_rows: int = 0
    actual_rows: int | None = None
    missing: int = 0  # rows SQL Server returns that the model does not
    unexpected: int = 0  # rows the model returns that SQL Server does not
    missing_rows: list[dict[str, str | None]] = field(default_factory=list)  # the first MAX_SHOWN_ROWS
    unexpected_rows: list[dict[str, str | None]] = field(default_factory=list)
    reason: str | None = None  # why the rows could not be compared: a missing column, no relation
    # columns whose values SQL Server's type could not hold: "Total: SQL Server returns integers, ..."
    type_differences: list[str] = field(default_factory=list)


def compare_rows(expected: ExpectedResult, model: str, relation: str | None, actual_columns: Sequence[str],
                 kinds: Sequence[str], actual_rows: Iterable[Sequence[Any]],
                 sql_types: dict[str, str] | None = None) -> DataMatch:
    """The model's rows (`actual_columns`, their `kinds`) against the expected ones, as multisets,
    exactly. Expected columns match model columns through `fold_identifier`; model columns the
    expected result does not name are not compared. `sql_types` maps folded column names to the
    types SQL Server gives them, where the catalog knows them."""
    match = DataMatch(expected.source, model, relation, expected.origin, False, list(expected.columns),
                      expected_rows=len(expected.rows))
    positions = {fold_identifier(name): i for i, name in enumerate(actual_columns)}
    absent = [name for name in expected.columns if fold_identifier(name) not in positions]
    if absent:
        match.reason = "the model has no column " + ", ".join(
            f"{name} ({fold_identifier(name)})" for name in absent)
        return match
    picked = [positions[fold_identifier(name)] for name in expected.columns]
    column_kinds = [kinds[i] for i in picked]
    integers = [_returns_integers(expected, i, (sql_types or {}).get(fold_identifier(name)))
                for i, name in enumerate(expected.columns)]

    def key(row: Sequence[Any], empty_is_null: bool) -> tuple:
        return tuple(None if empty_is_null and value == "" else normalise(value, kind)
                     for value, kind in zip(row, column_kinds, strict=True))

    wanted: Counter = Counter()
    shown: dict[tuple, list] = {}
    for row in expected.rows:
        normal = key(row, expected.empty_is_null)
        wanted[normal] += 1
        shown.setdefault(normal, list(row))
    got: Counter = Counter()
    fractions: dict[int, Any] = {}
    for row in actual_rows:
        values = [row[i] for i in picked]
        normal = key(values, expected.empty_is_null)
        got[normal] += 1
        shown.setdefault(normal, [display(v) for v in values])
        for i, value in enumerate(values):
            if integers[i] and column_kinds[i] in NUMERIC_KINDS and i not in fractions and has_fraction(value):
                fractions[i] = value
    match.type_differences = [
        f"{expected.columns[i]}: SQL Server returns integers, the model returns {display(value)}"
        for i, value in sorted(fractions.items())]
    _record_differences(match, wanted, got, shown)
    return match


_INTEGER_TEXT = re.compile(r"^\s*[+-]?\d+\s*$")


def _returns_integers(expected: ExpectedResult, position: int, sql_type: str | None) -> bool:
    """Whether SQL Server returns integers in a column: its type says so when the catalog knows it,
    otherwise every value it returned is written as an integer."""
    if sql_type:
        return sql_type.split("(")[0].strip().lower() in SQL_SERVER_INTEGERS
    values = [row[position] for row in expected.rows if row[position] not in (None, "")]
    return bool(values) and all(_INTEGER_TEXT.match(str(v)) for v in values)


def _record_differences(match: DataMatch, wanted: Counter, got: Counter, shown: dict[tuple, list]) -> None:
    missing, unexpected = wanted - got, got - wanted
    match.actual_rows = sum(got.values())
    match.missing, match.unexpected = sum(missing.values()), sum(unexpected.values())
    match.missing_rows = _shown_rows(missing, shown, match.columns)
    match.unexpected_rows = _shown_rows(unexpected, shown, match.columns)
    match.matched = not missing and not unexpected and not match.type_differences


def _shown_rows(rows: Counter, shown: dict[tuple, list], columns: list[str]) -> list[dict[str, str | None]]:
    listed = []
    for normal, count in rows.items():
        listed += [dict(zip(columns, shown[normal], strict=True))] * count
        if len(listed) >= MAX_SHOWN_ROWS:
            break
    return listed[:MAX_SHOWN_ROWS]


def _select(relation: str, columns: Sequence[str] | None, limit: int | None = None) -> str:
    """`select "a", "b" from "schema"."model"` (every column when `columns` is None), for PostgreSQL."""
    schema, name = relation.split(".", 1)
    selects = [exp.column(c, quoted=True) for c in columns] if columns is not None else [exp.Star()]
    query = exp.select(*selects).from_(exp.table_(name, db=schema, quoted=True))
    return (query.limit(limit) if limit is not None else query).sql(dialect="postgres")


def fetch_model_rows(cursor, relation: str, expected_columns: Sequence[str]) -> tuple[list[str], list[str], list[tuple]]:
    """The model's column names, their kinds and its rows: only the columns the expected
    result names (`select <cols> from <schema>.<model>`); all names and no rows when one is missing."""
    cursor.execute(_select(relation, None, limit=0))
    present = {fold_identifier(d[0]): d[0] for d in cursor.description}
    wanted = [present.get(fold_identifier(c)) for c in expected_columns]
    if None in wanted:
        return list(present.values()), [column_kind(d[1]) for d in cursor.description], []
    cursor.execute(_select(relation, wanted))
    return [d[0] for d in cursor.description], [column_kind(d[1]) for d in cursor.description], cursor.fetchall()


def match_model(cursor, expected: ExpectedResult, model: str, relation: str | None,
                sql_types: dict[str, str] | None = None) -> DataMatch:
    """One object's expected rows against its model's relation in the warehouse."""
    if relation is None:
        return DataMatch(expected.source, model, None, expected.origin, False, list(expected.columns),
                         len(expected.rows), reason=f"{model} is ephemeral: no relation to read")
    columns, kinds, rows = fetch_model_rows(cursor, relation, expected.columns)
    return compare_rows(expected, model, relation, columns, kinds, rows, sql_types)


def sql_server_types(catalog: Catalog, key: str) -> dict[str, str]:
    """An object's column types as SQL Server gives them, by folded column name (empty when the
    catalog does not know them, e.g. a view read from a script)."""
    obj = catalog.get(key)
    return {fold_identifier(c.name): c.data_type for c in obj.columns if c.data_type} if obj else {}
