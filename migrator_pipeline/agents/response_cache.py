"""The response cache: LLM answers kept in the warehouse database, in a schema of their own.

Keyed by a hash of the model, the prompt version and the whole input, so an unchanged re-run
asks nothing, and any change (model, prompts, the object's T-SQL or context) asks again.
"""

from __future__ import annotations

from psycopg2 import sql

from migrator_pipeline.warehouse.connection import connect

CACHE_SCHEMA = "migrator_llm_cache"


class PostgresResponseCache:
    def __init__(self, warehouse_url: str, schema: str = CACHE_SCHEMA):
        self.url = warehouse_url
        self.table = sql.Identifier(schema, "responses")
        with connect(self.url) as conn, conn.cursor() as cur:
            cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
            cur.execute(sql.SQL(
                "create table if not exists {} (key text primary key, model text not null, "
                "response text not null, created_at timestamptz not null default now())"
            ).format(self.table))
            conn.commit()

    def get(self, key: str) -> str | None:
        with connect(self.url) as conn, conn.cursor() as cur:
            cur.execute(sql.SQL("select response from {} where key = %s").format(self.table), (key,))
            row = cur.fetchone()
        return row[0] if row else None

    def put(self, key: str, model: str, text: str) -> None:
        with connect(self.url) as conn, conn.cursor() as cur:
            cur.execute(sql.SQL(
                "insert into {} (key, model, response) values (%s, %s, %s) on conflict (key) do nothing"
            ).format(self.table), (key, model, text))
            conn.commit()
