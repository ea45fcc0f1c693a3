"""A function that became a macro is reported with the macro's name and the models that call it."""

from migrator_pipeline.catalog.model import Catalog, SourceObject
from migrator_pipeline.dbt_project.results import BuildReport
from migrator_pipeline.drafts import DraftMacro, DraftModel, Drafts
from migrator_pipeline.evaluation.report import render_evaluation
from migrator_pipeline.evaluation.scorecard import evaluate, macro_callers
from migrator_pipeline.planning.model import MigrationPlan, PlanEntry, PlannedMacro

DRAFTS = Drafts("p", models=[
    DraftModel("factsales", "dw.usp_load", "select {{ fn_net('ol.q', 'ol.p') }} as net from t as ol", "rules"),
    DraftModel("totals", "dbo.vw_totals", "select sum({{ fn_net('q', {{ fn_one() }}) }}) as n from t", "rules"),
    DraftModel("other", "dbo.vw_other", "select 'fn_net(' as text_only from t", "rules"),
], macros=[DraftMacro("fn_net", "dbo.fn_net", ["q", "p"], "{{ q }} * {{ p }}", "rules"),
           DraftMacro("fn_gross", "dbo.fn_gross", ["q"], "{{ fn_net(q, 1) }} * 1.25", "rules")])


def test_the_callers_of_a_macro_are_the_models_and_macros_whose_jinja_calls_it():
    # `totals` does not parse as Jinja (a `{{` inside an expression): it calls nothing that can be known
    assert macro_callers("fn_net", DRAFTS) == ["factsales", "fn_gross"]


def test_the_report_names_the_macro_and_where_it_is_used():
    function = SourceObject("dbo", "fn_Net", "function")
    plan = MigrationPlan("p", "p_raw", macros=[PlannedMacro("fn_net", "dbo.fn_net", ["q", "p"], "@q * @p")],
                         entries=[PlanEntry("dbo.fn_net", "dbo.fn_Net", "function", "macro", ["fn_net"])])
    evaluation = evaluate(Catalog("x", objects=[function]), plan, DRAFTS, BuildReport(), [], None)
    [score] = evaluation.objects
    assert score.macro == {"name": "fn_net", "used_by": ["factsales", "fn_gross"]}
    assert score.models == []  # evaluation.json's models are built relations; a macro is none
    assert "| macro fn_net, used by factsales, fn_gross |" in render_evaluation(evaluation)
