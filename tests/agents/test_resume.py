"""A run killed mid-step and started again pays only for what was not answered yet, either way:
graph state checkpointed in the warehouse (langgraph-checkpoint-postgres, psycopg 3), or answers
kept in the warehouse's response cache as they arrive. The real SDK talks HTTP to a loopback
server here (through ANTHROPIC_BASE_URL's `base_url`), because the run is a separate process.
The executor's runs stream their requests (a 60-s timeout is too short for a 4,096-token reply
at the SDK's pace estimate), the rebuilder's do not: a kill loses nothing either way."""

import json
import subprocess
import sys
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mock_api import answer, message

SCRIPT = textwrap.dedent("""
    import sys, anthropic
    from migrator_pipeline.agents.checkpoints import postgres_checkpointer
    from migrator_pipeline.agents.executor import draft_models
    from migrator_pipeline.agents.llm import LlmClient
    from migrator_pipeline.agents.response_cache import PostgresResponseCache
    from migrator_pipeline.catalog.model import Catalog
    from migrator_pipeline.planning.model import MigrationPlan, PlannedModel

    base_url, warehouse, schema, way = sys.argv[1:5]
    loop = "DECLARE @i int = 1; WHILE @i <= 3 BEGIN INSERT INTO dbo.N{0} VALUES (@i); SET @i += 1; END"
    plan = MigrationPlan("p", "p_raw", models=[
        PlannedModel(name=f"n{i}", layer="marts", materialized="table", origin=f"dbo.usp_n{i}",
                     tsql=loop.format(i)) for i in range(5)])
    sdk = anthropic.Anthropic(api_key="sk-ant-test", base_url=base_url, max_retries=0, timeout=60)
    if way == "cache":
        llm = LlmClient(sdk, cache=PostgresResponseCache(warehouse, schema), concurrency=1)
        drafts = draft_models(plan, Catalog("x"), llm)
    else:  # no response cache: only the checkpoints can spare requests
        with postgres_checkpointer(warehouse, schema) as saver:
            drafts = draft_models(plan, Catalog("x"), LlmClient(sdk, concurrency=1), checkpointer=saver)
    assert LlmClient(sdk).streamed  # the requests are streamed
    print(",".join(d.method for d in drafts.models), drafts.usage.requests)
""")


class Api(BaseHTTPRequestHandler):
    seen: list = []
    stall_at: int | None = None
    release = threading.Event()

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        type(self).seen.append(body["messages"][0]["content"])
        if len(self.seen) == self.stall_at:
            self.release.wait(30)  # the run is killed while waiting for this answer
            return
        answer(self, message("```sql\nSELECT 1 AS n UNION ALL SELECT 2\n```", body["model"],
                             {"input_tokens": 900, "output_tokens": 40}), body.get("stream", False))

    def log_message(self, *args):
        pass


@pytest.fixture
def api():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Api.seen = []
    Api.release.clear()  # set by the previous test's teardown
    yield f"http://127.0.0.1:{server.server_address[1]}", Api
    Api.release.set()
    server.shutdown()


@pytest.mark.parametrize("way", ["checkpoints", "cache"])
def test_a_killed_run_resumes_without_re_paying_finished_objects(api, warehouse_url, way):
    url, handler = api
    schema = f"t_llm_resume_{way}"
    handler.stall_at = 3
    run = subprocess.Popen([sys.executable, "-c", SCRIPT, url, warehouse_url, schema, way],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(handler.seen) < 3 and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.1)
    assert len(handler.seen) == 3, run.stderr.read() if run.poll() is not None else "no third request"
    run.kill()
    run.wait()
    first_run = list(handler.seen)

    handler.stall_at = None
    handler.seen = []
    rerun = subprocess.run([sys.executable, "-c", SCRIPT, url, warehouse_url, schema, way],
                           capture_output=True, text=True, timeout=180)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    methods, requests = rerun.stdout.split()
    assert methods == ",".join(["rules+llm"] * 5)
    # objects 0 and 1 were answered before the kill; 2 was in flight; 3 and 4 never asked
    assert len(handler.seen) == 3 and handler.seen[0] == first_run[2]
    from migrator_pipeline.warehouse.connection import connect
    with connect(warehouse_url) as conn, conn.cursor() as cur:
        if way == "checkpoints":
            # the killed run's two answers, restored with their usage, are accounted once, here
            assert int(requests) == 5
            cur.execute(f"select count(*) from {schema}.checkpoints")
            assert cur.fetchone() == (0,)  # a completed run leaves no threads behind
        else:
            assert int(requests) == 3  # answers from the cache cost nothing
        cur.execute(f"drop schema {schema} cascade")
        conn.commit()


REBUILDER_SCRIPT = textwrap.dedent("""
    import sys, anthropic
    from migrator_pipeline.agents.checkpoints import postgres_checkpointer
    from migrator_pipeline.agents.llm import LlmClient
    from migrator_pipeline.agents.rebuilder import repair_models
    from migrator_pipeline.dbt_project.results import BuildReport, NodeResult

    base_url, warehouse, schema = sys.argv[1:4]
    rebuilt = []

    def rebuild(name, sql):  # builds what the LLM wrote, nothing else
        rebuilt.append(name)
        status = "success" if sql.startswith("SELECT 1 AS n") else "error"
        return BuildReport([NodeResult(f"model.p.{name}", name, "model", status, "no such column")])

    failed = {f"m{i}": (f"select nope_{i} from t", f'column "nope_{i}" does not exist') for i in range(5)}
    sdk = anthropic.Anthropic(api_key="sk-ant-test", base_url=base_url, max_retries=0, timeout=600)
    with postgres_checkpointer(warehouse, schema) as saver:
        outcomes, _ = repair_models(failed, rebuild, LlmClient(sdk, concurrency=1), checkpointer=saver,
                                    project="p")
    assert not LlmClient(sdk).streamed  # plain requests
    print(",".join(str(o.passed) for o in outcomes), sum(o.usage.requests for o in outcomes),
          ",".join(rebuilt))
""")


def test_a_killed_rebuilder_resumes_without_asking_again(api, warehouse_url):
    """Killed while the third of five models waits for its repair: the re-run asks only for the
    three unanswered, and rebuilds the two finished repairs (a re-run's dbt project is fresh)."""
    url, handler = api
    schema = "t_llm_resume_rebuilder"
    handler.stall_at = 3
    run = subprocess.Popen([sys.executable, "-c", REBUILDER_SCRIPT, url, warehouse_url, schema],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(handler.seen) < 3 and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.1)
    assert len(handler.seen) == 3, run.stderr.read() if run.poll() is not None else "no third request"
    run.kill()
    run.wait()
    first_run = list(handler.seen)
    assert "nope_2" in first_run[2]

    handler.stall_at = None
    handler.seen = []
    rerun = subprocess.run([sys.executable, "-c", REBUILDER_SCRIPT, url, warehouse_url, schema],
                           capture_output=True, text=True, timeout=180)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    passed, requests, rebuilt = rerun.stdout.split()
    assert passed == ",".join(["True"] * 5)
    assert len(handler.seen) == 3 and handler.seen[0] == first_run[2]  # m2, m3, m4 only
    assert int(requests) == 5  # the killed run's two answers, restored with their usage, counted once
    assert rebuilt == "m0,m1,m2,m3,m4"
    from migrator_pipeline.warehouse.connection import connect
    with connect(warehouse_url) as conn, conn.cursor() as cur:
        cur.execute(f"select count(*) from {schema}.checkpoints")
        assert cur.fetchone() == (0,)  # a completed run leaves no threads behind
        cur.execute(f"drop schema {schema} cascade")
        conn.commit()
