"""Write the generated dbt project: the template, then models, macros, sources and their YAML.

Layout follows dbt's conventions and jaffle-shop's: `models/staging/<source>/` (one model per
source table, renames only, beside `_<source>__sources.yml` and `_<source>__models.yml`),
`models/intermediate` (logic reused by other models) and `models/marts` (what people query),
with one YAML file per folder; `snapshots/` for slowly changing dimensions and `analyses/` for
parameterised queries (their parameters as `{{ var(...) }}`, values written as SQL literals).
Every model's SQL is written through `sql_style.format_model_sql`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from string import Template

from migrator_pipeline.atomic_files import write_text_atomically
from migrator_pipeline.catalog.model import Catalog, SourceObject
from migrator_pipeline.dbt_project.functions import (
    FUNCTIONS_DIR, PROPERTIES_FILE, function_properties, is_database_function, render_function, render_function_macro)
from migrator_pipeline.dbt_project.jinja_sql import (
    TRUSTED_CALLS, TRUSTED_NAMES, inert, jinja_comment, jinja_parses, neutralise_sql, output_columns)
from migrator_pipeline.dbt_project.sql_style import format_model_sql
from migrator_pipeline.dbt_project.yaml_files import yaml_text
from migrator_pipeline.drafts import Drafts
from migrator_pipeline.fingerprints import digest, file_digest, json_digest, tool_fingerprint
from migrator_pipeline.planning.model import MigrationPlan, PlannedCheck, PlannedModel
from migrator_pipeline.settings import REPO_ROOT
from migrator_pipeline.tsql.identifiers import fold_columns, raw_columns, sql_name
from migrator_pipeline.tsql.types import UnknownTypeError, postgres_type

TEMPLATE_DIR = REPO_ROOT / "dbt_template"
TEMPLATED_FILES = ("dbt_project.yml", "profiles.yml")
COPIED_FILES = (".gitignore", ".sqlfluff")  # sqlfluff's configuration: the rules the SQL follows
# Folders the writer owns: replaced on every write, so a re-run leaves nothing stale behind.
GENERATED_DIRS = ("models", "macros", "tests", "analyses", "snapshots")
_VARIABLE = re.compile(r"\bmigrator_var__\w+\b")


def write_dbt_project(dbt_dir: Path, plan: MigrationPlan, drafts: Drafts, catalog: Catalog) -> list[str]:
    """Write the whole project; returns the names of the models, snapshots and analyses written
    (drafted ones only). A file whose bytes are already those is left alone, and what the
    project no longer has goes: a re-run with one changed model changes one file, which is all
    dbt's partial parse then reads again."""
    written: set[Path] = set()
    rendered = _load_rendered(dbt_dir / RENDERED_CACHE)
    tokens = _WRITTEN.set(written), _RENDERED.set(rendered)
    try:
        names = _write_project(dbt_dir, plan, drafts, catalog)
    finally:
        _WRITTEN.reset(tokens[0])
        _RENDERED.reset(tokens[1])
    _remove_unwritten(dbt_dir, written)
    (dbt_dir / RENDERED_CACHE).parent.mkdir(exist_ok=True)
    kept = {name: entry for name, entry in rendered.items() if Path(name) in written}
    write_text_atomically(dbt_dir / RENDERED_CACHE, json.dumps(kept, sort_keys=True))
    return names


def _write_project(dbt_dir: Path, plan: MigrationPlan, drafts: Drafts, catalog: Catalog) -> list[str]:
    _copy_template(dbt_dir, plan.project)
    macros = frozenset(m.name for m in drafts.macros if m.sql is not None)
    functions = {m.name: m for m in plan.macros if is_database_function(m)}
    for macro in drafts.macros:
        if macro.sql is not None and macro.name in functions:
            _write(dbt_dir / FUNCTIONS_DIR / f"{macro.name}.sql", render_function(functions[macro.name], macro.sql, macros))
            _write(dbt_dir / "macros" / "migrated" / f"{macro.name}.sql", render_function_macro(functions[macro.name]))
        elif macro.sql is not None:
            _write(dbt_dir / "macros" / "migrated" / f"{macro.name}.sql", render_macro(macro, macros))
    if macros:
        _write_yaml(dbt_dir / "macros" / "migrated" / "_migrated__macros.yml", {"version": 2, "macros": [
            {"name": m.name, "description": f"Migrated from the scalar function {m.origin} in SQL Server; drafted "
                                            f"by {_METHODS.get(m.method, m.method)}.",
             "arguments": [{"name": p} for p in m.parameters]}
            for m in drafts.macros if m.sql is not None]})
    written_functions = [function_properties(functions[m.name]) for m in drafts.macros
                         if m.sql is not None and m.name in functions]
    if written_functions:
        _write_yaml(dbt_dir / FUNCTIONS_DIR / PROPERTIES_FILE, {"functions": written_functions})
    written = []
    for planned in plan.models:
        draft = drafts.model(planned.name)
        if draft is None or draft.sql is None:
            continue
        inputs = digest(tool_fingerprint(), json_digest(planned), draft.sql, *sorted(macros))  # = migrated_macros()
        _write_rendered(model_path(dbt_dir, planned), inputs,
                        lambda planned=planned, sql=draft.sql: model_file(planned, sql, macros=macros))
        written.append(planned.name)
    sources = sources_yaml(plan, catalog)
    for source in sources["sources"]:
        folder = dbt_dir / "models" / "staging" / source["name"]
        _write_yaml(folder / f"_{source['name']}__sources.yml", {"version": 2, "sources": [source]})
    snapshots = [m for m in plan.models if m.resource == "snapshot" and m.name in written]
    if snapshots:
        _write_yaml(dbt_dir / "snapshots" / "_snapshots.yml", {"version": 2, "snapshots": [
            {"name": m.name, "description": model_description(
                m, catalog.get(m.origin), catalog.get(m.target or ""), drafts.model(m.name))}
            for m in snapshots]})
    models = [m for m in plan.models if m.name in written and m.resource == "model"]
    for folder, name in _yaml_folders(dbt_dir, models):
        in_folder = [m for m in models if model_path(dbt_dir, m).parent == folder]
        _write_yaml(folder / f"_{name}__models.yml", models_yaml(in_folder, catalog, drafts, plan))
    return written


def _yaml_folders(dbt_dir: Path, models: list[PlannedModel]) -> list[tuple[Path, str]]:
    """Each folder holding models, with the name of its YAML file: `_<layer>__models.yml`, and
    `_<source>__models.yml` in a staging folder."""
    folders = dict.fromkeys(model_path(dbt_dir, m).parent for m in models)
    return [(folder, folder.name) for folder in folders]


def model_path(dbt_dir: Path, planned: PlannedModel) -> Path:
    if planned.resource == "snapshot":
        return dbt_dir / "snapshots" / f"{planned.name}.sql"
    if planned.resource == "analysis":
        return dbt_dir / "analyses" / f"{planned.name}.sql"
    return dbt_dir / "models" / planned.layer / (planned.folder or "") / f"{planned.name}.sql"


def write_model(dbt_dir: Path, planned: PlannedModel, sql: str) -> None:
    _write(model_path(dbt_dir, planned), model_file(planned, sql, macros=migrated_macros(dbt_dir)))


def model_file(planned: PlannedModel, sql: str, disabled_because: str | None = None,
               macros: frozenset[str] = frozenset()) -> str:
    """The file written for a planned model: its SQL in the project's style (`format_model_sql`),
    in its config or snapshot block (`render_model`)."""
    return render_model(planned, format_model_sql(sql), disabled_because, macros)


def migrated_macros(dbt_dir: Path) -> frozenset[str]:
    """The macros this project defines for migrated functions: the only calls, besides dbt's
    `ref`, `source`, `var` and `is_incremental`, that a model's SQL may make."""
    return frozenset(path.stem for path in (dbt_dir / "macros" / "migrated").glob("*.sql"))


def render_model(planned: PlannedModel, sql: str, disabled_because: str | None = None,
                 macros: frozenset[str] = frozenset()) -> str:
    """The file of a planned model, snapshot or analysis, around its drafted SQL. Only our own
    Jinja in the SQL runs (`neutralise_sql`); text from the source renders as itself. A disabled
    model whose Jinja does not even parse keeps its SQL in a comment: dbt reads disabled files too."""
    sql = neutralise_sql(with_variables(planned, sql).strip(), TRUSTED_CALLS | macros)
    if disabled_because and not jinja_parses(sql):
        sql = jinja_comment(f"Its Jinja does not parse; the SQL, kept for review:\n{sql}\n")
    if planned.resource == "snapshot":
        return _render_snapshot(planned, sql, disabled_because)
    if planned.resource == "analysis":
        return _render_analysis(planned, sql, disabled_because)
    config = [f"materialized='{planned.materialized}'"]
    if planned.incremental_strategy:
        config.append(f"incremental_strategy='{planned.incremental_strategy}'")
    if planned.unique_key:
        config.append(f"unique_key={[sql_name(k) for k in planned.unique_key]!r}")
    if planned.pre_hook:
        # dbt renders a hook as Jinja too: the window condition comes from the source
        config.append(f"pre_hook={neutralise_sql(planned.pre_hook)!r}")
    return f"{_disabled_header(disabled_because, config)}{{{{ config({', '.join(config)}) }}}}\n\n{sql}\n"


def with_variables(planned: PlannedModel, sql: str) -> str:
    """The planner's `migrator_var__<name>` placeholders as `{{ var('<name>', default) }}`."""
    return _VARIABLE.sub(lambda m: planned.variables.get(m[0], m[0]), sql)


def _render_snapshot(planned: PlannedModel, sql: str, disabled_because: str | None) -> str:
    keys = [sql_name(k) for k in planned.unique_key]
    unique_key = keys[0] if len(keys) == 1 else keys
    check_cols = [sql_name(c) for c in planned.check_cols] or "all"
    config = ["strategy='check'", f"unique_key={unique_key!r}", f"check_cols={check_cols!r}"]
    if planned.meta_columns:
        config.append(f"snapshot_meta_column_names={planned.meta_columns!r}")
    header = _disabled_header(disabled_because, config)
    return (f"{header}{{% snapshot {planned.name} %}}\n\n{{{{ config({', '.join(config)}) }}}}\n\n"
            f"{sql}\n\n{{% endsnapshot %}}\n")


def _render_analysis(planned: PlannedModel, sql: str, disabled_because: str | None) -> str:
    names = [re.search(r"var\('(\w+)'", v)[1] for v in planned.variables.values()]
    example = ", ".join(f"{name}: ..." for name in names)
    note = jinja_comment(f"Migrated from {planned.origin}; review its parameters. They are dbt vars holding "
                         f"SQL\n    literals: dbt compile --select {planned.name} --vars '{{{example}}}'",
                         strip=True) + "\n"
    config = []
    header = _disabled_header(disabled_because, config)
    configured = f"{{{{ config({', '.join(config)}) }}}}\n" if config else ""
    return f"{header}{note}{configured}{sql}\n"


def _disabled_header(disabled_because: str | None, config: list[str]) -> str:
    """A comment saying why, and `enabled=false` added to `config`; nothing when enabled."""
    if not disabled_because:
        return ""
    config.append("enabled=false")
    return jinja_comment(f"Disabled by migrator: {disabled_because}\n   Fix the SQL below, then remove "
                         "enabled=false.") + "\n"


def disable_failed_models(dbt_dir: Path, plan: MigrationPlan, sql_by_model: dict[str, str],
                          failures: dict[str, str], manifest: dict) -> dict[str, str]:
    """Keep every model that did not pass, but disabled, so that `dbt build` on the project
    passes on its own; descendants of a disabled model are disabled too (dbt refuses a ref to a
    disabled model). Returns model name -> reason for everything disabled."""
    child_map = manifest.get("child_map", {})
    ids = {node["name"]: uid for uid, node in manifest.get("nodes", {}).items()
           if node.get("resource_type") in ("model", "snapshot", "analysis")}
    names = {uid: name for name, uid in ids.items()}
    disabled = dict(failures)
    pending = list(failures)
    while pending:
        name = pending.pop()
        for child in child_map.get(ids.get(name, ""), []):
            child_name = names.get(child)
            if child_name and child_name not in disabled:
                disabled[child_name] = f"depends on {name}, which did not pass"
                pending.append(child_name)
    write_disabled(dbt_dir, plan, sql_by_model, disabled)
    return disabled


def write_disabled(dbt_dir: Path, plan: MigrationPlan, sql_by_model: dict[str, str],
                   reasons: dict[str, str]) -> None:
    """Rewrite each model of `reasons` (model name -> why) disabled, its reason on top."""
    macros = migrated_macros(dbt_dir)
    for name, reason in reasons.items():
        planned = plan.model(name)
        if planned is not None and name in sql_by_model:
            _write(model_path(dbt_dir, planned), model_file(planned, sql_by_model[name], reason, macros))


def render_macro(macro, macros: frozenset[str] = frozenset()) -> str:
    """A migrated scalar function as a dbt macro: its body may call the other migrated macros
    and read its own parameters, nothing else (`neutralise_sql`)."""
    params = ", ".join(macro.parameters)
    body = neutralise_sql(macro.sql.strip(), TRUSTED_CALLS | macros, TRUSTED_NAMES | set(macro.parameters))
    return (jinja_comment(f"Migrated from the scalar function {macro.origin}.", strip=True) + "\n"
            f"{{% macro {macro.name}({params}) -%}}\n({body})\n{{%- endmacro %}}\n")


def sources_yaml(plan: MigrationPlan, catalog: Catalog) -> dict:
    by_schema: dict[str, list[dict]] = {}
    source_names = {s.object: s for s in plan.sources}
    # a source is the raw copy: its columns keep the raw names, whatever the identifier policy
    names = {s.object: {name.lower(): raw for name, raw in raw_columns([c.name for c in catalog.get(s.object).columns]).items()}
             for s in plan.sources}
    for source in plan.sources:
        table = catalog.get(source.object)
        by_schema.setdefault(source.source_name, []).append({
            "name": source.table_name,
            "identifier": source.identifier,
            "description": table.description or f"{table.source} from SQL Server.",
            **_with_check_tests(source.checks, {
                "columns": _column_docs(table, names[source.object], source_names, names),
                **_composite_key_tests(table, names[source.object]),
            }),
        })
    return {"version": 2, "sources": [
        {"name": name, "schema": plan.raw_schema,
         "description": f"Raw tables of the SQL Server schema `{name}`, loaded by migrator.",
         "tables": tables}
        for name, tables in by_schema.items()
    ]}


def models_yaml(models: list[PlannedModel], catalog: Catalog, drafts: Drafts,
                plan: MigrationPlan | None = None) -> dict:
    """Each model with its provenance, and its columns: a table's (produced by a procedure, or a
    staging model's source) with the tests its constraints promise, else the query's outputs."""
    entries = []
    for planned in models:
        origin = catalog.get(planned.origin)
        target = catalog.get(planned.target) if planned.target else None
        draft = drafts.model(planned.name)
        entry = {"name": planned.name, "description": model_description(planned, origin, target, draft)}
        # only what the model produces: an identity key SQL Server generated is not among them
        produced = output_columns(draft.sql) if draft is not None and draft.sql else None
        table = target or (origin if planned.layer == "staging" else None)
        if table is not None:
            names = column_names(plan, table)
            entry["columns"] = [doc for doc in _column_docs(table, names, with_computed=planned.layer == "staging")
                                if produced is None or doc["name"] in produced]
            if all(names.get(c.lower()) in (produced or names.values()) for c in table.primary_key):
                entry.update(_composite_key_tests(table, names))
        elif produced:
            entry["columns"] = _output_docs(produced, origin, plan)
        entries.append(entry)
    return {"version": 2, "models": entries}


_METHODS = {"rules": "the rules (sqlglot and the semantic rewrites)", "llm": "the LLM",
            "rules+llm": "the LLM (as set-based T-SQL), then the rules"}


def model_description(planned: PlannedModel, origin: SourceObject | None, target: SourceObject | None,
                      draft=None) -> str:
    """What the model is, then where it came from and how: the SQL Server object, the planner's
    rule, and who drafted its SQL."""
    what = planned.description or _describe(planned, origin, target)
    source = f"the {origin.kind} {origin.source}" if origin is not None else planned.origin
    method = _METHODS.get(draft.method, draft.method) if draft is not None else "nobody (no draft)"
    return f"{what} From {source} in SQL Server; planner rule: {planner_rule(planned, origin)}; drafted by {method}."


def planner_rule(planned: PlannedModel, origin: SourceObject | None) -> str:
    """The planner's rule that made this model (`planning/planner.py`'s docstring lists them)."""
    kind = origin.kind if origin is not None else None
    if planned.layer == "staging":
        return "a table no model produces is a source, with a staging view selecting all its columns"
    if planned.resource == "snapshot":
        return "UPDATE of end dates then INSERT of new versions (SCD type 2) is a snapshot"
    if planned.resource == "analysis":
        return f"a read-only {kind or 'object'} with parameters is an analysis"
    if kind == "view":
        return "a view is a view model"
    if kind == "function":
        return "an inline table-valued function without parameters is a view model"
    if kind != "procedure":
        return "none recorded"
    if planned.target is None:
        return "a procedure that only returns one result set is a view model"
    if planned.incremental_strategy == "delete+insert":
        return "a warehouse load (DELETE of staged keys, or a type 2 close-off, then INSERT) is a delete+insert incremental model"
    if planned.materialized == "table":
        return "TRUNCATE (or SELECT INTO) then INSERT ... SELECT is a table model"
    if planned.pre_hook:
        return "DELETE of a window then INSERT ... SELECT is an incremental model that deletes the window first"
    return "INSERT ... SELECT, MERGE or an UPDATE + INSERT upsert is an incremental model"


def _describe(planned: PlannedModel, origin: SourceObject | None, target: SourceObject | None) -> str:
    if origin is None:
        return f"Migrated model {planned.name}."
    if planned.resource == "snapshot":
        return f"Snapshot of {planned.target}."
    if target is not None:
        return f"Loads {target.source}, as the {origin.kind} {origin.source} did in SQL Server."
    return f"Migrated from the {origin.kind} {origin.source}."


def _output_docs(produced: list[str], origin: SourceObject | None, plan: MigrationPlan | None) -> list[dict]:
    """The columns of a view-like model: its outputs, named after SQL Server's when the plan
    recorded them (`plan.names`)."""
    names = plan.names.get(origin.source, {}).get("columns", {}) if plan is not None and origin is not None else {}
    sql_server = {dbt: name for name, dbt in names.items() if dbt}
    where = f" of {origin.source}" if origin is not None else ""
    return [{"name": column,
             "description": f"SQL Server output `{sql_server.get(column, column)}`{where}."} for column in produced]


def column_names(plan: MigrationPlan | None, table: SourceObject) -> dict[str, str]:
    """A table's columns (SQL Server's name, lower case) -> their dbt names, as the plan settled
    them (`plan.names`), without the columns the plan does not produce. The writer decides no
    name; only a plan without names (one written by hand) gets the policy's `fold_columns`."""
    recorded = plan.names.get(table.source, {}).get("columns") if plan is not None else None
    settled = recorded if recorded else fold_columns([c.name for c in table.columns])
    return {name.lower(): dbt for name, dbt in settled.items() if dbt}


def _column_docs(table: SourceObject, names: dict[str, str], sources: dict | None = None,
                 source_columns: dict[str, dict[str, str]] | None = None, with_computed: bool = False) -> list[dict]:
    """Columns, named by `names` (`column_names`), with tests that SQL Server's constraints
    promise: keys, NOT NULL, foreign keys (those into `sources`, whose columns are named by
    `source_columns`). Computed columns only `with_computed`: the raw copy has none."""
    sources, source_columns = sources or {}, source_columns or {}
    single_pk = table.primary_key[0].lower() if len(table.primary_key) == 1 else None
    unique = {keys[0].lower() for keys in table.unique_keys if len(keys) == 1}
    fks = {fk.columns[0].lower(): fk for fk in table.foreign_keys if len(fk.columns) == 1}
    docs = []
    for column in table.columns:
        if (column.computed is not None and not with_computed) or column.name.lower() not in names:
            continue
        tests: list = []
        name = column.name.lower()
        if name == single_pk or name in unique:
            tests.append("unique")
        if not column.nullable or name == single_pk:
            tests.append("not_null")
        fk = fks.get(name)
        target = sources.get(f"{fk.ref_schema}.{fk.ref_table}".lower()) if fk else None
        field = source_columns.get(target.object, {}).get(fk.ref_columns[0].lower()) if target else None
        if field is not None:
            tests.append({"relationships": {"arguments": {
                "to": f"source('{target.source_name}', '{target.table_name}')", "field": sql_name(field)}}})
        doc = {"name": names[column.name.lower()], "description": _column_description(column)}
        if sql_name(doc["name"]) != doc["name"]:
            doc["quote"] = True  # a reserved word: dbt's tests must quote it
        try:
            doc["data_type"] = postgres_type(column.data_type)
        except UnknownTypeError:
            pass
        if tests:
            doc["data_tests"] = tests
        docs.append(doc)
    return docs


def _with_check_tests(checks: list[PlannedCheck], entry: dict) -> dict:
    """A source table's YAML with its CHECK constraints' tests (`planning.check_tests`): an
    `accepted_values` on its column, or on the table (of an expression, or `expression_is_true`)."""
    for check in checks:
        described = f"SQL Server CHECK ({check.check})"
        if check.test == "expression_is_true":
            test = {"expression_is_true": {"description": described, "arguments": {"expression": check.expression}}}
        else:
            # dbt's accepted_values writes each value between quotes as it is: `O'Brien` must come doubled
            values = [v.replace("'", "''") for v in check.values] if check.quote else check.values
            arguments = {"values": values, **({} if check.quote else {"quote": False})}
            test = {"accepted_values": {"description": described, "arguments": arguments}}
        column = next((c for c in entry["columns"] if check.column and c["name"] == check.column), None)
        if column is not None:
            column.setdefault("data_tests", []).append(test)
            continue
        if check.column_expression:
            test["accepted_values"]["column_name"] = check.column_expression
        entry.setdefault("data_tests", []).append(test)
    return entry


def _column_description(column) -> str:
    """The column's MS_Description, when it has one, then what it was in SQL Server."""
    parts = [f"SQL Server `{column.name}` {column.data_type}"]
    if column.identity:
        parts.append("identity")
    if column.computed is not None:
        parts.append(f"computed as {column.computed}")
    origin = ", ".join(parts)
    return f"{column.description.strip()} ({origin})." if column.description else f"{origin}."


def _composite_key_tests(table: SourceObject, names: dict[str, str]) -> dict:
    if len(table.primary_key) < 2 or any(c.lower() not in names for c in table.primary_key):
        return {}
    columns = [sql_name(names[c.lower()]) for c in table.primary_key]
    return {"data_tests": [{"unique_combination_of_columns": {
        "arguments": {"combination_of_columns": columns}}}]}


def _copy_template(dbt_dir: Path, project: str) -> None:
    dbt_dir.mkdir(parents=True, exist_ok=True)
    for name in GENERATED_DIRS:
        (dbt_dir / name).mkdir(exist_ok=True)
        for path in sorted((TEMPLATE_DIR / name).rglob("*")):
            if path.is_file() and path.name != ".gitkeep":
                _write(dbt_dir / path.relative_to(TEMPLATE_DIR), path.read_text(encoding="utf-8"))
    for name in TEMPLATED_FILES:
        text = (TEMPLATE_DIR / name).read_text(encoding="utf-8")
        _write(dbt_dir / name, Template(text).safe_substitute(project=project))
    for name in COPIED_FILES:
        _write(dbt_dir / name, (TEMPLATE_DIR / name).read_text(encoding="utf-8"))


# the files written by the `write_dbt_project` under way, if one is: the others in its folders go
_WRITTEN: ContextVar[set[Path] | None] = ContextVar("written_project_files", default=None)


def _write(path: Path, text: str) -> None:
    """Written whole or not at all, and not at all when the file already holds these bytes."""
    if (written := _WRITTEN.get()) is not None:
        written.add(path)
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return
    except OSError:  # not there yet (or unreadable): written below
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(path, text)


def _remove_unwritten(dbt_dir: Path, written: set[Path]) -> None:
    """What a fresh write of the project would not have: files of models, macros or sources
    gone since the last write, and the folders left empty (deepest first)."""
    for name in (*GENERATED_DIRS, FUNCTIONS_DIR):
        root = dbt_dir / name
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if path.is_dir() and not path.is_symlink():
                if path != root and not any(path.iterdir()):
                    path.rmdir()
            elif path not in written:
                path.unlink()
    if (dbt_dir / FUNCTIONS_DIR).is_dir() and not any((dbt_dir / FUNCTIONS_DIR).iterdir()):
        (dbt_dir / FUNCTIONS_DIR).rmdir()


def _write_yaml(path: Path, document: dict) -> None:
    """dbt renders every string of a properties file with Jinja (names at parse time,
    descriptions in its docs step, test arguments when compiling): each is made `inert`."""
    inputs = digest(tool_fingerprint(), json.dumps(document, default=str))
    _write_rendered(path, inputs, lambda: yaml_text(_inert_strings(document)))


# what rendered each file in the last write of the whole project (its path -> the hash of its
# inputs and of the text written): formatting SQL and dumping YAML are most of a write's time
RENDERED_CACHE = Path("target") / "migrator_rendered.json"  # in dbt's folder: not a project file
_RENDERED: ContextVar[dict[str, list[str]] | None] = ContextVar("rendered_project_files", default=None)


def _write_rendered(path: Path, inputs: str, render: Callable[[], str]) -> None:
    """`render()` written to `path`, unless the last write rendered it from the same inputs and
    the file still holds what it wrote then (the rebuilder rewrites the files it disables)."""
    rendered = _RENDERED.get()
    previous = rendered.get(str(path)) if rendered is not None else None
    if previous is not None and previous[0] == inputs and file_digest(path) == previous[1]:
        _WRITTEN.get().add(path)  # kept as it is
        return
    text = render()
    _write(path, text)
    if rendered is not None:
        rendered[str(path)] = [inputs, digest(text.encode("utf-8"))]


def _load_rendered(path: Path) -> dict[str, list[str]]:
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _inert_strings(value):
    if isinstance(value, str):
        return inert(value)
    if isinstance(value, dict):
        return {key: _inert_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_inert_strings(item) for item in value]
    return value
