"""Loading the code location imports nothing that only the steps need when they run.

The Dagster webserver, the daemon and every run load the code location; the LLM client, the
agents' graphs and their checkpointer are imported inside the steps that use them
(benchmarks/bench_definitions_load.py measures what they cost). A module-level import of any of
them again would put its seconds back into every load, silently: this test says which one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from migrator_pipeline.settings import REPO_ROOT

# imported when a step runs, never when the code location loads: the SDK and its transport
# (agents/llm.py, defs/resources.py), LangGraph and what it brings (agents/executor.py,
# agents/rebuilder.py), its Postgres checkpointer over psycopg 3 (agents/checkpoints.py), and the
# GraphQL client that asks for a reload (defs/code_location.py)
RUN_TIME_ONLY = ("anthropic", "httpx2", "langgraph", "langchain_core", "langsmith", "psycopg",
                 "psycopg_pool", "dagster_graphql")

LOAD = """
import json, sys
import migrator_pipeline.definitions as definitions
definitions.defs.resolve_asset_graph()
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_loading_the_code_location_imports_no_run_time_only_library(tmp_path):
    env = {**os.environ, "MIGRATOR_HOME": str(tmp_path)}  # no project: the imports alone
    result = subprocess.run([sys.executable, "-c", LOAD], cwd=REPO_ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    imported = set(json.loads(result.stdout.splitlines()[-1]))
    assert "dagster_dbt" in imported  # the load itself happened
    assert imported.isdisjoint(RUN_TIME_ONLY), sorted(imported & set(RUN_TIME_ONLY))
