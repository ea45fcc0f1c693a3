from migrator_pipeline.catalog.model import Catalog, Finding, SourceObject
from migrator_pipeline.dbt_project.results import BuildReport, NodeResult
from migrator_pipeline.drafts import DraftMacro, DraftModel, Drafts, LlmUsage, RepairOutcome
from migrator_pipeline.evaluation.data_match import DataMatch, DataValidation
from migrator_pipeline.evaluation.report import passed_summary, render_evaluation
from migrator_pipeline.evaluation.scorecard import evaluate
from migrator_pipeline.planning.model import MigrationPlan, PlanEntry, PlannedModel, PlannedSource
from migrator_pipeline.warehouse.loading import LoadedTable, LoadReport


def _inputs():
    catalog = Catalog("x", objects=[
        SourceObject("dbo", "Orders", "table"), SourceObject("dbo", "vOrders", "view"),
        SourceObject("dbo", "vBroken", "view"), SourceObject("dw", "usp_Load", "procedure"),
        SourceObject("dbo", "fn_Net", "function"), SourceObject("dbo", "trg_x", "trigger"),
    ])
    model = lambda name, origin, layer="marts": PlannedModel(name, layer, "view", origin, "")
    plan = MigrationPlan(
        project="p", raw_schema="p_raw",
        sources=[PlannedSource("dbo.orders", "dbo", "orders", "dbo__orders")],
        models=[model("stg_dbo__orders", "dbo.orders", "staging"), model("vorders", "dbo.vorders"),
                model("vbroken", "dbo.vbroken"), model("fact", "dw.usp_load")],
        entries=[
            PlanEntry("dbo.orders", "dbo.Orders", "table", "source", ["stg_dbo__orders"]),
            PlanEntry("dbo.vorders", "dbo.vOrders", "view", "model", ["vorders"]),
            PlanEntry("dbo.vbroken", "dbo.vBroken", "view", "model", ["vbroken"]),
            PlanEntry("dw.usp_load", "dw.usp_Load", "procedure", "model", ["fact"]),
            PlanEntry("dbo.fn_net", "dbo.fn_Net", "function", "macro", []),
            PlanEntry("dbo.trg_x", "dbo.trg_x", "trigger", "needs_review", [], "triggers need a person"),
        ],
        relations={"dbo.orders": "{{ ref('stg_dbo__orders') }}"},
    )
    drafts = Drafts("p", models=[
        DraftModel("stg_dbo__orders", "dbo.orders", "select 1", "rules", 1),
        DraftModel("vorders", "dbo.vorders", "select 1", "rules", 1),
        DraftModel("vbroken", "dbo.vbroken", None, "none", 1, "unknown relation dbo.nope"),
        DraftModel("fact", "dw.usp_load", "select 1", "llm", 2, usage=LlmUsage(100, 50, 0.01)),
    ], macros=[DraftMacro("fn_net", "dbo.fn_net", ["qty"], "{{ qty }} * 2", "rules")])
    node = lambda name, status, kind="model", to=None: NodeResult(f"{kind}.p.{name}", name, kind, status,
                                                                 attached_to=to)
    report = BuildReport([
        node("stg_dbo__orders", "success"), node("vorders", "success"), node("fact", "success"),
        node("not_null_orders_id", "pass", "test", "dbo.orders"),
        node("unique_fact_id", "fail", "test", "fact"),
    ], {"stg_dbo__orders": 5, "vorders": 5, "fact": 4})
    load = LoadReport([LoadedTable("dbo.Orders", "p_raw.dbo__orders", 5)], [])
    return catalog, plan, drafts, report, load


def test_statuses_come_from_evidence_only():
    catalog, plan, drafts, report, load = _inputs()
    evaluation = evaluate(catalog, plan, drafts, report, [], load)
    by_source = {o.source: o for o in evaluation.objects}
    assert {s: (o.status, o.method) for s, o in by_source.items()} == {
        "dbo.Orders": ("passed", "rules"),
        "dbo.vOrders": ("passed", "rules"),
        "dbo.vBroken": ("failed", "none"),
        "dw.usp_Load": ("failed", "llm"),
        "dbo.fn_Net": ("passed", "rules"),
        "dbo.trg_x": ("needs_review", "none"),
    }
    assert by_source["dbo.vBroken"].reason == "vbroken: unknown relation dbo.nope"
    assert by_source["dw.usp_Load"].reason == "fact: dbt test unique_fact_id failed: None"
    assert by_source["dbo.Orders"].model_results[0].tests_passed == 1
    assert by_source["dbo.vOrders"].models == [{"name": "vorders", "relation": "p.vorders"}]
    summary = evaluation.summary
    assert summary["by_status"] == {"passed": 3, "failed": 2, "needs_review": 1, "skipped": 0}
    assert summary["success_rate"] == 0.5
    assert summary["llm"] == {"input_tokens": 100, "output_tokens": 50, "tokens": 150, "cost_usd": 0.01}
    assert summary["by_kind"]["view"] == {"passed": 1, "failed": 1, "needs_review": 0, "skipped": 0}


def test_a_repair_turns_failure_into_pass_and_counts_attempts():
    catalog, plan, drafts, report, load = _inputs()
    report = report.merge(BuildReport([NodeResult("test.p.unique_fact_id", "unique_fact_id", "test", "pass",
                                                  attached_to="fact")]))
    repairs = [RepairOutcome("fact", True, 1, ["string_plus"])]
    evaluation = evaluate(catalog, plan, drafts, report, repairs, load)
    fact = next(o for o in evaluation.objects if o.source == "dw.usp_Load")
    assert (fact.status, fact.attempts, fact.repairs) == ("passed", 3, ["string_plus"])


def test_failed_load_fails_the_source():
    catalog, plan, drafts, report, _ = _inputs()
    load = LoadReport([LoadedTable("dbo.Orders", "p_raw.dbo__orders", 0, "bad date")], [])
    orders = evaluate(catalog, plan, drafts, report, [], load).objects[0]
    assert (orders.status, orders.reason) == ("failed", "raw data did not load: bad date")


def test_markdown_lists_failures_first():
    catalog, plan, drafts, report, load = _inputs()
    markdown = render_evaluation(evaluate(catalog, plan, drafts, report, [], load))
    assert "**3 of 6 objects passed: 0 verified by rows, 2 built and tested only, 1 without evidence** (success rate 50%" in markdown
    rows = [line for line in markdown.splitlines() if line.startswith("| dbo.") or line.startswith("| dw.")]
    assert rows[0].startswith("| dbo.vBroken | view | failed |")
    assert "| view | 1 | 1 | 0 | 0 |" in markdown


def _validation():
    differs = DataMatch("dbo.vOrders", "vorders", "p.vorders", "expected/dbo.vOrders.csv", False, ["ID", "Name"],
                        expected_rows=3, actual_rows=4, missing=1, unexpected=2,
                        missing_rows=[{"ID": "1", "Name": "a"}],
                        unexpected_rows=[{"ID": "2", "Name": None}, {"ID": "3", "Name": "x|y"}])
    matched = DataMatch("dw.Fact", "fact", "p.fact", "expected/dw.Fact.csv", True, ["ID"], 4, 4)
    return DataValidation([], [differs, matched], [Finding("warning", "expected rows for dbo.vNope, which is "
                                                           "not in the source, skipped", "expected/dbo.vNope.csv")])


def test_rows_that_differ_from_sql_server_fail_an_object_that_built_and_tested():
    catalog, plan, drafts, report, load = _inputs()
    report = report.merge(BuildReport([NodeResult("test.p.unique_fact_id", "unique_fact_id", "test", "pass",
                                                  attached_to="fact")]))
    evaluation = evaluate(catalog, plan, drafts, report, [], load, _validation())
    by_source = {o.source: o for o in evaluation.objects}
    assert {s: (o.status, o.data) for s, o in by_source.items()} == {
        "dbo.Orders": ("passed", "not compared"),
        "dbo.vOrders": ("failed", "differs"),
        "dbo.vBroken": ("failed", "not compared"),
        "dw.usp_Load": ("passed", "matched"),  # the procedure produces dw.Fact, whose rows matched
        "dbo.fn_Net": ("passed", "not compared"),
        "dbo.trg_x": ("needs_review", "not compared"),
    }
    assert by_source["dbo.vOrders"].reason == "data differs from SQL Server: 1 missing, 2 unexpected rows"
    assert by_source["dbo.vOrders"].data_match == {
        "compared": True, "matched": False, "expected_rows": 3, "actual_rows": 4, "missing": 1, "unexpected": 2,
        "against": [{"source": "dbo.vOrders", "origin": "expected/dbo.vOrders.csv", "model": "vorders"}],
        "missing_rows": [{"ID": "1", "Name": "a"}],
        "unexpected_rows": [{"ID": "2", "Name": None}, {"ID": "3", "Name": "x|y"}],
        "reason": None, "type_differences": [],
    }
    assert by_source["dbo.Orders"].data_match == {"compared": False, "matched": None, "expected_rows": None,
                                                  "actual_rows": None, "missing": None, "unexpected": None}
    summary = evaluation.summary
    assert (summary["data_compared"], summary["data_matched"]) == (2, 1)
    assert summary["by_status"] == {"passed": 3, "failed": 2, "needs_review": 1, "skipped": 0}
    contract = evaluation.to_dict()["objects"][1]
    assert {"source", "kind", "status", "method", "attempts", "models", "reason", "data", "data_match"} <= set(contract)
    assert contract["models"] == [{"name": "vorders", "relation": "p.vorders"}]


def test_a_build_failure_stays_the_reason_when_the_data_also_differs():
    catalog, plan, drafts, report, load = _inputs()
    fact = next(o for o in evaluate(catalog, plan, drafts, report, [], load, _validation()).objects
                if o.source == "dw.usp_Load")
    assert (fact.status, fact.reason, fact.data) == ("failed", "fact: dbt test unique_fact_id failed: None", "matched")


def test_a_missing_column_fails_with_its_reason():
    catalog, plan, drafts, report, load = _inputs()
    missing = DataMatch("dbo.vOrders", "vorders", "p.vorders", "expected/dbo.vOrders.csv", False, ["Total"], 2,
                        reason="the model has no column Total (total)")
    orders = next(o for o in evaluate(catalog, plan, drafts, report, [], load, DataValidation([], [missing], [])).objects
                  if o.source == "dbo.vOrders")
    assert (orders.status, orders.reason) == (
        "failed", "data differs from SQL Server: dbo.vOrders: the model has no column Total (total)")


def test_markdown_has_a_data_validation_section_with_the_rows_that_differ():
    catalog, plan, drafts, report, load = _inputs()
    validation = _validation()
    markdown = render_evaluation(evaluate(catalog, plan, drafts, report, [], load, validation), validation)
    section = markdown[markdown.index("## Data validation"):]
    assert section == """## Data validation

1 of 2 compared objects return the same rows as SQL Server (compared as multisets: order ignored, duplicates counted).

| object | model | expected from | SQL Server rows | model rows | result |
|---|---|---|---:|---:|---|
| dbo.vOrders | p.vorders | expected/dbo.vOrders.csv | 3 | 4 | differs: 1 missing, 2 unexpected |
| dw.Fact | p.fact | expected/dw.Fact.csv | 4 | 4 | matched |

### dbo.vOrders

Missing from `p.vorders` (SQL Server returns them): 1 row; unexpected (only the model returns them): 2 rows.

| difference | ID | Name |
|---|---|---|
| missing | 1 | a |
| unexpected | 2 | NULL |
| unexpected | 3 | x\\|y |

### Findings

- warning: expected rows for dbo.vNope, which is not in the source, skipped (`expected/dbo.vNope.csv`)
"""


def test_markdown_says_when_nothing_was_compared():
    catalog, plan, drafts, report, load = _inputs()
    markdown = render_evaluation(evaluate(catalog, plan, drafts, report, [], load))
    assert markdown.endswith("## Data validation\n\nNo expected results: no model's rows were compared with SQL "
                             "Server's. Put `expected/<schema>.<object>.csv` files beside the scripts, or migrate "
                             "from a live server.\n")


def test_a_snapshot_that_built_passes():
    catalog = Catalog("x", objects=[SourceObject("dw", "usp_History", "procedure")])
    plan = MigrationPlan("p", "p_raw", models=[
        PlannedModel("dimcustomer_history", "marts", "snapshot", "dw.usp_history", "", resource="snapshot")],
        entries=[PlanEntry("dw.usp_history", "dw.usp_History", "procedure", "snapshot", ["dimcustomer_history"])])
    drafts = Drafts("p", [DraftModel("dimcustomer_history", "dw.usp_history", "select 1", "rules", 1)])
    report = BuildReport([NodeResult("snapshot.p.dimcustomer_history", "dimcustomer_history", "snapshot", "success")])
    [score] = evaluate(catalog, plan, drafts, report, [], None).objects
    assert (score.status, score.models) == (
        "passed", [{"name": "dimcustomer_history", "relation": "p.dimcustomer_history"}])


# ---------------------------------------------------------------- evidence levels

def test_each_object_says_what_its_pass_rests_on():
    catalog, plan, drafts, report, load = _inputs()
    report = report.merge(BuildReport([NodeResult("test.p.unique_fact_id", "unique_fact_id", "test", "pass",
                                                  attached_to="fact")]))
    evaluation = evaluate(catalog, plan, drafts, report, [], load, _validation())
    assert {o.source: (o.status, o.evidence) for o in evaluation.objects} == {
        "dbo.Orders": ("passed", "built_and_tested"),  # loaded and staged, no reference rows
        "dbo.vOrders": ("failed", "none"),  # its rows differ
        "dbo.vBroken": ("failed", "none"),
        "dw.usp_Load": ("passed", "rows_matched"),  # dw.Fact's rows equal SQL Server's
        "dbo.fn_Net": ("passed", "none"),  # a macro no built model calls: nothing tested it
        "dbo.trg_x": ("needs_review", "none"),
    }
    assert evaluation.summary["passed_by_evidence"] == {"rows_matched": 1, "built_and_tested": 1, "none": 1}
    contract = {o["source"]: o for o in evaluation.to_dict()["objects"]}
    assert contract["dw.usp_Load"]["evidence"] == "rows_matched"
    assert contract["dbo.Orders"]["model_results"][0]["name"] == "stg_dbo__orders"


def test_a_macro_rests_on_the_models_that_call_it():
    catalog, plan, drafts, report, load = _inputs()
    drafts.models[1].sql = "select {{ fn_net('qty') }} as net from {{ ref('stg_dbo__orders') }}"
    fn = next(o for o in evaluate(catalog, plan, drafts, report, [], load).objects if o.source == "dbo.fn_Net")
    assert (fn.status, fn.evidence) == ("passed", "built_and_tested")


def test_rows_count_only_when_every_relation_of_the_object_was_compared():
    catalog, plan, drafts, report, load = _inputs()
    plan.models.append(PlannedModel("fact_two", "marts", "table", "dw.usp_load", "", target="dw.facttwo"))
    plan.entries[3].models.append("fact_two")
    drafts.models.append(DraftModel("fact_two", "dw.usp_load", "select 1", "rules", 1))
    report = report.merge(BuildReport([NodeResult("test.p.unique_fact_id", "unique_fact_id", "test", "pass",
                                                  attached_to="fact"),
                                       NodeResult("model.p.fact_two", "fact_two", "model", "success")]))
    fact = next(o for o in evaluate(catalog, plan, drafts, report, [], load, _validation()).objects
                if o.source == "dw.usp_Load")
    assert (fact.status, fact.data, fact.evidence) == ("passed", "matched", "built_and_tested")


def test_markdown_and_summary_say_how_many_passes_rest_on_rows():
    catalog, plan, drafts, report, load = _inputs()
    report = report.merge(BuildReport([NodeResult("test.p.unique_fact_id", "unique_fact_id", "test", "pass",
                                                  attached_to="fact")]))
    validation = _validation()
    evaluation = evaluate(catalog, plan, drafts, report, [], load, validation)
    assert passed_summary(evaluation.summary) == "3 passed (1 verified by rows, 1 built and tested only, 1 without evidence)"
    markdown = render_evaluation(evaluation, validation)
    assert "**3 of 6 objects passed: 1 verified by rows, 1 built and tested only, 1 without evidence** " in markdown
    assert "| dw.usp_Load | procedure | passed | rows matched | llm |" in markdown
    assert "| dbo.Orders | table | passed | built and tested only | rules |" in markdown
    summary = {"by_status": {"passed": 31}, "passed_by_evidence": {"rows_matched": 12, "built_and_tested": 19,
                                                                   "none": 0}}
    assert passed_summary(summary) == "31 passed (12 verified by rows, 19 built and tested only)"


def test_the_evaluator_step_metadata_counts_passes_by_evidence():
    from migrator_pipeline.defs.assets import evidence_metadata

    summary = {"by_status": {"passed": 31}, "passed_by_evidence": {"rows_matched": 12, "built_and_tested": 19,
                                                                   "none": 0}}
    assert evidence_metadata(summary) == {
        "passed_summary": "31 passed (12 verified by rows, 19 built and tested only)",
        "passed_verified_by_rows": 12, "passed_built_and_tested_only": 19, "passed_without_evidence": 0}


def test_a_raw_copy_short_of_sql_servers_row_count_fails_its_table():
    catalog, plan, drafts, report, load = _inputs()
    short = DataValidation(row_counts={"dbo.orders": 830})
    orders = evaluate(catalog, plan, drafts, report, [], load, short).objects[0]
    assert (orders.status, orders.evidence, orders.reason) == (
        "failed", "none", "the raw copy has 5 rows, SQL Server has 830 (expected/row_counts.csv)")
    same = evaluate(catalog, plan, drafts, report, [], load, DataValidation(row_counts={"dbo.orders": 5})).objects[0]
    assert (same.status, same.evidence) == ("passed", "built_and_tested")


def test_markdown_says_how_many_row_counts_were_compared():
    catalog, plan, drafts, report, load = _inputs()
    validation = DataValidation(row_counts={"dbo.orders": 830})
    markdown = render_evaluation(evaluate(catalog, plan, drafts, report, [], load, validation), validation)
    assert markdown.endswith("Row counts: 1 source table compared with SQL Server's (`expected/row_counts.csv`); "
                             "1 raw copy differs: dbo.Orders.\n")
    assert "| dbo.Orders | table | failed |  | rules | 1 | stg_dbo__orders | the raw copy has 5 rows, SQL Server " \
           "has 830 (expected/row_counts.csv) |" in markdown


def test_a_construct_with_no_postgresql_equivalent_and_no_llm_request_is_needs_review_not_failed():
    # WideWorldImporters' views call DECOMPRESS() and geography methods: no rule writes them and,
    # with the LLM off, nothing was drafted that could fail; a person (or the LLM) has to decide
    catalog, plan, drafts, report, load = _inputs()
    untranslatable = "no PostgreSQL equivalent: DECOMPRESS() is SQL Server's own (line 1, column 8)"
    drafts.models[2] = DraftModel("vbroken", "dbo.vbroken", None, "none", 1, untranslatable)
    vbroken = next(o for o in evaluate(catalog, plan, drafts, report, [], load).objects if o.source == "dbo.vBroken")
    assert (vbroken.status, vbroken.method) == ("needs_review", "none")
    assert vbroken.reason == f"no rule translates it, and the LLM was not asked: {untranslatable}"
    # once the LLM was asked and still gave nothing usable, it is a failure
    drafts.models[2] = DraftModel("vbroken", "dbo.vbroken", None, "none", 2, untranslatable,
                                  usage=LlmUsage(100, 50, 0.01), rejections=["two statements"])
    vbroken = next(o for o in evaluate(catalog, plan, drafts, report, [], load).objects if o.source == "dbo.vBroken")
    assert vbroken.status == "failed"
