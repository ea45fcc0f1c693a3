"""Write the generated dbt project: the template, then models, macros, sources and their YAML.

Layout follows dbt's conventions: `models/staging` (one model per source table, renames only),
`models/intermediate` (logic reused by other models) and `models/marts` (what people query),
with one YAML file per folder; `snapshots/` for slowly changing dimensions and `analyses/` for
parameterised queries (their parameters as `{{ var(...) }}`, values written as SQL literals).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from string import Template

import yaml

from migrator_pipeline.atomic_files import write_text_atomically
from migrator_pipeline.catalog.model import Catalog, SourceObject
from migrator_pipeline.dbt_project.jinja_sql import (
    TRUSTED_CALLS, TRUSTED_NAMES, inert, jinja_comment, jinja_parses, neutralise_sql, output_columns)
from migrator_pipeline.drafts import Drafts
from migrator_pipeline.planning.model import MigrationPlan, PlannedModel
from migrator_pipeline.settings import REPO_ROOT
from migrator_pipeline.tsql.identifiers import fold_columns, fold_identifier, sql_name
from migrator_pipeline.tsql.types import UnknownTypeError, postgres_type

TEMPLATE_DIR = REPO_ROOT / "dbt_template"
TEMPLATED_FILES = ("dbt_project.yml", "profiles.yml")
# Folders the writer owns: replaced on every write, so a re-run leaves nothing stale behind.
GENERATED_DIRS = ("models", "macros", "tests", "analyses", "snapshots")
_VARIABLE = re.compile(r"\bmigrator_var__\w+\b")


def write_dbt_project(dbt_dir: Path, plan: MigrationPlan, drafts: Drafts, catalog: Catalog) -> list[str]:
    """Write the whole project; returns the names of the models, snapshots and analyses written
    (drafted ones only)."""
    _copy_template(dbt_dir, plan.project)
    macros = frozenset(m.name for m in drafts.macros if m.sql is not None)
    for macro in drafts.macros:
        if macro.sql is not None:
            _write(dbt_dir / "macros" / "migrated" / f"{macro.name}.sql", render_macro(macro, macros))
    written = []
    for planned in plan.models:
        draft = drafts.model(planned.name)
        if draft is None or draft.sql is None:
            continue
        write_model(dbt_dir, planned, draft.sql)
        written.append(planned.name)
    _write_yaml(dbt_dir / "models" / "staging" / "_sources.yml", sources_yaml(plan, catalog))
    snapshots = [m for m in plan.models if m.resource == "snapshot" and m.name in written]
    if snapshots:
        _write_yaml(dbt_dir / "snapshots" / "_snapshots.yml", {"version": 2, "snapshots": [
            {"name": m.name, "description": m.description or f"Snapshot of {m.target}."} for m in snapshots]})
    for layer in ("staging", "intermediate", "marts"):
        models = [m for m in plan.models if m.layer == layer and m.name in written and m.resource == "model"]
        if models:
            _write_yaml(dbt_dir / "models" / layer / f"_{layer}__models.yml",
                        models_yaml(models, catalog, drafts))
    return written


def model_path(dbt_dir: Path, planned: PlannedModel) -> Path:
    if planned.resource == "snapshot":
        return dbt_dir / "snapshots" / f"{planned.name}.sql"
    if planned.resource == "analysis":
        return dbt_dir / "analyses" / f"{planned.name}.sql"
    return dbt_dir / "models" / planned.layer / f"{planned.name}.sql"


def write_model(dbt_dir: Path, planned: PlannedModel, sql: str) -> None:
    _write(model_path(dbt_dir, planned), render_model(planned, sql, macros=migrated_macros(dbt_dir)))


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
            _write(model_path(dbt_dir, planned), render_model(planned, sql_by_model[name], reason, macros))


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
    for source in plan.sources:
        table = catalog.get(source.object)
        by_schema.setdefault(source.source_name, []).append({
            "name": source.table_name,
            "identifier": source.identifier,
            "description": table.description or f"{table.source} from SQL Server.",
            "columns": _column_docs(table, source_names),
            **_composite_key_tests(table),
        })
    return {"version": 2, "sources": [
        {"name": name, "schema": plan.raw_schema,
         "description": f"Raw tables of the SQL Server schema `{name}`, loaded by migrator.",
         "tables": tables}
        for name, tables in by_schema.items()
    ]}


def models_yaml(models: list[PlannedModel], catalog: Catalog, drafts: Drafts) -> dict:
    entries = []
    for planned in models:
        origin = catalog.get(planned.origin)
        target = catalog.get(planned.target) if planned.target else None
        entry = {"name": planned.name,
                 "description": planned.description or _describe(planned, origin, target)}
        if target is not None:
            # only what the model produces: an identity key SQL Server generated is not among them
            produced = output_columns(drafts.model(planned.name).sql)
            entry["columns"] = [doc for doc in _column_docs(target, {})
                                if produced is None or doc["name"] in produced]
            if produced is None or all(fold_identifier(c) in produced for c in target.primary_key):
                entry.update(_composite_key_tests(target))
        entries.append(entry)
    return {"version": 2, "models": entries}


def _describe(planned: PlannedModel, origin: SourceObject | None, target: SourceObject | None) -> str:
    if origin is None:
        return f"Migrated model {planned.name}."
    if target is not None:
        return f"Loads {target.source}, as the {origin.kind} {origin.source} did in SQL Server."
    return f"Migrated from the {origin.kind} {origin.source}."


def _column_docs(table: SourceObject, sources: dict) -> list[dict]:
    """Columns with tests that SQL Server's constraints promise: keys, NOT NULL, foreign keys."""
    names = fold_columns([c.name for c in table.columns])
    single_pk = table.primary_key[0].lower() if len(table.primary_key) == 1 else None
    unique = {keys[0].lower() for keys in table.unique_keys if len(keys) == 1}
    fks = {fk.columns[0].lower(): fk for fk in table.foreign_keys if len(fk.columns) == 1}
    docs = []
    for column in table.columns:
        if column.computed is not None:
            continue
        tests: list = []
        name = column.name.lower()
        if name == single_pk or name in unique:
            tests.append("unique")
        if not column.nullable or name == single_pk:
            tests.append("not_null")
        fk = fks.get(name)
        target = sources.get(f"{fk.ref_schema}.{fk.ref_table}".lower()) if fk else None
        if target is not None:
            tests.append({"relationships": {"arguments": {
                "to": f"source('{target.source_name}', '{target.table_name}')",
                "field": sql_name(fold_identifier(fk.ref_columns[0]))}}})
        doc = {"name": names[column.name], "description": _column_description(column)}
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


def _column_description(column) -> str:
    parts = [f"SQL Server `{column.name}` {column.data_type}"]
    if column.identity:
        parts.append("identity")
    return ", ".join(parts) + "."


def _composite_key_tests(table: SourceObject) -> dict:
    if len(table.primary_key) < 2:
        return {}
    names = {name.lower(): folded for name, folded in fold_columns([c.name for c in table.columns]).items()}
    columns = [sql_name(names.get(c.lower(), fold_identifier(c))) for c in table.primary_key]
    return {"data_tests": [{"unique_combination_of_columns": {
        "arguments": {"combination_of_columns": columns}}}]}


def _copy_template(dbt_dir: Path, project: str) -> None:
    dbt_dir.mkdir(parents=True, exist_ok=True)
    for name in GENERATED_DIRS:
        shutil.rmtree(dbt_dir / name, ignore_errors=True)
        shutil.copytree(TEMPLATE_DIR / name, dbt_dir / name, ignore=shutil.ignore_patterns(".gitkeep"))
    for name in TEMPLATED_FILES:
        text = (TEMPLATE_DIR / name).read_text(encoding="utf-8")
        _write(dbt_dir / name, Template(text).safe_substitute(project=project))
    shutil.copy(TEMPLATE_DIR / ".gitignore", dbt_dir / ".gitignore")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(path, text)


def _write_yaml(path: Path, document: dict) -> None:
    """dbt renders every string of a properties file with Jinja (names at parse time,
    descriptions in its docs step, test arguments when compiling): each is made `inert`."""
    _write(path, yaml.safe_dump(_inert_strings(document), sort_keys=False, allow_unicode=True, width=100))


def _inert_strings(value):
    if isinstance(value, str):
        return inert(value)
    if isinstance(value, dict):
        return {key: _inert_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_inert_strings(item) for item in value]
    return value
