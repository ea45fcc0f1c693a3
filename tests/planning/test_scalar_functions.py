"""Multi-statement scalar functions folded into one macro expression, checked with values that
PostgreSQL computes against what SQL Server returns for the same arguments."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from migrator_pipeline.catalog.scripts import read_catalog
from migrator_pipeline.planning.planner import plan_migration
from migrator_pipeline.tsql.translate import translate_expression

FUNCTIONS = """\
CREATE FUNCTION dbo.LeadingZeros(@Value int)
RETURNS varchar(8)
AS
BEGIN
    DECLARE @ReturnValue varchar(8);
    SET @ReturnValue = CONVERT(varchar(8), @Value);
    SET @ReturnValue = REPLICATE('0', 8 - DATALENGTH(@ReturnValue)) + @ReturnValue;
    RETURN (@ReturnValue);
END;
GO
CREATE FUNCTION dbo.StatusText(@Status tinyint)
RETURNS nvarchar(15)
AS
BEGIN
    DECLARE @ret nvarchar(15);
    SET @ret = CASE @Status WHEN 1 THEN 'In process' WHEN 2 THEN 'Approved' ELSE '** Invalid **' END;
    RETURN @ret
END;
GO
CREATE FUNCTION dbo.Clamp(@Value int, @Limit int)
RETURNS int
AS
BEGIN
    DECLARE @ret int = @Value, @floor int = 0;
    IF (@ret IS NULL)
        SET @ret = @floor
    IF @ret > @Limit
        SET @ret = @Limit
    ELSE
        SET @ret = @ret + 1
    RETURN @ret
END;
GO
CREATE TABLE dbo.Stock (ProductID int, Quantity int)
GO
CREATE FUNCTION dbo.GetStock(@ProductID int)
RETURNS int
AS
BEGIN
    DECLARE @ret int;
    SELECT @ret = SUM(Quantity) FROM dbo.Stock WHERE ProductID = @ProductID;
    IF (@ret IS NULL)
        SET @ret = 0
    RETURN @ret
END;
GO
CREATE FUNCTION dbo.Loop(@n int)
RETURNS int
AS
BEGIN
    DECLARE @i int = 0;
    WHILE @i < @n SET @i = @i + 1
    RETURN @i
END;
GO
"""


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    estate = tmp_path_factory.mktemp("functions")
    (estate / "functions.sql").write_text(FUNCTIONS, encoding="utf-8")
    return plan_migration(read_catalog(Path(estate)), "p")


def _value(plan, name: str, pg, *arguments: str):
    macro = next(m for m in plan.macros if m.name == name)
    sql = translate_expression(macro.tsql_expression, macro.parameters)
    pg.execute("select " + jinja2.Template(sql).render(dict(zip(macro.parameters, arguments))))
    return pg.fetchone()[0]


@pytest.mark.parametrize("name, arguments, expected", [
    # SQL Server: dbo.LeadingZeros(42) = '00000042', (12345678) = '12345678', (NULL) = NULL
    ("leadingzeros", ("42",), "00000042"),
    ("leadingzeros", ("12345678",), "12345678"),
    ("leadingzeros", ("null",), None),
    ("statustext", ("2",), "Approved"),
    ("statustext", ("9",), "** Invalid **"),
    # IF (@ret IS NULL) SET @ret = @floor; IF @ret > @Limit SET @ret = @Limit ELSE SET @ret = @ret + 1
    ("clamp", ("null", "5"), 1),
    ("clamp", ("3", "5"), 4),
    ("clamp", ("9", "5"), 5),
])
def test_folded_functions_return_what_sql_server_returns(plan, pg, name, arguments, expected):
    assert _value(plan, name, pg, *arguments) == expected


def test_functions_that_cannot_fold_say_why(plan):
    reasons = {e.source: e.reason for e in plan.entries if e.kind == "function"}
    assert reasons == {
        "dbo.LeadingZeros": None, "dbo.StatusText": None, "dbo.Clamp": None,
        "dbo.GetStock": None,  # a lookup: a function the dbt project creates (test_scalar_function_lookups.py)
        "dbo.Loop": None,  # a loop: a PL/pgSQL function the dbt project creates (tests/examples/test_plpgsql_function_estate.py)
    }


def test_a_lookup_is_planned_as_a_database_function(plan):
    macro = next(m for m in plan.macros if m.origin == "dbo.getstock")
    assert (macro.argument_types, macro.returns) == (["integer"], "integer")
    assert macro.tsql_body.startswith("SELECT (CASE WHEN (((SELECT CAST(SUM(Quantity) AS INTEGER) FROM dbo.Stock "
                                      "WHERE ProductID = CAST(getstock.productid AS INTEGER)")
