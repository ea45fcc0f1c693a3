"""The types of a scalar function that becomes a database function, read once
(`function_types`) for both ways the planner makes one: a lookup folded into one SELECT
(planning/scalar_functions.py) and a body translated statement by statement into PL/pgSQL
(planning/plpgsql_functions.py). A type PostgreSQL lacks, or a RETURNS it cannot read, is a
reason naming the way, never a traceback."""

from __future__ import annotations

import pytest

from migrator_pipeline.planning.plpgsql_functions import plan_plpgsql_function
from migrator_pipeline.planning.scalar_functions import FoldError, FunctionTypes, function_types, plan_scalar_function
from migrator_pipeline.tsql.modules import block_statements

LOOKUP = "BEGIN DECLARE @v int; SELECT @v = x FROM dbo.T WHERE k = @a; RETURN @v; END"
LOOPING = "BEGIN DECLARE @i int = 0; WHILE @i < @a SET @i += 1; RETURN @i; END"


def test_the_returns_type_as_written_and_the_postgres_types_in_order():
    header = "CREATE FUNCTION dbo.f(@a decimal(10, 2), @b nvarchar(max))\nRETURNS [int]\nAS\n"
    parameters = [["@a", "decimal(10, 2)"], ["@b", "nvarchar(max)"]]
    assert function_types(header, parameters) == FunctionTypes("[int]", "integer", ["numeric(10,2)", "text"])


@pytest.mark.parametrize("header, parameters, reason", [
    ("CREATE FUNCTION dbo.f(@a dbo.Money) RETURNS int AS", [["@a", "dbo.Money"]],
     "with a type PostgreSQL lacks: unknown SQL Server type 'dbo.Money'"),
    ("CREATE FUNCTION dbo.f(@a int) RETURNS MoneyType AS", [["@a", "int"]],
     "with a type PostgreSQL lacks: unknown SQL Server type 'MoneyType'"),
    ("CREATE FUNCTION dbo.f(@a int) AS", [["@a", "int"]], "without a readable RETURNS type"),
])
def test_both_ways_give_the_same_reason_naming_the_way(header, parameters, reason):
    with pytest.raises(FoldError) as looping:
        plan_plpgsql_function("f", "dbo.f", parameters, header, LOOPING)
    assert str(looping.value) == f"scalar function {reason}"
    with pytest.raises(FoldError) as lookup:
        plan_scalar_function("f", "dbo.f", parameters, header, block_statements(LOOKUP), nested_blocks=False)
    assert str(lookup.value) == f"scalar function that reads tables, {reason}"


def test_both_ways_carry_the_types_into_the_database_function():
    header = "CREATE FUNCTION dbo.f(@a smallint) RETURNS decimal(9, 3) AS"
    looping = plan_plpgsql_function("f", "dbo.f", [["@a", "smallint"]], header, LOOPING)
    lookup = plan_scalar_function("f", "dbo.f", [["@a", "smallint"]], header, block_statements(LOOKUP), False)
    for macro in (looping, lookup):
        assert (macro.argument_types, macro.returns) == (["smallint"], "numeric(9,3)")
