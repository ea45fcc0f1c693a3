"""A run whose LLM work the assessment estimates over the project's budget refuses to start it:
the draft step fails in Dagster with one line, before any request, and `migrator migrate` exits 2
with that line on stderr."""

from http.server import BaseHTTPRequestHandler

import pytest

from migrator_pipeline.cli import main
from mock_api import TopicApi, loopback_api

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


# a re-run estimates only the models it drafts: the drafts of unchanged models are taken as they
# are (fingerprints.py) and ask the LLM nothing. The steps up to the drafts, in real Dagster.
TABLES = """
CREATE TABLE dbo.Numbers (N int NOT NULL PRIMARY KEY);
GO
CREATE TABLE dbo.Squares (N int NOT NULL PRIMARY KEY, Square int NOT NULL);
GO
CREATE VIEW dbo.SmallNumbers AS SELECT N FROM dbo.Numbers WHERE N < 3;
GO
CREATE PROCEDURE dbo.FillNumbers AS
DECLARE @i int = 1;
WHILE @i <= 5 BEGIN INSERT INTO dbo.Numbers (N) VALUES (@i); SET @i = @i + 1; END
GO
"""
SET_BASED = """CREATE PROCEDURE dbo.FillSquares AS
INSERT INTO dbo.Squares (N, Square) SELECT N, N * N FROM dbo.Numbers;
"""
LOOPING = """CREATE PROCEDURE dbo.FillSquares AS
DECLARE @i int = 1;
WHILE @i <= 5 BEGIN INSERT INTO dbo.Squares (N, Square) VALUES (@i, @i * @i); SET @i = @i + 1; END
"""
# the same loop grown over the budget by a comment
GROWN = LOOPING.replace("AS\n", f"AS\n-- {'why the squares are filled one by one ' * 80}\n")
REWRITES = {"Target: dbo.numbers": "SELECT 1 AS N UNION ALL SELECT 2",
            "Target: dbo.squares": "SELECT 1 AS N, 1 AS Square UNION ALL SELECT 2, 4"}
BUDGET = 1500  # one loop's estimate fits, two do not


class Rewrites(TopicApi):
    prompts: list = []
    rewrites = REWRITES


def test_a_rerun_estimates_only_the_models_it_drafts(migrator_home, warehouse_url, tmp_path):
    import dagster as dg

    from migrator_pipeline.assessment import Assessment
    from migrator_pipeline.defs.assets import assessment, draft_models, migration_plan, source_catalog
    from migrator_pipeline.defs.resources import LlmResource, WarehouseResource
    from migrator_pipeline.project_files import ProjectFiles
    from test_source_config import source_config

    project = "llm_estimate_rerun"
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("migration_projects", [project])
    llm = LlmResource(enabled=True, api_key="sk-ant-rerun-test", budget_tokens=BUDGET, concurrency=1)
    resources = {"warehouse": WarehouseResource(url=warehouse_url), "llm": llm}

    def migrate(estate: str) -> tuple[str | None, list[str], dict[str, int]]:
        """The steps up to the drafts of `estate`: the refusal (None: drafted), the prompts sent
        and the assessment's tokens by object."""
        (tmp_path / "estate.sql").write_text(estate)
        asked = len(Rewrites.prompts)
        result = dg.materialize([source_catalog, assessment, migration_plan, draft_models], partition_key=project,
                                instance=instance, resources=resources, raise_on_error=False,
                                run_config=source_config(str(tmp_path)))
        failures = [e.step_failure_data.user_failure_data for e in result.all_events if e.is_step_failure]
        assert result.success or failures, "neither drafted nor refused"
        assessed = Assessment.load(ProjectFiles(project).path("assessment.json"))
        return (failures[0].description if failures else None), Rewrites.prompts[asked:], {
            o.source: o.llm_tokens for o in assessed.objects if o.llm_tokens}

    with loopback_api(Rewrites, "sk-ant-rerun-test"):
        refusal, prompts, tokens = migrate(TABLES + SET_BASED)
        assert refusal is None and prompts and all("Target: dbo.numbers" in p for p in prompts)
        assert list(tokens) == ["dbo.FillNumbers"]
        # one model changed, into a loop grown over the budget: refused by its estimate alone
        refusal, prompts, tokens = migrate(TABLES + GROWN)
        assert prompts == []
        assert tokens["dbo.FillSquares"] > BUDGET > tokens["dbo.FillNumbers"]
        assert refusal == (f"refusing to start the LLM work: the assessment's estimated "
                           f"{tokens['dbo.FillSquares']} tokens exceed the budget ({BUDGET} left) for 1 "
                           "object; nothing was spent: raise the budget or set MIGRATOR_LLM_PROCEED=1 to "
                           "spend up to the budget anyway")
        # the same loop without the comment: its estimate fits, though the estate's two do not
        refusal, prompts, tokens = migrate(TABLES + LOOPING)
        assert sum(tokens.values()) > BUDGET
        assert refusal is None and prompts and all("Target: dbo.squares" in p for p in prompts)
        # only a view the rules translate changed: nothing for the LLM, nothing refused
        refusal, prompts, tokens = migrate((TABLES + LOOPING).replace("N < 3", "N < 4"))
        assert (refusal, prompts) == (None, [])
        assert sum(tokens.values()) > BUDGET
