"""Source text never runs: what the writer puts in a dbt file renders, under Jinja, as itself."""

import jinja2
import yaml
from dbt_common.clients.jinja import get_environment
from hypothesis import given
from hypothesis import strategies as st

from migrator_pipeline.catalog.model import Catalog, Column, SourceObject
from migrator_pipeline.dbt_project.jinja_sql import (
    TRUSTED_CALLS, inert, jinja_comment, neutralise_sql, protect, single_select_error)
from migrator_pipeline.dbt_project.writer import render_macro, render_model, write_dbt_project
from migrator_pipeline.drafts import DraftMacro, DraftModel, Drafts
from migrator_pipeline.planning.model import MigrationPlan, PlannedModel, PlannedSource

HOSTILE = ["{{", "{%", "{#", "{", "a{", "{{{", "}}", "#}", "-#}", "{% raw %}", "{% endraw %}",
           "{{ env_var('ANTHROPIC_API_KEY') }}", '{{ run_query("drop schema canary cascade") }}',
           "{%- raw -%}{{ x }}{%- endraw -%}", "{# #} #}", "{{ '{' }}"]


def _render(template: str, **context) -> str:
    """Jinja as dbt runs it, with dbt's functions as recorders: the output shows what ran."""
    functions = {name: (lambda *args, _n=name: f"<{_n}{args}>")
                 for name in ("ref", "source", "var", "env_var", "run_query", "fn_x")}
    return get_environment().from_string(template).render({**functions, **context})


@given(st.text(alphabet=st.sampled_from(list("{}%#-'\" \\x\n\r")) | st.characters(), max_size=40))
def test_inert_text_renders_as_itself(text):
    assert _render(inert(text)) == text


def test_literals_comments_and_quoted_names_render_as_written():
    for text in HOSTILE:
        literal, quoted = text.replace("'", "''"), text.replace('"', '""')
        sql = (f"select '{literal}' as a, E'\\' {literal}' as b, \"{quoted}\" as c, "
               f"$q${text}$q$ as d -- {text}\n/* {text} */ from t")
        assert _render(neutralise_sql(sql)) == sql


def test_our_own_jinja_runs_and_nothing_else_does():
    sql = ("select {{ fn_x('\\'}}\\'' ~ ref('m')) }}, {{ var('p', 'null') }}\n"
           "from {{ ref('a') }} join {{ source('dbo', 't') }} on {{ env_var('K') }} = {{ ref(env_var('K')) }}\n"
           "{% if is_incremental() %} where x > (select max(x) from {{ this }}) {% endif %}"
           "{% set x = run_query('drop schema canary cascade') %}{{ ref('a').__class__ }}{{ ref('a', x=1) }}")
    rendered = _render(neutralise_sql(sql, TRUSTED_CALLS | {"fn_x"}), this="<this>",
                       is_incremental=lambda: False)
    assert rendered == (
        "select <fn_x(\"'}}'<ref('m',)>\",)>, <var('p', 'null')>\n"
        "from <ref('a',)> join <source('dbo', 't')> on {{ env_var('K') }} = {{ ref(env_var('K')) }}\n"
        "{% set x = run_query('drop schema canary cascade') %}{{ ref('a').__class__ }}{{ ref('a', x=1) }}")


def test_a_name_cannot_close_the_jinja_comment_it_sits_in():
    for name in ["dbo.fn_#}{{ run_query('x') }}", "dbo.x -#}", "dbo.##}}"]:
        assert _render(jinja_comment(f"Migrated from {name}") + "after") == "after"
    macro = DraftMacro("fn_x", "dbo.fn_#} {% macro generate_schema_name() %}", ["a"],
                       "'{{ a }}' || {{ a }}", "rules")
    rendered = jinja2.Environment().from_string(render_macro(macro)).module.fn_x("1")
    assert str(rendered) == "('{{ a }}' || 1)"


def test_every_string_of_the_properties_files_renders_as_itself(tmp_path):
    table = SourceObject("dbo", "select", "table", description="{% raw %} {{ unbalanced: [yaml",
                         columns=[Column("{{ env_var('ANTHROPIC_API_KEY') }}", "int"),
                                  Column("from", "int", nullable=False)], primary_key=["from"])
    plan = MigrationPlan("p", "p_raw", sources=[PlannedSource("dbo.select", "dbo", "select", "dbo__select")],
                         models=[PlannedModel("m", "marts", "view", "dbo.v", "", description="{# x #} {{")])
    write_dbt_project(tmp_path, plan, Drafts("p", [DraftModel("m", "dbo.v", "select 1 as a", "rules")]),
                      Catalog("x", objects=[table]))
    for path in tmp_path.rglob("*.yml"):
        if path.name == "dbt_project.yml" or path.name == "profiles.yml":
            continue
        document = yaml.safe_load(path.read_text())
        strings = _strings(document)
        assert strings and all("{{ '{' }}" not in _render(s) for s in strings)
    [source] = yaml.safe_load((tmp_path / "models/staging/dbo/_dbo__sources.yml").read_text())["sources"]
    table_doc = source["tables"][0]
    assert _render(table_doc["description"]) == "{% raw %} {{ unbalanced: [yaml"
    assert _render(table_doc["columns"][0]["description"]) == (
        "SQL Server `{{ env_var('ANTHROPIC_API_KEY') }}` int.")
    # a reserved word is quoted wherever dbt writes it into SQL
    assert table_doc["columns"][1] == {"name": "from", "description": "SQL Server `from` int.",
                                       "quote": True, "data_type": "integer",
                                       "data_tests": ["unique", "not_null"]}
    marts = yaml.safe_load((tmp_path / "models/marts/_marts__models.yml").read_text())
    assert _render(marts["models"][0]["description"]) == (
        "{# x #} {{ From dbo.v in SQL Server; planner rule: none recorded; drafted by the rules "
        "(sqlglot and the semantic rewrites).")


def test_config_keys_that_are_reserved_words_are_quoted():
    planned = PlannedModel("t", "marts", "incremental", "dbo.p", "", unique_key=["end", "id"])
    assert render_model(planned, "select 1 as id").startswith(
        "{{ config(materialized='incremental', unique_key=['\"end\"', 'id']) }}")


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def test_jinja_inside_comments_and_literals_is_not_taken_for_ours():
    sql = "select 1 as a /* {{ x */, '}}' as b from {{ ref('t') }} -- {{ y\n"
    parseable, restore = protect(sql)
    assert parseable == "select 1 as a /* {{ x */, '}}' as b from __jinja_0__ -- {{ y\n"
    assert restore(parseable) == sql
    assert single_select_error(sql) is None
    assert single_select_error("select 1 /* never closed") is not None  # an error, not an exception
