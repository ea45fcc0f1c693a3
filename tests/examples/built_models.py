"""What the example-estate tests read back from a migration: a cursor on the warehouse, a built
model's rows, and the evidence a `passed` object rests on."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg2.extensions

from migrator_pipeline.warehouse.connection import connect


@contextlib.contextmanager
def warehouse_cursor(warehouse_url: str) -> Iterator[psycopg2.extensions.cursor]:
    with connect(warehouse_url) as conn:
        conn.autocommit = True  # a query that fails (no libxml) leaves no aborted transaction
        yield conn.cursor()


def model_rows(warehouse_url: str, obj: dict, columns: str, order_by: str = "1") -> list[tuple]:
    """The rows of the one relation an evaluated object built."""
    [relation] = [m["relation"] for m in obj["models"] if m["relation"]]
    schema, name = relation.split(".")
    with warehouse_cursor(warehouse_url) as cur:
        cur.execute(f'select {columns} from "{schema}"."{name}" order by {order_by}')
        return cur.fetchall()


def assert_built_and_tested(obj: dict) -> None:
    assert (obj["status"], obj["evidence"]) == ("passed", "built_and_tested"), obj["reason"]
