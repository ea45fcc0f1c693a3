"""The YAML's column types are written back from what PostgreSQL built, never guessed."""

from __future__ import annotations

import yaml

from migrator_pipeline.dbt_project.jinja_sql import inert
from migrator_pipeline.evaluation.built_types import (
    built_column_types,
    load_column_types,
    save_column_types,
    write_back_column_types,
)
from migrator_pipeline.planning.model import MigrationPlan, PlannedModel, PlannedSource


def _schema(pg) -> str:
    pg.execute("select current_schema()")
    return pg.fetchone()[0]


def test_built_types_are_read_as_postgres_spells_them(pg):
    schema = _schema(pg)
    pg.execute("create table lines (qty int, price numeric(10,2), name varchar(40), seen timestamp)")
    pg.execute("create view avg_qty as select avg(qty) as avgqty, sum(qty) as total, max(name) as name from lines")
    types = built_column_types(pg.connection, [schema])
    assert types == {
        f"{schema}.avg_qty": {"avgqty": "numeric", "total": "bigint", "name": "text"},
        f"{schema}.lines": {"qty": "integer", "price": "numeric(10,2)", "name": "character varying(40)",
                            "seen": "timestamp without time zone"},
    }


def test_yaml_types_are_written_back_from_the_build(tmp_path, pg):
    schema = _schema(pg)
    pg.execute("create table orders_raw (orderid int, amount numeric(10,2))")
    # SQL Server's target column is int, but the model PostgreSQL built computes a numeric average
    pg.execute("create view factsales as select orderid, avg(amount) as amount from orders_raw group by orderid")
    plan = MigrationPlan(schema, schema, sources=[PlannedSource("dbo.orders", "dbo", "orders", "orders_raw")],
                         models=[PlannedModel("factsales", "marts", "view", "dw.usp_load", "", target="dw.factsales"),
                                 PlannedModel("broken", "marts", "view", "dbo.vbroken", "")])
    marts = tmp_path / "models" / "marts"
    marts.mkdir(parents=True)
    (marts / "_marts__models.yml").write_text(yaml.safe_dump({"version": 2, "models": [
        {"name": "factsales", "description": "d", "columns": [
            {"name": "orderid", "description": "SQL Server `OrderID` int.", "data_type": "integer",
             "data_tests": ["unique"]},
            {"name": "amount", "description": "SQL Server `Amount` int.", "data_type": "integer"},
            {"name": "gone", "data_type": "integer"}]},
        {"name": "broken", "columns": [{"name": "x", "data_type": "integer"}]},
    ]}, sort_keys=False))
    staging = tmp_path / "models" / "staging"
    staging.mkdir()
    (staging / "_sources.yml").write_text(yaml.safe_dump({"version": 2, "sources": [
        {"name": "dbo", "schema": schema, "tables": [{"name": "orders", "identifier": "orders_raw", "columns": [
            {"name": "orderid", "data_type": "int"}]}]}]}, sort_keys=False))
    types = built_column_types(pg.connection, [schema])
    assert write_back_column_types(tmp_path, plan, types) == 4
    models = yaml.safe_load((marts / "_marts__models.yml").read_text())["models"]
    assert models[0]["columns"] == [
        {"name": "orderid", "description": "SQL Server `OrderID` int.", "data_type": "integer", "data_tests": ["unique"]},
        {"name": "amount", "description": "SQL Server `Amount` int.", "data_type": "numeric"},
        {"name": "gone"},  # not in what was built: no type is claimed
    ]
    assert models[1]["columns"] == [{"name": "x"}]  # not built: nothing proves a type
    sources = yaml.safe_load((staging / "_sources.yml").read_text())["sources"]
    assert sources[0]["tables"][0]["columns"] == [{"name": "orderid", "data_type": "integer"},
                                                  {"name": "amount", "data_type": "numeric(10,2)"}]
    save_column_types(tmp_path / "column_types.json", types)
    assert load_column_types(tmp_path / "column_types.json") == types
    assert load_column_types(tmp_path / "absent.json") == {}


def test_a_built_column_named_like_jinja_is_written_back_inert(tmp_path, pg):
    """The YAML holds the writer's inert spelling of a hostile name; the write-back matches it and
    never adds the built (source) spelling, which dbt would render."""
    schema = _schema(pg)
    hostile = "{{ env_var('ANTHROPIC_API_KEY') }}"
    pg.execute(f'create view hostile as select 1 as "{hostile}", 2 as plain')
    plan = MigrationPlan(schema, schema, models=[PlannedModel("hostile", "marts", "view", "dbo.vhostile", "")])
    marts = tmp_path / "models" / "marts"
    marts.mkdir(parents=True)
    (marts / "_marts__models.yml").write_text(yaml.safe_dump({"version": 2, "models": [
        {"name": "hostile", "columns": [{"name": inert(hostile)}]}]}, sort_keys=False))
    write_back_column_types(tmp_path, plan, built_column_types(pg.connection, [schema]))
    text = (marts / "_marts__models.yml").read_text()
    assert hostile not in text
    assert yaml.safe_load(text)["models"][0]["columns"] == [
        {"name": inert(hostile), "data_type": "integer"}, {"name": "plain", "data_type": "integer"}]
