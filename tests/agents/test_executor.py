"""The executor graph, with the real anthropic client driven through a mocked HTTP transport."""

from migrator_pipeline.agents.executor import TranslationContext, build_executor_graph
from migrator_pipeline.planning.model import PlannedModel

CONTEXT = TranslationContext(relations={"dbo.orders": "{{ source('dbo', 'orders') }}"})
# a statement the rules refuse: models are single SELECTs, never DML
NOT_A_SELECT = PlannedModel(name="m", layer="marts", materialized="table", origin="dbo.usp_x",
                            tsql="UPDATE dbo.Orders SET Qty = 0")


def _run(model, llm):
    return build_executor_graph(CONTEXT, llm).invoke({"model": model, "attempts": 0, "llm_attempts": 0})


def test_rules_failure_without_llm_is_reported_not_raised():
    final = _run(NOT_A_SELECT, None)
    assert final["sql"] is None
    assert final["attempts"] == 1
    assert "select" in final["error"].lower()


def test_staging_sql_is_taken_as_generated():
    model = PlannedModel(name="stg", layer="staging", materialized="view", origin="dbo.orders", tsql="",
                         sql="select\n    id\nfrom {{ source('dbo', 'orders') }}")
    final = _run(model, None)
    assert (final["sql"], final["method"], final["valid"]) == (model.sql, "rules", True)


def test_the_source_collation_decides_case_sensitivity():
    from migrator_pipeline.agents.executor import translation_context
    from migrator_pipeline.catalog.model import Catalog, Column, SourceObject
    from migrator_pipeline.planning.model import MigrationPlan
    from migrator_pipeline.tsql.translate import translate_select

    table = SourceObject("dbo", "People", "table", columns=[Column("Name", "varchar(20)")])
    plan = MigrationPlan("p", "p_raw", relations={"dbo.people": "{{ ref('people') }}"})
    query = "SELECT Name FROM dbo.People WHERE Name = 'ada'"
    for collation, expected in [("SQL_Latin1_General_CP1_CI_AS", "lower(rtrim(name))"),
                                ("Latin1_General_100_CS_AS", "where\n  rtrim(name) = 'ada'")]:
        context = translation_context(plan, Catalog("x", objects=[table], collation=collation))
        sql = translate_select(query, relations=context.relations, column_types=context.column_types,
                               case_sensitive=context.case_sensitive)
        assert expected in sql, sql


def test_views_are_typed_in_the_plans_dependency_order():
    """A view over a view keeps its types: AVG of an int column read through two views is an int."""
    from migrator_pipeline.agents.executor import translation_context
    from migrator_pipeline.catalog.model import Catalog, Column, SourceObject
    from migrator_pipeline.planning.model import MigrationPlan

    table = SourceObject("dbo", "Scores", "table", columns=[Column("Score", "int"), Column("Name", "nvarchar(20)")])
    views = [PlannedModel(name="v_scores", layer="marts", materialized="view", origin="dbo.v_scores",
                          tsql="SELECT Score, Name AS Who FROM dbo.Scores"),
             PlannedModel(name="v_average", layer="marts", materialized="view", origin="dbo.v_average",
                          tsql="SELECT Who, AVG(Score) AS Average FROM dbo.v_scores GROUP BY Who")]
    plan = MigrationPlan("p", "p_raw", models=views)
    context = translation_context(plan, Catalog("x", objects=[table]))
    assert context.column_types["dbo.v_scores"] == {"score": "int", "who": "nvarchar(20)"}
    assert context.column_types["dbo.v_average"] == {"who": "nvarchar(20)", "average": "int"}


def test_procedural_code_without_the_llm_needs_review_with_its_reason():
    from migrator_pipeline.agents.executor import draft_models
    from migrator_pipeline.catalog.model import Catalog
    from migrator_pipeline.planning.model import MigrationPlan, PlannedModel

    loop = "DECLARE @i int = 1; WHILE @i <= 3 BEGIN INSERT INTO dbo.N VALUES (@i); SET @i += 1; END"
    plan = MigrationPlan("p", "p_raw", models=[PlannedModel(
        "n", "marts", "table", "dbo.fill", loop, "dbo.n", procedural="WHILE loop: row-by-row logic")])
    [draft] = draft_models(plan, Catalog("x")).models
    assert (draft.ok, draft.needs_review, draft.method, draft.attempts) == (False, True, "none", 1)
    assert draft.error == "WHILE loop: row-by-row logic (the LLM is off)"
