"""Graph state checkpointed in the warehouse database, so that a run killed mid-step resumes.

LangGraph's Postgres checkpointer (`langgraph-checkpoint-postgres`, over psycopg 3) keeps each
object's graph state after every node, in its own schema of the warehouse. A thread is one
object's graph for one input (`thread_id`): a re-run after a kill finds the objects that finished
(their final state: nothing is asked again) and those cut off mid-graph (resumed from their last
node). The threads of a run that completes are deleted, so a later run starts afresh and only
the response cache (agents/response_cache.py) spares it requests.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from psycopg2 import sql

from migrator_pipeline.warehouse.connection import connect

if TYPE_CHECKING:
    from langgraph.checkpoint.postgres import PostgresSaver

CHECKPOINT_SCHEMA = "migrator_llm_checkpoints"


@contextmanager
def postgres_checkpointer(warehouse_url: str, schema: str = CHECKPOINT_SCHEMA) -> Iterator[PostgresSaver]:
    # imported when the step runs: the code location loads fast without it (bench_definitions_load.py)
    import psycopg
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row

    with connect(warehouse_url) as conn, conn.cursor() as cur:
        cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
        conn.commit()
    # the saver's own tables go to `schema`: its SQL names them unqualified
    with psycopg.connect(warehouse_url, autocommit=True, prepare_threshold=0, row_factory=dict_row,
                         options=f"-c search_path={schema}") as conn:
        saver = PostgresSaver(conn)
        saver.setup()
        yield saver


def thread_id(project: str, name: str, *inputs: str) -> str:
    """One object's graph for one input: any change to it (T-SQL, model, prompts) is a new thread."""
    digest = hashlib.sha256(json.dumps(list(inputs), ensure_ascii=False).encode("utf-8")).hexdigest()[:24]
    return f"{project}:{name}:{digest}"
