"""Procedures with cursors and WHILE loops: one model per table they fill, carrying the
procedure's T-SQL for the LLM's set-based rewrite (`agents.executor`); the rest needs review."""

from pathlib import Path

from migrator_pipeline.catalog.scripts import read_catalog
from migrator_pipeline.planning.planner import plan_migration
from migrator_pipeline.planning.procedures import CURSOR_REASON, DYNAMIC_SQL_REASON, WHILE_REASON

TABLES = """
CREATE TABLE dbo.Orders (Id int NOT NULL PRIMARY KEY, Qty int NOT NULL)
CREATE TABLE dbo.Numbers (N int NOT NULL PRIMARY KEY, Square int NOT NULL)
CREATE TABLE dbo.OrdersCopy (Id int NOT NULL PRIMARY KEY, Qty int NOT NULL, Total AS Qty * 2)
GO
"""
LOOP = """CREATE PROCEDURE dbo.FillNumbers AS
BEGIN
    DECLARE @i int = 1;
    WHILE @i <= 5
    BEGIN
        INSERT INTO dbo.Numbers (N, Square) VALUES (@i, @i * @i);
        SET @i = @i + 1;
    END
END
GO
"""
CURSOR = """CREATE PROCEDURE dbo.CopyOrders AS
BEGIN
    -- dbo.Numbers is only named in this comment
    DECLARE @id int, @qty int;
    DECLARE c CURSOR FOR SELECT Id, Qty FROM [dbo].[Orders];
    OPEN c;
    FETCH NEXT FROM c INTO @id, @qty;
    WHILE @@FETCH_STATUS = 0
    BEGIN
        INSERT INTO dbo.OrdersCopy (Id, Qty) VALUES (@id, @qty);
        FETCH NEXT FROM c INTO @id, @qty;
    END
    CLOSE c; DEALLOCATE c;
END
GO
"""


def _plan(tmp_path: Path, estate: str):
    (tmp_path / "estate.sql").write_text(estate, encoding="utf-8")
    return plan_migration(read_catalog(tmp_path), "shop")


def test_a_loop_that_fills_a_table_is_a_model_of_that_table_carrying_the_procedure(tmp_path):
    plan = _plan(tmp_path, TABLES + LOOP)
    [model] = [m for m in plan.models if m.origin == "dbo.fillnumbers"]
    assert (model.name, model.materialized, model.target, model.depends_on, model.procedural) == (
        "numbers", "table", "dbo.numbers", [], WHILE_REASON)
    assert model.tsql.startswith("BEGIN") and "WHILE @i <= 5" in model.tsql
    entry = next(e for e in plan.entries if e.object == "dbo.fillnumbers")
    assert (entry.artifact, entry.models) == ("model", ["numbers"])
    assert plan.relations["dbo.numbers"] == "{{ ref('numbers') }}"  # no longer a source


def test_a_cursor_reads_what_its_code_names_never_its_comments(tmp_path):
    plan = _plan(tmp_path, TABLES + CURSOR)
    [model] = [m for m in plan.models if m.origin == "dbo.copyorders"]
    assert (model.target, model.depends_on) == ("dbo.orderscopy", ["dbo.orders"])
    assert model.procedural == f"{CURSOR_REASON}; {WHILE_REASON}"


def test_loops_that_fill_nothing_take_a_table_or_run_dynamic_sql_still_need_review(tmp_path):
    plan = _plan(tmp_path, TABLES + """CREATE TYPE dbo.IdList AS TABLE (Id int)
GO
CREATE PROCEDURE dbo.Spin AS
WHILE 1 = 1 BREAK
GO
CREATE PROCEDURE dbo.FillFrom @ids dbo.IdList READONLY AS
DECLARE @i int = 1
WHILE @i <= 2 BEGIN INSERT INTO dbo.Numbers (N, Square) SELECT Id, Id FROM @ids; SET @i += 1 END
GO
CREATE PROCEDURE dbo.Dyn AS
DECLARE @i int = 1
WHILE @i <= 2 BEGIN EXEC ('INSERT INTO dbo.Numbers VALUES (1, 1)'); INSERT INTO dbo.Numbers VALUES (@i, @i); END
GO
""")
    entries = {e.object: e for e in plan.entries}
    assert (entries["dbo.spin"].artifact, entries["dbo.spin"].reason) == ("needs_review", WHILE_REASON)
    # a table-valued parameter: no dbt var can hold a table
    assert entries["dbo.fillfrom"].artifact == "needs_review"
    assert WHILE_REASON in entries["dbo.fillfrom"].reason
    assert entries["dbo.dyn"].artifact == "needs_review" and DYNAMIC_SQL_REASON in entries["dbo.dyn"].reason
    assert not [m for m in plan.models if m.procedural]


def test_a_table_the_loop_also_updates_in_place_stays_a_source(tmp_path):
    plan = _plan(tmp_path, TABLES + """CREATE PROCEDURE dbo.Recalc AS
DECLARE @id int
DECLARE c CURSOR FOR SELECT Id FROM dbo.Orders
OPEN c
FETCH NEXT FROM c INTO @id
WHILE @@FETCH_STATUS = 0
BEGIN
    UPDATE dbo.Orders SET Qty = Qty + 1 WHERE Id = @id
    FETCH NEXT FROM c INTO @id
END
GO
""")
    entries = {e.object: e for e in plan.entries}
    assert entries["dbo.orders"].artifact == "source"
    assert entries["dbo.recalc"].artifact == "needs_review" and CURSOR_REASON in entries["dbo.recalc"].reason


def test_a_loop_with_parameters_is_a_model_whose_parameters_are_dbt_vars(tmp_path):
    """As for the procedures the rules translate (planning.parameters): each parameter is a dbt
    var with SQL Server's default; without one, null (what EXEC with NULL does) until set."""
    plan = _plan(tmp_path, TABLES + """CREATE PROCEDURE dbo.FillTo @n int = 3, @Start int AS
DECLARE @i int = ISNULL(@Start, 1)
WHILE @i <= @n BEGIN INSERT INTO dbo.Numbers (N, Square) VALUES (@i, @i * @i); SET @i += 1 END
GO
""")
    [model] = [m for m in plan.models if m.origin == "dbo.fillto"]
    assert (model.target, model.procedural) == ("dbo.numbers", WHILE_REASON)
    assert model.variables == {"migrator_var__n": "{{ var('n', '3') }}",
                               "migrator_var__start": "{{ var('start', 'null') }}"}
    assert "WHILE @i <= @n" in model.tsql
    assert model.description.endswith("Its parameters are dbt vars (n, start) defaulting to SQL Server's "
                                      "defaults; without one there (@Start) a var is null until set with --vars.")


def test_a_table_holding_rows_is_a_model_only_when_the_code_truncates_it_first(tmp_path):
    """The rewrite yields the rows the code inserts; rows the table already held would be lost,
    so such a table stays a source unless the code empties it (TRUNCATE TABLE) first."""
    fill = """CREATE PROCEDURE dbo.{name} AS
BEGIN
    DECLARE @i int = 1;
    {truncate}
    WHILE @i <= 5 BEGIN INSERT INTO dbo.Numbers (N, Square) VALUES (@i, @i * @i); SET @i += 1; END
END
GO
"""
    rows = "INSERT INTO dbo.Numbers (N, Square) VALUES (9, 81)\nGO\n"
    appending = _plan(tmp_path, TABLES + rows + fill.format(name="AppendNumbers", truncate=""))
    entries = {e.object: e for e in appending.entries}
    assert entries["dbo.numbers"].artifact == "source"
    assert entries["dbo.appendnumbers"].artifact == "needs_review"
    refilling = _plan(tmp_path, TABLES + rows + fill.format(name="FillNumbers", truncate="TRUNCATE TABLE dbo.Numbers;"))
    assert [m.target for m in refilling.models if m.origin == "dbo.fillnumbers"] == ["dbo.numbers"]
