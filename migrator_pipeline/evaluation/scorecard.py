"""The evaluator: a per-object scorecard built only from evidence (drafts, dbt results, loads).

An object is `passed` only when every model it became was drafted, built by dbt, and passed
all of its dbt tests, and, when SQL Server's rows for it were known, its model returned the same
rows (`data_match`). Nothing here assumes success.

Each object also says what its `passed` rests on (`evidence`, see EVIDENCE_LEVELS): rows compared
with SQL Server's and equal, or only a build and its dbt tests. The two are counted apart
everywhere a count of passed objects is shown, so a build is never presented as proof.

An object that rests on an incomplete raw table (one whose data file was not read, whose rows
could none be stored, or that PostgreSQL could not hold whole: `LoadedTable.incomplete`),
itself or through what it reads, is never `passed`: a model over missing rows builds and
passes its tests on nothing. It is `needs_review`, its reason naming the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from migrator_pipeline.catalog.model import Catalog
from migrator_pipeline.dbt_project.jinja_sql import called_macros
from migrator_pipeline.dbt_project.results import RELATIONS, BuildReport
from migrator_pipeline.drafts import DraftModel, Drafts, LlmUsage, RepairOutcome
from migrator_pipeline.evaluation.data_match import DataMatch, DataValidation
from migrator_pipeline.planning.model import MigrationPlan, PlanEntry
from migrator_pipeline.serialisation import SavedAsJson
from migrator_pipeline.warehouse.loading import LoadReport

STATUSES = ("passed", "failed", "needs_review", "skipped")
# what a `passed` rests on, strongest first
ROWS_MATCHED = "rows_matched"  # every relation it produces was compared with SQL Server's rows: equal
BUILT_AND_TESTED = "built_and_tested"  # built by dbt and its tests passed, without reference rows
NO_EVIDENCE = "none"  # not passed, or nothing was built that could be tested
EVIDENCE_LEVELS = (ROWS_MATCHED, BUILT_AND_TESTED, NO_EVIDENCE)


@dataclass
class ModelEvidence:
    name: str
    relation: str | None
    drafted: bool
    built: bool
    status: str  # dbt's status for the model, or "not drafted" / "not run"
    tests_passed: int = 0
    tests_failed: int = 0
    rows: int | None = None
    error: str | None = None


@dataclass
class ObjectScore:
    source: str
    kind: str
    status: str
    method: str
    attempts: int
    models: list[dict]
    reason: str | None
    artifact: str
    evidence: str = NO_EVIDENCE  # one of EVIDENCE_LEVELS: what a `passed` rests on
    model_results: list[ModelEvidence] = field(default_factory=list)  # each model's build and tests
    repairs: list[str] = field(default_factory=list)
    tokens: int = 0
    cost_usd: float = 0.0
    data: str = "not compared"  # "matched", "differs" or "not compared": rows against SQL Server's
    data_match: dict = field(default_factory=lambda: data_match_evidence([]))
    # what the object and its columns are called in the dbt project (the identifier policy)
    names: dict = field(default_factory=dict)
    # a function that became a macro: {"name": the macro, "used_by": the models and macros calling it}
    macro: dict | None = None


@dataclass
class Evaluation(SavedAsJson):
    project: str
    summary: dict
    objects: list[ObjectScore]


def evaluate(catalog: Catalog, plan: MigrationPlan, drafts: Drafts, report: BuildReport,
             repairs: list[RepairOutcome], load: LoadReport | None,
             validation: DataValidation | None = None) -> Evaluation:
    repairs_by_model = {r.name: r for r in repairs}
    failed_loads = {t.source.lower(): f"raw data did not load: {t.error}"
                    for t in (load.tables if load else []) if t.error}
    failed_loads.update(_short_copies(load, validation))
    incomplete = {t.source.lower(): (t.source, t.incomplete) for t in (load.tables if load else []) if t.incomplete}
    matches = validation.matches if validation else []
    scores = []
    for entry in plan.entries:
        # only what builds a relation is evidence: a macro or an analysis names no table
        built_by = [name for name in entry.models
                    if plan.model(name) is not None and plan.model(name).resource != "analysis"]
        evidence = [_model_evidence(name, plan, drafts, report) for name in built_by]
        score = _score(entry, evidence, drafts, repairs_by_model, failed_loads)
        score.names = plan.names.get(entry.source, {})
        _judge_data(score, [m for m in matches if m.model in entry.models])
        _judge_raw_data(score, entry.object, catalog, incomplete)
        _judge_database_function(score, entry, plan, report)
        _judge_environment(score)
        score.evidence = _evidence_level(score, entry, drafts, report)
        if entry.artifact == "macro" and entry.models:
            score.macro = {"name": entry.models[0], "used_by": macro_callers(entry.models[0], drafts)}
        scores.append(score)
    return Evaluation(plan.project, _summary(scores, drafts, repairs, report), scores)


def macro_callers(macro: str, drafts: Drafts) -> list[str]:
    """The drafted models, and macros, whose SQL calls `macro`."""
    drafted = [(m.name, m.sql) for m in drafts.models] + [(m.name, m.sql) for m in drafts.macros]
    return sorted(name for name, sql in drafted if sql and name != macro and macro in called_macros(sql))


def _short_copies(load: LoadReport | None, validation: DataValidation | None) -> dict[str, str]:
    """Tables whose raw copy does not hold SQL Server's row count (expected/row_counts.csv):
    table key -> why. Every model built on such a copy is built on other data."""
    counts = validation.row_counts if validation else {}
    return {table.source.lower(): f"the raw copy has {table.rows} rows, SQL Server has "
                                  f"{counts[table.source.lower()]} (expected/row_counts.csv)"
            for table in (load.tables if load else [])
            if not table.error and table.source.lower() in counts and counts[table.source.lower()] != table.rows}


def data_match_evidence(matches: list[DataMatch]) -> dict:
    """An object's data evidence for evaluation.json: its compared rows, summed over the tables
    it produces (a procedure may load several)."""
    if not matches:
        return {"compared": False, "matched": None, "expected_rows": None, "actual_rows": None,
                "missing": None, "unexpected": None}
    return {
        "compared": True,
        "matched": all(m.matched for m in matches),
        "expected_rows": sum(m.expected_rows for m in matches),
        "actual_rows": None if any(m.actual_rows is None for m in matches) else sum(m.actual_rows for m in matches),
        "missing": sum(m.missing for m in matches),
        "unexpected": sum(m.unexpected for m in matches),
        "against": [{"source": m.source, "origin": m.origin, "model": m.model} for m in matches],
        "missing_rows": [row for m in matches for row in m.missing_rows],
        "unexpected_rows": [row for m in matches for row in m.unexpected_rows],
        "reason": next((f"{m.source}: {m.reason}" for m in matches if m.reason), None),
        "type_differences": [f"{m.source}.{t}" for m in matches for t in m.type_differences],
    }


def _judge_raw_data(score: ObjectScore, key: str, catalog: Catalog,
                    incomplete: dict[str, tuple[str, str]]) -> None:
    """A `passed` that rests on an incomplete raw table is not one: needs_review, naming it.
    Nor is a failure that the missing rows can explain (a dbt test failed, or dbt skipped the
    model behind one: a relationship into an empty table fails): needs_review, naming the table,
    with dbt's failure after it."""
    if not incomplete or not (score.status == "passed" or (score.status == "failed" and _fails_on_data(score))):
        return
    failure = f"; {score.reason}" if score.status == "failed" and score.reason else ""
    seen: set[str] = set()
    pending = [key]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        if current in incomplete:
            source, why = incomplete[current]
            score.status = "needs_review"
            if why.startswith("its data file"):  # TableData.lost: a file BULK INSERT or a CSV named
                why += " (missing from the source: not a fault of the migration)"
            score.reason = f"rests on {source}, whose raw copy is incomplete: {why}{failure}"
            return
        obj = catalog.get(current)
        if obj is not None:
            pending.extend(obj.reads + obj.calls)


def _fails_on_data(score: ObjectScore) -> bool:
    """Its models built, and what failed is a dbt test, or dbt skipped a model behind a failed
    test: a failure that rows can cause (a build error is the SQL's own)."""
    broken = [e for e in score.model_results if not e.built or e.tests_failed]
    return bool(broken) and all(e.status == "skipped" or (e.built and e.tests_failed) for e in broken)


def _judge_database_function(score: ObjectScore, entry: PlanEntry, plan: MigrationPlan, report: BuildReport) -> None:
    """A function the dbt project creates (a lookup) fails when dbt could not create it."""
    if entry.artifact != "macro" or score.status != "passed":
        return
    macro = next((m for m in plan.macros if m.origin == entry.object and m.returns is not None), None)
    node = next((n for n in report.nodes if macro and n.resource_type == "function" and n.name == macro.name), None)
    if node is not None and node.status != "success":
        score.status, score.reason = "failed", f"{macro.name}: {node.message or node.status}"


# PostgreSQL's words when it is built without libxml: xml values and xpath() are refused
_NO_LIBXML = ("unsupported XML feature", "built with libxml support")
NEEDS_LIBXML = ("needs a PostgreSQL built with libxml, for its xml values and xpath(); this warehouse has "
                "none (the embedded PostgreSQL is built without it): set MIGRATOR_WAREHOUSE_URL to one "
                "that has it to build and test it. Detail: ")


def _judge_environment(score: ObjectScore) -> None:
    """What this PostgreSQL cannot run at all is not a failure of the migration: needs_review,
    saying what it needs."""
    if score.status in ("failed", "needs_review") and score.reason and any(w in score.reason for w in _NO_LIBXML):
        score.status, score.reason = "needs_review", NEEDS_LIBXML + score.reason


def _judge_data(score: ObjectScore, matches: list[DataMatch]) -> None:
    """Rows that differ from SQL Server's fail an object that passed everything else."""
    score.data_match = data_match_evidence(matches)
    if not matches:
        return
    score.data = "matched" if score.data_match["matched"] else "differs"
    if score.status != "passed" or score.data == "matched":
        return
    score.status = "failed"
    evidence = score.data_match
    if evidence["reason"]:
        score.reason = f"data differs from SQL Server: {evidence['reason']}"
    elif evidence["type_differences"]:
        score.reason = f"data differs from SQL Server: {evidence['type_differences'][0]}"
    else:
        score.reason = (f"data differs from SQL Server: {evidence['missing']} missing, "
                        f"{evidence['unexpected']} unexpected rows")


def _evidence_level(score: ObjectScore, entry: PlanEntry, drafts: Drafts, report: BuildReport) -> str:
    """What the object's `passed` rests on. Rows only count when every relation it produces was
    compared; a macro rests on the models that call it having built and passed their tests."""
    if score.status != "passed":
        return NO_EVIDENCE
    compared = {against["model"] for against in score.data_match.get("against", [])}
    built = [e for e in score.model_results if e.relation is not None]
    if score.data == "matched" and built and all(e.name in compared for e in built):
        return ROWS_MATCHED
    if score.model_results:
        return BUILT_AND_TESTED if all(e.built and not e.tests_failed for e in score.model_results) else NO_EVIDENCE
    if entry.artifact == "macro":
        macro = next((m for m in drafts.macros if m.origin == entry.object), None)
        return BUILT_AND_TESTED if macro and _macro_was_built(macro.name, drafts, report) else NO_EVIDENCE
    return NO_EVIDENCE


def _macro_was_built(macro: str, drafts: Drafts, report: BuildReport) -> bool:
    """Some model that calls the macro was built and passed its tests."""
    call = re.compile(r"\{\{\s*" + re.escape(macro) + r"\s*\(")
    for draft in drafts.models:
        node = report.model(draft.name)
        if draft.sql and call.search(draft.sql) and node is not None and node.status == "success" \
                and not any(t.failed for t in report.tests_for(draft.name)):
            return True
    return False


def _model_evidence(name: str, plan: MigrationPlan, drafts: Drafts, report: BuildReport) -> ModelEvidence:
    planned = plan.model(name)
    draft = drafts.model(name)
    relation = None if planned and planned.materialized == "ephemeral" else f"{plan.project}.{name}"
    if draft is None or draft.sql is None:
        return ModelEvidence(name, relation, False, False, "not drafted",
                             error=draft.error if draft else "no draft")
    node = report.model(name)
    tests = report.tests_for(name)
    if planned is not None and planned.layer == "staging":
        source = next((s for s in plan.sources if plan.relations.get(s.object) == f"{{{{ ref('{name}') }}}}"), None)
        if source is not None:
            tests += report.tests_for(f"{source.source_name}.{source.table_name}")
    failed_tests = [t for t in tests if t.failed]
    error = node.message if node is not None and node.failed else None
    if error is None and failed_tests:
        error = f"dbt test {failed_tests[0].name} failed: {failed_tests[0].message}"
    return ModelEvidence(
        name=name, relation=relation, drafted=True,
        built=node is not None and node.status == "success",
        status=node.status if node else "not run",
        tests_passed=sum(1 for t in tests if t.status == "pass"),
        tests_failed=len(failed_tests),
        rows=report.row_counts.get(name), error=error,
    )


def _score(entry: PlanEntry, evidence: list[ModelEvidence], drafts: Drafts,
           repairs: dict[str, RepairOutcome], failed_loads: dict[str, str]) -> ObjectScore:
    drafted = [drafts.model(e.name) for e in evidence if drafts.model(e.name)]
    used_repairs = [repairs[e.name] for e in evidence if e.name in repairs]
    methods = {d.method for d in drafted if d.ok} | {"llm" for r in used_repairs if "llm" in r.fixes}
    usage = LlmUsage()
    for item in [d.usage for d in drafted] + [r.usage for r in used_repairs]:
        usage.add(item)
    score = ObjectScore(
        source=entry.source, kind=entry.kind, status="passed", method="rules", artifact=entry.artifact,
        attempts=sum(d.attempts for d in drafted) + sum(r.attempts for r in used_repairs),
        models=[{"name": e.name, "relation": e.relation} for e in evidence],
        reason=None, model_results=evidence, repairs=[f for r in used_repairs for f in r.fixes],
        tokens=usage.tokens, cost_usd=round(usage.cost_usd, 6),
    )
    score.method = _method(methods, used_repairs)
    if entry.artifact in ("needs_review", "skipped"):
        score.status, score.method, score.reason = entry.artifact, "none", entry.reason
    elif entry.artifact == "macro":
        macro = next((m for m in drafts.macros if m.origin == entry.object), None)
        if macro is None or macro.sql is None:
            score.status, score.method = "failed", "none"
            score.reason = macro.error if macro else "no draft"
        else:
            score.method, score.attempts = macro.method, 1
    elif entry.object in failed_loads:
        score.status, score.reason = "failed", failed_loads[entry.object]
    elif any(d.needs_review for d in drafted):
        score.status, score.method = "needs_review", "none"
        score.reason = next(d.error for d in drafted if d.needs_review) or "budget exhausted"
    elif untranslated := _untranslated_by_rules(drafted):
        # no rule translates it and the LLM was never asked: nothing was drafted that could fail,
        # so it is left for a person (or the LLM, once it is on), with the construct named
        score.status, score.method = "needs_review", "none"
        score.reason = f"no rule translates it, and the LLM was not asked: {untranslated}"
    elif not evidence:
        score.status, score.method, score.reason = "failed", "none", "planned without any model"
    else:
        broken = [e for e in evidence if not e.built or e.tests_failed]
        if broken:
            score.status = "failed"
            score.reason = f"{broken[0].name}: {broken[0].error or broken[0].status}"
    return score


_NO_EQUIVALENT = "no PostgreSQL equivalent"  # the translator's words for a construct it cannot write


def _untranslated_by_rules(drafted: list[DraftModel]) -> str | None:
    """The rules' error when a model of the object has no draft because what it uses has no
    PostgreSQL equivalent, and no LLM request was made for it. Any other error of the rules
    (an unknown relation, a parse error) stays a failure: it may be ours."""
    undrafted = [d for d in drafted if not d.ok]
    if undrafted and all(d.usage.requests == 0 and not d.rejections and _NO_EQUIVALENT in (d.error or "")
                         for d in undrafted):
        return undrafted[0].error
    return None


def _method(methods: set[str], repairs: list[RepairOutcome]) -> str:
    """rules, llm (the LLM wrote PostgreSQL), rules+llm (the LLM wrote set-based T-SQL that the
    rules translated, or repaired a rules draft), or none."""
    if "llm" in methods:
        return "llm"
    if "rules+llm" in methods or (methods and any("llm" in r.fixes for r in repairs)):
        return "rules+llm"
    return "rules" if methods else "none"


def _summary(scores: list[ObjectScore], drafts: Drafts, repairs: list[RepairOutcome],
             report: BuildReport) -> dict:
    by_kind: dict[str, dict[str, int]] = {}
    for score in scores:
        counts = by_kind.setdefault(score.kind, {status: 0 for status in STATUSES})
        counts[score.status] += 1
    by_status = {status: sum(1 for s in scores if s.status == status) for status in STATUSES}
    considered = len(scores) - by_status["skipped"]
    usage = drafts.usage
    for outcome in repairs:
        usage.add(outcome.usage)
    tests = [n for n in report.nodes if n.resource_type == "test"]
    models = [n for n in report.nodes if n.resource_type in RELATIONS]
    return {
        "objects": len(scores),
        "by_status": by_status,
        "by_kind": by_kind,
        "success_rate": round(by_status["passed"] / considered, 4) if considered else 0.0,
        "models_built": sum(1 for n in models if n.status == "success"),
        "models_failed": sum(1 for n in models if n.failed),
        "tests_passed": sum(1 for n in tests if n.status == "pass"),
        "tests_failed": sum(1 for n in tests if n.failed),
        "repaired_models": sum(1 for r in repairs if r.passed),
        "data_compared": sum(1 for s in scores if s.data_match["compared"]),
        "data_matched": sum(1 for s in scores if s.data == "matched"),
        # passed objects by what they rest on: rows equal to SQL Server's, or a build and tests only
        "passed_by_evidence": {level: sum(1 for s in scores if s.status == "passed" and s.evidence == level)
                               for level in EVIDENCE_LEVELS},
        "llm": {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens,
                "tokens": usage.tokens, "cost_usd": round(usage.cost_usd, 6)},
    }
