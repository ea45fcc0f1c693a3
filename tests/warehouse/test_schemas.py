"""The schemas migrator owns, and the least-privileged role dbt runs as: on the real warehouse."""

import contextlib

import psycopg2
import pytest
from psycopg2 import errors

from migrator_pipeline.warehouse.connection import connect, dbt_connection_env, dbt_role
from migrator_pipeline.warehouse.schemas import SchemaConflict, check_project_schemas, reset_schema


def _claim(url: str, project: str) -> None:
    reset_schema(url, f"{project}_raw")
    reset_schema(url, project, project)


@contextlib.contextmanager
def _as_dbt(url: str, project: str):
    """A cursor logged in exactly as dbt logs in for the project."""
    env = dbt_connection_env(url, project=project)
    conn = psycopg2.connect(host=env["MIGRATOR_PG_HOST"], port=env["MIGRATOR_PG_PORT"],
                            user=env["MIGRATOR_PG_USER"], password=env["MIGRATOR_PG_PASSWORD"],
                            dbname=env["MIGRATOR_PG_DATABASE"])
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            yield cur
    finally:
        conn.close()


def _exists(url: str, relation: str) -> bool:
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute("select to_regclass(%s) is not null", (relation,))
        return cur.fetchone()[0]


@pytest.mark.parametrize("project, message", [
    ("public", "would use schema public, which is PostgreSQL's or migrator's own"),
    ("information_schema", "would use schema information_schema, which is PostgreSQL's"),
    ("pg_toast", "would use schema pg_toast, which is PostgreSQL's"),
    ("migrator_registry", "would use schema migrator_registry, which is PostgreSQL's or migrator's own"),
])
def test_system_schemas_are_refused_and_nothing_is_dropped(warehouse_url, project, message):
    with connect(warehouse_url) as conn, conn.cursor() as cur:
        cur.execute("create table if not exists public.canary_users (id int)")
        conn.commit()
    with pytest.raises(SchemaConflict, match=message):
        check_project_schemas(warehouse_url, project)
    with pytest.raises(SchemaConflict):
        reset_schema(warehouse_url, project, project)
    assert _exists(warehouse_url, "public.canary_users")


def test_another_projects_raw_schema_is_refused_both_ways(warehouse_url):
    _claim(warehouse_url, "owner")
    with connect(warehouse_url) as conn, conn.cursor() as cur:
        cur.execute("create table owner_raw.dbo__kept (id int); create view owner.kept as select * from owner_raw.dbo__kept")
        conn.commit()
    with pytest.raises(SchemaConflict, match="would use schema owner_raw, which belongs to project 'owner'"):
        check_project_schemas(warehouse_url, "owner_raw")
    with pytest.raises(SchemaConflict, match="belongs to project 'owner'"):
        reset_schema(warehouse_url, "owner_raw", "owner_raw")
    assert _exists(warehouse_url, "owner_raw.dbo__kept") and _exists(warehouse_url, "owner.kept")
    # and the other way round: a project `x_raw` exists first, then `x` would take its schema
    _claim(warehouse_url, "later_raw")
    with pytest.raises(SchemaConflict, match="which belongs to project 'later_raw'"):
        check_project_schemas(warehouse_url, "later")


def test_a_schema_migrator_did_not_create_is_refused(warehouse_url):
    with connect(warehouse_url) as conn, conn.cursor() as cur:
        cur.execute("create schema if not exists finance; create table if not exists finance.ledger (id int)")
        conn.commit()
    with pytest.raises(SchemaConflict, match="schema finance, which exists and was not created by migrator"):
        check_project_schemas(warehouse_url, "finance")
    with pytest.raises(SchemaConflict, match="not created by migrator"):
        reset_schema(warehouse_url, "finance", "finance")
    assert _exists(warehouse_url, "finance.ledger")


def test_a_project_resets_its_own_schemas_again_and_again(warehouse_url):
    _claim(warehouse_url, "again")
    check_project_schemas(warehouse_url, "again")
    _claim(warehouse_url, "again")
    with connect(warehouse_url) as conn, conn.cursor() as cur:
        cur.execute("select schema_name, project from migrator_registry.project_schemas "
                    "where project = 'again' order by 1")
        assert cur.fetchall() == [("again", "again"), ("again_raw", "again")]
        cur.execute("select nspowner::regrole::text from pg_namespace where nspname = 'again'")
        assert cur.fetchone() == ("migrator_dbt_again",)


def test_dbt_role_owns_its_schema_reads_its_raw_schema_and_nothing_more(warehouse_url):
    _claim(warehouse_url, "mine")
    _claim(warehouse_url, "theirs")
    with connect(warehouse_url) as conn, conn.cursor() as cur:
        cur.execute("create table mine_raw.dbo__t (id int); insert into mine_raw.dbo__t values (1);"
                    "create table theirs_raw.dbo__secret (id int); insert into theirs_raw.dbo__secret values (7);"
                    "create table theirs.model (id int)")
        conn.commit()
    with _as_dbt(warehouse_url, "mine") as cur:
        cur.execute("select current_user, rolsuper from pg_roles where rolname = current_user")
        assert cur.fetchone() == (dbt_role("mine"), False)
        cur.execute("create view mine.model as select id from mine_raw.dbo__t")
        cur.execute("select id from mine.model")
        assert cur.fetchall() == [(1,)]
        with pytest.raises(errors.InsufficientPrivilege, match="pg_execute_server_program"):
            cur.execute("copy (select 1) to program 'true'")
        with pytest.raises(errors.InsufficientPrivilege):
            cur.execute("copy mine.model to '/tmp/migrator_leak.csv'")
        for statement in ("select * from theirs_raw.dbo__secret", "select * from theirs.model",
                          "drop schema theirs cascade", "drop schema theirs_raw cascade",
                          "drop table mine_raw.dbo__t", "create table mine_raw.extra (id int)",
                          "create schema elsewhere", "create table public.leak (id int)",
                          "alter role current_user superuser"):
            with pytest.raises(errors.InsufficientPrivilege):
                cur.execute(statement)
    assert _exists(warehouse_url, "theirs_raw.dbo__secret") and _exists(warehouse_url, "theirs.model")


def test_an_existing_warehouse_needs_only_a_createrole_admin(warehouse_url):
    """The README's instructions for MIGRATOR_WAREHOUSE_URL: an admin role that is not a superuser,
    with CREATEROLE and CREATE on the database, is enough to run a project end to end."""
    with connect(warehouse_url) as conn, conn.cursor() as cur:
        conn.autocommit = True  # a database of its own, as on a server migrator has never seen
        cur.execute("drop database if exists existing_dw")
        cur.execute("create database existing_dw")
        cur.execute("drop role if exists migrator_admin_test")
        cur.execute("create role migrator_admin_test login createrole; "
                    "grant create on database existing_dw to migrator_admin_test")
    admin_url = (warehouse_url.replace("postgresql://postgres:@", "postgresql://migrator_admin_test:@")
                 .replace("/warehouse?", "/existing_dw?"))
    reset_schema(admin_url, "ext_raw")
    reset_schema(admin_url, "ext", "ext")
    with connect(admin_url) as conn, conn.cursor() as cur:
        cur.execute("create table ext_raw.dbo__t (id int); insert into ext_raw.dbo__t values (5)")
        conn.commit()
    with _as_dbt(admin_url, "ext") as cur:
        cur.execute("create table ext.model as select id from ext_raw.dbo__t")
        with pytest.raises(errors.InsufficientPrivilege):
            cur.execute("copy (select 1) to program 'true'")
    with connect(admin_url) as conn, conn.cursor() as cur:
        cur.execute("select id from ext.model")  # the tool reads what dbt built, to count and compare rows
        assert cur.fetchall() == [(5,)]
    reset_schema(admin_url, "ext", "ext")  # and a re-run can drop it
    assert not _exists(admin_url, "ext.model")


def test_dbt_roles_cannot_reach_dagsters_database(warehouse_url):
    _claim(warehouse_url, "nosy")
    env = dbt_connection_env(warehouse_url, project="nosy")
    with pytest.raises(psycopg2.OperationalError, match="permission denied for database"):
        psycopg2.connect(host=env["MIGRATOR_PG_HOST"], port=env["MIGRATOR_PG_PORT"],
                         user=env["MIGRATOR_PG_USER"], dbname="dagster")
