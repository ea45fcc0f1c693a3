"""The expression benchmark's own harness: its case table, its exact comparison, and one run of a
few cases on the embedded PostgreSQL."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from collections import Counter
from decimal import Decimal

import pytest

from migrator_pipeline.settings import REPO_ROOT


def _load():
    spec = importlib.util.spec_from_file_location("bench_expressions", REPO_ROOT / "benchmarks" / "bench_expressions.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_expressions"] = module
    spec.loader.exec_module(module)
    return module


bench = _load()


def test_every_case_is_named_once_and_cites_its_source():
    names = Counter((c.family, c.name) for c in bench.CASES)
    assert [n for n, count in names.items() if count > 1] == []
    for item in bench.CASES:
        assert item.doc.startswith("https://learn.microsoft.com/") or "undocumented" in item.doc, item.name
        assert item.rows, item.name


def test_the_families_of_issue_7_are_all_there():
    assert set(bench.FAMILIES) >= {
        "arithmetic and precedence", "division and modulo", "money", "real", "decimal scale", "POWER",
        "CAST/CONVERT", "string functions", "STR, QUOTENAME, SPACE", "collation comparisons", "set operations",
        "ORDER BY and TOP", "DATEPART and DATENAME", "DATEDIFF and DATEADD", "datetime ticks", "FROMPARTS", "ISDATE",
        "CHOOSE and NULL/CASE typing", "typing through queries", "FOR XML PATH"}


@pytest.mark.parametrize(("expected", "actual", "same"), [
    (Decimal("3.3333"), Decimal("3.3333"), True),
    (Decimal("3.3333"), Decimal("3.33330000"), False),  # same value, another scale: another type
    (Decimal("0.0"), 0, False),
    (3, Decimal("3"), False),
    (1024, 1024.0, False),
    (0.30000001192092896, 0.30000000000000004, False),
    (dt.date(2024, 2, 29), dt.datetime(2024, 2, 29), False),
    ("abc", "abc ", False),
    (None, "", False),
    (None, None, True),
])
def test_values_compare_exactly(expected, actual, same):
    assert bench.same_value(expected, actual) is same


def test_rows_compare_as_multisets():
    assert bench.same_rows([(1,), (2,)], [(2,), (1,)])
    assert not bench.same_rows([(1,), (1,)], [(1,), (2,)])
    assert not bench.same_rows([(1,)], [(1,), (1,)])


def test_a_run_on_postgres_counts_what_it_sees(pg):
    pg.execute("select current_schema()")
    schema = pg.fetchone()[0]
    bench._create_tables(pg, schema)
    picked = {c.name: c for c in bench.CASES}
    money = picked["money * real is real, then CONVERT(money) (Northwind's ExtendedPrice)"]
    join = picked["join on string keys"]
    outcomes = {(o.case.name, o.translator): o for number, item in enumerate([money, join])
                for o in [bench.run_case(pg, schema, number, item, "project"),
                          bench.run_case(pg, schema, number, item, "sqlglot")]}
    # raw sqlglot joins 'apple' only to itself: 7 rows, not the 13 of the CI collation
    assert outcomes[(join.name, "sqlglot")].rows == [(7,)]
    assert not outcomes[(join.name, "sqlglot")].correct
    assert outcomes[(money.name, "sqlglot")].translated
    counts = bench.tally(list(outcomes.values()))
    assert counts["total"]["cases"] == 2
    assert counts["total"]["sqlglot_correct"] == 0
