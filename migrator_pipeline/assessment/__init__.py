"""The assessment: what is in the estate, how hard each object is, and which way it will go.

For every source object: its size, the T-SQL features it uses (see `features.py`), a
complexity score and band, the path it is predicted to take through the executor
(`rules`, `llm` or `manual`), the blockers that force that path, and an effort estimate.

Complexity score, documented so that people can argue with it:

    score = KIND_BASE[kind] + min(lines // LINES_PER_POINT, MAX_SIZE_POINTS) + sum(FEATURE_WEIGHTS[f])

    band  = "low" when score <= LOW_MAX, "medium" when score <= MEDIUM_MAX, else "high"

Predicted path:
- `manual` when the object is a trigger or uses any of MANUAL_FEATURES: runtime-built logic and
  CLR types have no faithful set-based dbt form;
- `llm` when it uses any of LLM_FEATURES: beyond the rule-based rewrites, but the LLM can rewrite
  it as one set-based T-SQL query (cursors and WHILE loops included) that the rules translate;
- `rules` otherwise.

LLM tokens, estimated before anything is spent, for each object on the `llm` path:

    llm_tokens = PROMPT_OVERHEAD_TOKENS + ceil(body characters / CHARS_PER_TOKEN) + ESTIMATED_REPLY_TOKENS

(one request: the shared conventions and task, the object's T-SQL, a one-query reply). The
summary's `llm_estimate` sums them, with the share of objects the LLM would get. The executor
checks the budget against its own estimate of the exact prompts before the first request.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from migrator_pipeline.assessment.features import FEATURES, scan_features
from migrator_pipeline.catalog.dependencies import dependency_order
from migrator_pipeline.catalog.model import OBJECT_KINDS, Catalog, Finding, SourceObject
from migrator_pipeline.serialisation import SavedAsJson

__all__ = [
    "Assessment",
    "Blocker",
    "ObjectAssessment",
    "assess",
    "assess_object",
    "llm_estimate",
    "FEATURES",
]

KIND_BASE = {"table": 0, "view": 1, "function": 1, "procedure": 2, "trigger": 4}
LINES_PER_POINT = 20
MAX_SIZE_POINTS = 10
FEATURE_WEIGHTS = {
    "cursor": 6,
    "while_loop": 4,
    "dynamic_sql": 6,
    "temp_table": 2,
    "table_variable": 2,
    "merge": 3,
    "try_catch": 2,
    "transaction": 1,
    "output_clause": 2,
    "xml_methods": 3,
    "for_xml": 3,
    "for_json": 2,
    "clr_types": 4,
    "pivot": 3,
    "unpivot": 3,
    "recursive_cte": 3,
    "rowcount": 1,
    "scope_identity": 1,
    "cross_database": 3,
}
LOW_MAX = 3
MEDIUM_MAX = 8
BANDS = ("low", "medium", "high")
# Hours for an engineer to migrate and check one object of each band, review included.
EFFORT_HOURS = {"low": 0.5, "medium": 2.0, "high": 6.0}

PATHS = ("rules", "llm", "manual")
MANUAL_FEATURES = ("dynamic_sql", "clr_types")
LLM_FEATURES = (
    "cursor", "while_loop", "pivot", "unpivot", "xml_methods", "for_xml", "for_json", "try_catch",
    "output_clause", "recursive_cte", "cross_database",
)  # fmt: skip
# The token estimate (module docstring). About 4 characters per token for code and English; the
# fixed part of a prompt (agents.prompts' conventions and task, a test keeps them in step) and one
# query's reply. An estimate for budgets, never an account: the accounts are the responses' usage.
CHARS_PER_TOKEN = 4
PROMPT_OVERHEAD_TOKENS = 420
ESTIMATED_REPLY_TOKENS = 600

BLOCKER_MESSAGES = {
    "trigger": "triggers fire per statement on change; dbt has no equivalent, redesign by hand",
    "cursor": "a cursor processes rows one by one; the LLM rewrites it as one set-based query, to review",
    "while_loop": "a WHILE loop runs row by row; the LLM rewrites it as one set-based query, to review",
    "dynamic_sql": "dynamic SQL is built at run time; its statements cannot be translated statically",
    "clr_types": "CLR types (hierarchyid, geography, geometry) need PostGIS or ltree by hand",
    "pivot": "PIVOT has no PostgreSQL equivalent; needs conditional aggregation",
    "unpivot": "UNPIVOT has no PostgreSQL equivalent; needs a lateral VALUES join",
    "xml_methods": "XML methods (.value/.nodes/.query) map to xpath() case by case",
    "for_xml": "FOR XML output maps to string_agg/xmlagg case by case",
    "for_json": "FOR JSON output maps to json_agg/json_build_object case by case",
    "try_catch": "TRY/CATCH error handling has no place in a dbt model; the logic must be separated from it",
    "output_clause": "the OUTPUT clause returns changed rows; needs RETURNING or a model redesign",
    "recursive_cte": "a recursive CTE needs WITH RECURSIVE and a check of its termination",
    "cross_database": "reads another database or server; that data must become a source first",
}


@dataclass
class Blocker:
    feature: str
    file: str | None
    line: int | None
    message: str


@dataclass
class ObjectAssessment:
    source: str  # `schema.name` as in SQL Server
    kind: str
    lines: int
    features: list[str]
    complexity: int
    band: str  # one of BANDS
    predicted_path: str  # one of PATHS
    blockers: list[Blocker] = field(default_factory=list)
    effort_hours: float = 0.0
    llm_tokens: int = 0  # estimated tokens of its LLM request; 0 off the `llm` path


@dataclass
class Assessment(SavedAsJson):
    objects: list[ObjectAssessment] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def assess(catalog: Catalog) -> Assessment:
    """Assess every object of the catalog; objects come out by kind, then by name."""
    findings = list(catalog.findings)
    objects = []
    for obj in sorted(catalog.objects, key=_kind_then_key):
        assessed, finding = _assess_with_finding(obj)
        objects.append(assessed)
        if finding is not None:
            findings.append(finding)
    summary = summarise(objects, findings)
    waves, blocked = dependency_order(catalog)
    summary["dependency_order"] = {"waves": waves, "blocked_by_cycles": blocked}
    return Assessment(objects=objects, summary=summary, findings=findings)


def assess_object(obj: SourceObject) -> ObjectAssessment:
    return _assess_with_finding(obj)[0]


def _assess_with_finding(obj: SourceObject) -> tuple[ObjectAssessment, Finding | None]:
    scan = scan_features(obj.body)
    feature_lines = {feature: _file_line(obj, line) for feature, line in scan.features.items()}
    features = list(feature_lines)
    lines = count_lines(obj.body)
    complexity = complexity_score(obj.kind, lines, features)
    band = band_of(complexity)
    assessed = ObjectAssessment(
        source=obj.source,
        kind=obj.kind,
        lines=lines,
        features=features,
        complexity=complexity,
        band=band,
        predicted_path=predicted_path(obj.kind, features),
        blockers=_blockers(obj, feature_lines),
        effort_hours=EFFORT_HOURS[band],
    )
    if assessed.predicted_path == "llm":
        assessed.llm_tokens = estimated_llm_tokens(len(obj.body))
    return assessed, _scan_finding(obj, scan.tokenizer, scan.error)


def estimated_llm_tokens(characters: int) -> int:
    """Tokens of one LLM request about `characters` of T-SQL, reply included (module docstring)."""
    return PROMPT_OVERHEAD_TOKENS + -(-characters // CHARS_PER_TOKEN) + ESTIMATED_REPLY_TOKENS


def count_lines(body: str) -> int:
    """Lines of the body, ignoring blank lines at its ends."""
    stripped = body.strip("\r\n \t")
    return stripped.count("\n") + 1 if stripped else 0


def complexity_score(kind: str, lines: int, features: list[str]) -> int:
    size_points = min(lines // LINES_PER_POINT, MAX_SIZE_POINTS)
    return KIND_BASE.get(kind, 2) + size_points + sum(FEATURE_WEIGHTS[f] for f in features)


def band_of(complexity: int) -> str:
    if complexity <= LOW_MAX:
        return "low"
    if complexity <= MEDIUM_MAX:
        return "medium"
    return "high"


def predicted_path(kind: str, features: list[str]) -> str:
    if kind == "trigger" or any(f in MANUAL_FEATURES for f in features):
        return "manual"
    if any(f in LLM_FEATURES for f in features):
        return "llm"
    return "rules"


def _file_line(obj: SourceObject, body_line: int) -> int:
    """A body line as a line of the file; without a file position, the body line itself."""
    return (obj.line or 1) + body_line - 1


def _blockers(obj: SourceObject, feature_lines: dict[str, int]) -> list[Blocker]:
    blockers = []
    if obj.kind == "trigger":
        blockers.append(Blocker("trigger", obj.file, obj.line, BLOCKER_MESSAGES["trigger"]))
    for feature, line in feature_lines.items():
        if feature in MANUAL_FEATURES or feature in LLM_FEATURES:
            blockers.append(Blocker(feature, obj.file, line, BLOCKER_MESSAGES[feature]))
    return blockers


def _scan_finding(obj: SourceObject, tokenizer: str, error: str | None) -> Finding | None:
    if tokenizer == "sqlglot":
        return None
    return Finding(
        severity="warning",
        message=f"could not tokenize {obj.kind} {obj.source} ({error}); its features come from a text scan",
        file=obj.file,
        line=obj.line,
        object=obj.source,
    )


def _kind_then_key(obj: SourceObject) -> tuple[int, str]:
    order = OBJECT_KINDS.index(obj.kind) if obj.kind in OBJECT_KINDS else len(OBJECT_KINDS)
    return order, obj.key


def summarise(objects: list[ObjectAssessment], findings: list[Finding]) -> dict:
    """Counts for the headline and the report tables; every band and path is present, even at 0."""
    blocker_counts = Counter(blocker.feature for obj in objects for blocker in obj.blockers)
    return {
        "objects": len(objects),
        "lines": sum(obj.lines for obj in objects),
        "effort_hours": round(sum(obj.effort_hours for obj in objects), 2),
        "by_kind": dict(Counter(obj.kind for obj in objects)),
        "by_band": {band: sum(obj.band == band for obj in objects) for band in BANDS},
        "by_path": {path: sum(obj.predicted_path == path for obj in objects) for path in PATHS},
        "by_kind_and_path": _by_kind_and_path(objects),
        "top_blockers": dict(sorted(blocker_counts.items(), key=lambda item: (-item[1], item[0]))),
        "findings": dict(Counter(finding.severity for finding in findings)),
        "llm_estimate": llm_estimate(objects),
    }


def llm_estimate(objects: list[ObjectAssessment]) -> dict:
    """How much of `objects` the LLM would get, before anything is spent."""
    bound = [obj for obj in objects if obj.predicted_path == "llm"]
    return {"objects": len(bound), "share": round(len(bound) / len(objects), 4) if objects else 0.0,
            "tokens": sum(obj.llm_tokens for obj in bound)}


def _by_kind_and_path(objects: list[ObjectAssessment]) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {}
    for obj in objects:
        row = table.setdefault(obj.kind, dict.fromkeys(PATHS, 0))
        row[obj.predicted_path] += 1
    return table
