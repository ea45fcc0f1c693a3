"""A run whose LLM work the assessment estimates over the project's budget refuses to start it:
the draft step fails in Dagster with one line, before any request, and `migrator migrate` exits 2
with that line on stderr."""

from http.server import BaseHTTPRequestHandler

import pytest

from migrator_pipeline.cli import main
from mock_api import loopback_api

pytestmark = pytest.mark.slow
ESTATE = """
CREATE TABLE dbo.Numbers (N int NOT NULL PRIMARY KEY);
GO
CREATE PROCEDURE dbo.FillNumbers AS
DECLARE @i int = 1;
WHILE @i <= 5 BEGIN INSERT INTO dbo.Numbers (N) VALUES (@i); SET @i = @i + 1; END
GO
"""


class Api(BaseHTTPRequestHandler):
    requests = 0

    def do_POST(self):  # noqa: N802
        type(self).requests += 1
        self.send_response(500)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_an_estimate_over_the_budget_refuses_the_run_before_any_request(migrator_home, tmp_path, capsys):
    from dagster import DagsterEventType, DagsterInstance, RunsFilter

    (tmp_path / "estate.sql").write_text(ESTATE)
    with loopback_api(Api, "sk-ant-refusal-test", MIGRATOR_LLM_BUDGET_TOKENS="500"):
        status = main(["migrate", str(tmp_path), "--project", "llm_refused"])
    stderr = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert Api.requests == 0
    # the procedure's estimate: 420 tokens of conventions and task, 35 of T-SQL, a 600-token reply
    assert stderr[-1] == ("migrator: error: refusing to start the LLM work: the assessment's estimated 1055 "
                          "tokens exceed the budget (500 left) for 1 object; nothing was spent: raise the "
                          "budget or set MIGRATOR_LLM_PROCEED=1 to spend up to the budget anyway")
    instance = DagsterInstance.get()
    [run] = instance.get_runs(RunsFilter(tags={"dagster/partition": "llm_refused"}), limit=1)
    [step] = instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_FAILURE)
    assert step.step_key == "draft_models"
    assert step.dagster_event.step_failure_data.user_failure_data.description == stderr[-1].removeprefix(
        "migrator: error: ")
