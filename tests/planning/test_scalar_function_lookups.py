"""`SELECT @v = ... FROM` in a scalar function folded with SQL Server's assignment rules; the rows
these expressions return on PostgreSQL are checked in tests/examples/test_sample_estate_shapes.py."""

from __future__ import annotations

import pytest

from migrator_pipeline.planning.scalar_functions import FoldError, fold_scalar_function, function_body, is_lookup
from migrator_pipeline.tsql.modules import block_statements


def _fold(body: str) -> str:
    return fold_scalar_function(block_statements(body), False, lookups=True).sql("tsql")


def test_an_aggregate_gives_one_row_so_it_is_the_subquery_itself():
    assert _fold("DECLARE @n int; SELECT @n = COUNT(*) FROM dbo.T WHERE k = @k; RETURN @n") == (
        "((SELECT CAST(COUNT(*) AS INTEGER) FROM dbo.T WHERE k = @k))")


def test_no_row_leaves_a_declared_variable_null_and_several_rows_leave_the_last():
    assert _fold("DECLARE @v money; SELECT @v = t.p FROM dbo.T AS t WHERE t.k = @k ORDER BY t.d; RETURN @v") == (
        "((SELECT TOP 1 CAST(t.p AS MONEY) FROM dbo.T AS t WHERE t.k = @k ORDER BY t.d DESC))")


def test_no_row_keeps_the_value_the_variable_had():
    assert _fold("DECLARE @v smallint = -1; SELECT TOP 1 @v = t.p FROM dbo.T AS t ORDER BY t.p; RETURN @v") == (
        "(CASE WHEN EXISTS(SELECT 1 FROM dbo.T AS t) THEN (SELECT TOP 1 CAST(t.p AS SMALLINT) FROM dbo.T AS t "
        "ORDER BY t.p) ELSE CAST(-1 AS SMALLINT) END)")


def test_without_lookups_a_table_read_is_a_reason_and_top_n_never_folds():
    with pytest.raises(FoldError, match="reads tables"):
        fold_scalar_function(block_statements("DECLARE @n int; SELECT @n = COUNT(*) FROM dbo.T; RETURN @n"), False)
    with pytest.raises(FoldError, match="TOP n"):
        _fold("DECLARE @v int; SELECT TOP 2 @v = p FROM dbo.T; RETURN @v")


def test_the_function_body_reads_its_arguments_qualified_and_typed():
    folded = fold_scalar_function(block_statements(
        "DECLARE @n int; SELECT @n = SUM(q) FROM dbo.T WHERE k = @Key; RETURN @n"), False, lookups=True)
    assert is_lookup(folded)
    assert function_body("getsum", [("@Key", "nvarchar(4)")], folded) == (
        "SELECT ((SELECT CAST(SUM(q) AS INTEGER) FROM dbo.T WHERE k = CAST(getsum.key AS NVARCHAR(4)))) AS getsum")


def test_a_select_that_accumulates_into_its_own_variable_never_folds():
    """`SELECT @s = @s + x FROM t` assigns row by row, reading what the last row left: no one
    subquery gives that (folding it returned the last row's x alone)."""
    with pytest.raises(FoldError, match="assigns a variable it reads"):
        _fold("DECLARE @s nvarchar(100) = N''; SELECT @s = @s + t.Name FROM dbo.T AS t ORDER BY t.Name; RETURN @s")
    assert _fold("DECLARE @s int; SELECT @s = MAX(t.v) FROM dbo.T AS t WHERE t.k = @k; RETURN @s") == (
        "((SELECT CAST(MAX(t.v) AS INTEGER) FROM dbo.T AS t WHERE t.k = @k))")
