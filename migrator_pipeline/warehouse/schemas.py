"""The schemas migrator owns in the warehouse, and the role dbt runs as for each project.

The warehouse keeps a registry, `migrator_registry.project_schemas`, of every schema a project
created. `reset_schema` is the only place migrator drops a schema, and it drops one only when the
registry says this project created it. A project whose schemas would be PostgreSQL's own, another
project's, or someone else's is refused before anything runs.

dbt runs as one role per project, `migrator_dbt_<project>`: it owns the project's schema, reads
the project's raw schema, and nothing more. It is never a superuser, so a generated model cannot
run `COPY ... TO PROGRAM` or touch another project's schemas. The raw schema stays owned by the
connection that loads it (the admin connection of MIGRATOR_WAREHOUSE_URL or the embedded server).
"""

from __future__ import annotations

import os

from psycopg2 import sql

from migrator_pipeline.tsql.identifiers import raw_schema_name
from migrator_pipeline.warehouse.connection import DBT_PASSWORD_VARIABLE, connect, dbt_role

REGISTRY_SCHEMA = "migrator_registry"
SYSTEM_SCHEMAS = frozenset({"public", "information_schema", REGISTRY_SCHEMA})
# one key for every change to the registry, so two projects never claim one schema at once
_REGISTRY_LOCK = 0x6D696772  # "migr"
_REGISTRY_TABLE = sql.Identifier(REGISTRY_SCHEMA, "project_schemas")


class SchemaConflict(Exception):
    """A project's schema belongs to PostgreSQL, to another project, or to someone else."""


def project_schemas(project: str) -> tuple[str, str]:
    """The schemas a project creates: its models' schema and its raw schema."""
    return project, raw_schema_name(project)


def check_project_schemas(url: str, project: str) -> None:
    """Raise SchemaConflict when the project may not use one of its schemas. Reads only."""
    with connect(url) as conn, conn.cursor() as cur:
        for schema in project_schemas(project):
            problem = _conflict(cur, project, schema)
            if problem:
                raise SchemaConflict(problem)


def reset_schema(url: str, schema: str, project: str | None = None) -> None:
    """Drop and recreate one of a project's schemas, so a re-run leaves nothing of an earlier run.

    The only place migrator drops a schema: it registers the schema for the project the first
    time, and refuses (SchemaConflict) a schema that the project did not create. `project`
    defaults to the one a raw schema is named for (`<project>_raw`). The models' schema is owned
    by the project's dbt role; the raw schema is readable by it."""
    project = project or schema.removesuffix("_raw")
    if schema not in project_schemas(project):
        raise SchemaConflict(f"schema {schema} is not one of project {project!r}'s schemas")
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(%s)", (_REGISTRY_LOCK,))
        _ensure_registry(cur)
        problem = _conflict(cur, project, schema)
        if problem:
            raise SchemaConflict(problem)
        cur.execute(sql.SQL("insert into {} (schema_name, project) values (%s, %s) on conflict do nothing")
                    .format(_REGISTRY_TABLE), (schema, project))
        role = sql.Identifier(_ensure_dbt_role(cur, project))
        name = sql.Identifier(schema)
        cur.execute(sql.SQL("drop schema if exists {} cascade").format(name))
        if schema == project:
            cur.execute(sql.SQL("create schema {} authorization {}").format(name, role))
        else:
            cur.execute(sql.SQL("create schema {}").format(name))
            cur.execute(sql.SQL("grant usage on schema {} to {}").format(name, role))
            # the loader creates the raw tables after this: each is readable by dbt when created
            cur.execute(sql.SQL("alter default privileges in schema {} grant select on tables to {}")
                        .format(name, role))
        conn.commit()


def _conflict(cur, project: str, schema: str) -> str | None:
    """Why `project` may not use `schema`, or None when it may."""
    if schema in SYSTEM_SCHEMAS or schema.startswith("pg_"):
        return f"project name {project!r} would use schema {schema}, which is PostgreSQL's or migrator's own"
    owner = _registered_owner(cur, schema)
    if owner is not None and owner != project:
        return f"project name {project!r} would use schema {schema}, which belongs to project {owner!r}"
    if owner is None and _schema_exists(cur, schema):
        return (f"project name {project!r} would use schema {schema}, which exists and was not "
                "created by migrator; choose another project name")
    return None


def _registered_owner(cur, schema: str) -> str | None:
    cur.execute("select to_regclass(%s)", (f"{REGISTRY_SCHEMA}.project_schemas",))
    if cur.fetchone()[0] is None:
        return None
    cur.execute(sql.SQL("select project from {} where schema_name = %s").format(_REGISTRY_TABLE), (schema,))
    row = cur.fetchone()
    return row[0] if row else None


def _schema_exists(cur, schema: str) -> bool:
    cur.execute("select 1 from pg_namespace where nspname = %s", (schema,))
    return cur.fetchone() is not None


def _ensure_registry(cur) -> None:
    cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(REGISTRY_SCHEMA)))
    cur.execute(sql.SQL("create table if not exists {} (schema_name text primary key, project text not null, "
                        "created_at timestamptz not null default now())").format(_REGISTRY_TABLE))


def _ensure_dbt_role(cur, project: str) -> str:
    """The project's dbt role, created when missing: it logs in and owns nothing else, is never a
    superuser, and inherits nothing. A role that exists (made by a DBA) is used as it is."""
    role = dbt_role(project)
    cur.execute("select 1 from pg_roles where rolname = %s", (role,))
    if cur.fetchone() is None:
        password = os.environ.get(DBT_PASSWORD_VARIABLE)
        cur.execute(sql.SQL("create role {} login nosuperuser nocreatedb nocreaterole noinherit "
                            "noreplication nobypassrls password {}")
                    .format(sql.Identifier(role), sql.Literal(password)))
    cur.execute("select rolsuper from pg_roles where rolname = current_user")
    if not cur.fetchone()[0]:
        # a non-superuser admin (CREATEROLE) must be able to SET ROLE to give it a schema
        cur.execute(sql.SQL("grant {} to current_user").format(sql.Identifier(role)))
    return role
