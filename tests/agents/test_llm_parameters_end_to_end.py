"""A procedure with parameters whose WHILE loop fills a table, through the whole pipeline with the
LLM on (a loopback Messages API): its parameters become dbt vars with SQL Server's defaults, the
LLM's set-based rewrite keeps them as `@name`, the rules translate it, and dbt builds the rows
the procedure leaves when called with the defaults; other values come in through `--vars`."""

import json
import os
import subprocess
import sys
from http.server import BaseHTTPRequestHandler

import pytest

from migrator_pipeline.cli import main
from migrator_pipeline.project_files import ProjectFiles
from migrator_pipeline.warehouse.connection import connect, dbt_connection_env
from mock_api import answer, loopback_api, message

pytestmark = pytest.mark.slow
ESTATE = """
CREATE TABLE dbo.Numbers (N int NOT NULL PRIMARY KEY, Square int NOT NULL);
GO
CREATE PROCEDURE dbo.FillNumbers @Upto int = 3, @Step int = 1 AS
BEGIN
    DECLARE @i int = 1;
    TRUNCATE TABLE dbo.Numbers;
    WHILE @i <= @Upto
    BEGIN
        INSERT INTO dbo.Numbers (N, Square) VALUES (@i, @i * @i);
        SET @i = @i + @Step;
    END
END
GO
"""
REWRITE = ("WITH n AS (SELECT 1 AS i UNION ALL SELECT i + @Step FROM n WHERE i + @Step <= @Upto)\n"
           "SELECT i AS N, i * i AS Square FROM n")


class Api(BaseHTTPRequestHandler):
    prompts: list = []

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        type(self).prompts.append(body["messages"][0]["content"])
        answer(self, message(f"```sql\n{REWRITE}\n```", body["model"], {"input_tokens": 400, "output_tokens": 50}),
               body.get("stream", False))

    def log_message(self, *args):
        pass


def test_a_procedures_parameters_are_dbt_vars_of_the_llms_model(migrator_home, warehouse_url, tmp_path):
    (tmp_path / "estate.sql").write_text(ESTATE)
    with loopback_api(Api, "sk-ant-params-test"):
        assert main(["migrate", str(tmp_path), "--project", "llm_params"]) == 0
    [prompt] = Api.prompts
    assert "- @Upto int = 3\n- @Step int = 1" in prompt and "WHILE @i <= @Upto" in prompt
    files = ProjectFiles("llm_params")
    evaluation = json.loads(files.path("evaluation.json").read_text())
    procedure = next(o for o in evaluation["objects"] if o["source"] == "dbo.FillNumbers")
    assert (procedure["status"], procedure["method"], procedure["attempts"]) == ("passed", "rules+llm", 2)
    model = (files.dbt_dir / "models" / "marts" / "numbers.sql").read_text()
    assert "{{ var('upto', '3') }}" in model and "{{ var('step', '1') }}" in model
    with connect(warehouse_url) as conn, conn.cursor() as cur:
        cur.execute("select n, square from llm_params.numbers order by n")
        assert cur.fetchall() == [(1, 1), (2, 4), (3, 9)]  # EXEC dbo.FillNumbers: the defaults
    # EXEC dbo.FillNumbers @Upto = 7, @Step = 2, as dbt vars
    dbt = os.path.join(os.path.dirname(sys.executable), "dbt")
    compiled = subprocess.run([dbt, "--no-use-colors", "compile", "--select", "numbers", "--vars",
                               "{upto: 7, step: 2}", "--profiles-dir", "."], cwd=files.dbt_dir,
                              env={**os.environ, **dbt_connection_env(warehouse_url, "llm_params")},
                              capture_output=True, text=True, timeout=300)
    assert compiled.returncode == 0, compiled.stdout[-3000:]
    [sql] = (files.dbt_dir / "target" / "compiled").rglob("numbers.sql")
    with connect(warehouse_url) as conn, conn.cursor() as cur:
        cur.execute(sql.read_text())
        assert sorted(cur.fetchall()) == [(1, 1), (3, 9), (5, 25), (7, 49)]
