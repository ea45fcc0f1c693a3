"""Content hashes of a migration's inputs, and what the previous run of a project made from them.

A step whose inputs hash as they did last time reuses the outputs it wrote then (the files under
the project's folder): nothing it could compute would differ. The hash of a step's inputs takes
in everything that decides its output: the files it reads, the settings it runs with, and the
tool itself (this package's source, the dbt template, and the versions of the libraries that
translate and build). When in doubt a part is hashed: a needless re-run costs seconds, a reused
stale result is a wrong answer.

Per object: `object_fingerprints` hashes each catalog object's definition and, for a table, its
rows, so a changed view or table (and what depends on it) is found without comparing texts.
Each step's record is its own file under `fingerprints/`, so steps that run at once never write
the same file.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from migrator_pipeline.catalog.model import Catalog
from migrator_pipeline.catalog.sources import SourceSpec
from migrator_pipeline.drafts import DraftModel, Drafts
from migrator_pipeline.planning.model import MigrationPlan, PlannedModel
from migrator_pipeline.serialisation import SavedAsJson, load_json, save_json, to_json_data
from migrator_pipeline.settings import REPO_ROOT

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = REPO_ROOT / "dbt_template"
STATE_DIR = "fingerprints"
# the libraries whose version can change a translation, a build or a comparison
TOOL_DISTRIBUTIONS = ("sqlglot", "dbt-core", "dbt-postgres", "dbt-adapters", "dagster-dbt", "psycopg2-binary",
                      "langgraph", "anthropic", "pydantic")
# environment variables that are secrets: never written to a file, even hashed
_SECRET_WORDS = ("PASSWORD", "KEY", "SECRET", "TOKEN")
# what a step's output tree excludes: dbt's own artifacts and logs, rewritten by every dbt call
_NOT_PROJECT_FILES = ("target", "logs", "dbt_packages", ".user.yml")


def digest(*parts: str | bytes | None) -> str:
    """sha256 of the parts, each length-prefixed so that ("ab", "c") and ("a", "bc") differ."""
    hasher = hashlib.sha256()
    for part in parts:
        data = b"\xff" if part is None else part.encode() if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


def json_digest(value) -> str:
    """The digest of a JSON-able value (dataclasses through the project's serialisation)."""
    return digest(json.dumps(to_json_data(value), sort_keys=True, separators=(",", ":")))


def file_digest(path: Path) -> str | None:
    """The digest of a file's bytes, None when it does not exist."""
    try:
        return digest(path.read_bytes())
    except FileNotFoundError:
        return None


def tree_digest(root: Path, skip: Iterable[str] = ()) -> str | None:
    """Every file under `root` (relative path and bytes), skipping top-level entries in `skip`."""
    if not root.exists():
        return None
    if root.is_file():
        return file_digest(root)
    skipped = set(skip)
    hasher = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root)
        if relative.parts[0] in skipped or "__pycache__" in relative.parts:
            continue
        hasher.update(digest(relative.as_posix(), path.read_bytes()).encode())
    return hasher.hexdigest()


@functools.cache
def tool_fingerprint() -> str:
    """This package's source, the dbt template, and the versions of the libraries it runs: a
    change to any of them re-runs everything (a rule's fix must reach every object)."""
    versions = []
    for name in TOOL_DISTRIBUTIONS:
        try:
            versions.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} absent")
    return digest(tree_digest(PACKAGE_DIR), tree_digest(TEMPLATE_DIR), *versions)


def settings_fingerprint(environ: Mapping[str, str] | None = None) -> str:
    """Every MIGRATOR_* setting in the environment but secrets and the state folder: options
    such as the identifier policy change what the planner and writer produce."""
    environ = os.environ if environ is None else environ
    settings = sorted((name, value) for name, value in environ.items()
                      if name.startswith("MIGRATOR_") and name != "MIGRATOR_HOME"
                      and not any(word in name for word in _SECRET_WORDS))
    return digest(json.dumps(settings))


def source_fingerprint(source: SourceSpec) -> str | None:
    """Every byte of a script folder, script file or .dacpac (its expected rows included), and
    the SQLCMD variables. None for a live server: only reading it says what it holds now."""
    if source.kind == "live":
        return None
    return digest(json.dumps(source.to_dict(), sort_keys=True), tree_digest(Path(source.location)))


def project_tree_digest(dbt_dir: Path) -> str | None:
    """The generated dbt project as written (models, YAML, macros), without dbt's artifacts."""
    return tree_digest(dbt_dir, _NOT_PROJECT_FILES)


def object_fingerprints(catalog: Catalog) -> dict[str, str]:
    """`schema.name` key -> the hash of the object's definition and, for a table, its rows.
    Where they stand in their file is no part of it: an edit to one view shifts the line of every
    object after it, and those are unchanged."""
    data = {d.table: json_digest(_without(d, "lines")) for d in catalog.data}
    return {obj.key: digest(json_digest(_without(obj, "line")), data.get(obj.key)) for obj in catalog.objects}


def row_lines_digest(catalog: Catalog, key: str) -> str | None:
    """The lines a table's rows stand on: a refused row's finding cites its line."""
    data = catalog.data_for(key)
    return None if data is None else digest(json.dumps(data.lines))


def _without(value, name: str):
    """A dataclass's JSON data without one positional field."""
    raw = to_json_data(value)
    raw.pop(name, None)
    return raw


def changed_objects(before: Mapping[str, str], now: Mapping[str, str]) -> set[str]:
    """Keys whose hash differs, and keys that appeared or went away."""
    return {key for key in before.keys() | now.keys() if before.get(key) != now.get(key)}


@dataclass
class StepRecord(SavedAsJson):
    """What one step made, and from what: the hash of its inputs and of each output file."""

    inputs: str
    outputs: dict[str, str | None] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)  # per-object hashes, for the next run's diff

    @property
    def data_version(self) -> str:
        return digest(json.dumps(self.outputs, sort_keys=True))


@dataclass(frozen=True)
class StepState:
    """One project's step records, under `<project>/fingerprints/<step>.json`."""

    root: Path

    def _path(self, step: str) -> Path:
        return self.root / STATE_DIR / f"{step}.json"

    def previous(self, step: str) -> StepRecord | None:
        path = self._path(step)
        if not path.exists():
            return None
        try:
            return load_json(StepRecord, path)
        except ValueError:  # a record from an older version or cut short: never reuse on it
            return None

    def reusable(self, step: str, inputs: str | None) -> StepRecord | None:
        """The previous record when the inputs hash the same and every output it wrote is still
        there unchanged; else None. `inputs` None (e.g. a live source) is never reusable."""
        record = self.previous(step)
        if inputs is None or record is None or record.inputs != inputs:
            return None
        for name, recorded in record.outputs.items():
            if recorded is None or self.output_digest(name) != recorded:
                return None
        return record

    def output_digest(self, name: str) -> str | None:
        path = self.root / name
        return project_tree_digest(path) if path.is_dir() else file_digest(path)

    def record(self, step: str, inputs: str | None, outputs: Iterable[str],
               details: Mapping[str, str] | None = None) -> StepRecord:
        """Record what a step just wrote. Inputs that cannot be hashed are recorded as a value
        nothing equals, so the next run does the step again."""
        record = StepRecord(inputs or "", {name: self.output_digest(name) for name in outputs},
                            dict(details or {}))
        path = self._path(step)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        save_json(temporary, record)
        temporary.replace(path)
        return record

    def forget(self, step: str) -> None:
        self._path(step).unlink(missing_ok=True)


def step_inputs(root: Path, reads: Iterable[str], *extra: str | None) -> str | None:
    """The hash of a step's inputs: the tool, the settings, the files it reads (a missing one
    hashes as missing) and `extra` parts. An extra part that is None is an input that cannot be
    hashed (a live server's rows): the step's inputs are then None, never reusable."""
    if any(part is None for part in extra):
        return None
    files = [part for name in reads for part in (name, file_digest(root / name))]
    return digest(tool_fingerprint(), settings_fingerprint(), *files, *extra)


def warehouse_identity(url: str) -> str:
    """Which database a warehouse URL names (host, port, database, user), without its password."""
    from psycopg2.extensions import parse_dsn

    try:
        parts = parse_dsn(url)
    except Exception:  # noqa: BLE001 - an unusual URL is still an identity, hashed whole below
        return digest(url)
    return json.dumps({k: parts.get(k) for k in ("host", "port", "dbname", "user")}, sort_keys=True)


def model_fingerprints(plan: MigrationPlan, catalog: Catalog, *context: str | None) -> dict[str, str]:
    """Planned model name -> the hash of what its draft is made from: the planned model, every
    catalog object it reads (its object's dependencies, followed to the end: a view's columns
    type the views over it), what every translation sees (the plan's relations and macros,
    the collation, the functions) and `context` (the tool, the settings, the LLM's settings)."""
    objects = object_fingerprints(catalog)
    shared = digest(json_digest(plan.relations), json_digest(plan.macros), catalog.collation,
                    *(objects[o.key] for o in catalog.objects if o.kind == "function"), *context)
    reads = {o.key: [*o.reads, *o.calls] for o in catalog.objects}
    return {model.name: digest(shared, json_digest(model),
                               *(f"{key}={objects.get(key)}" for key in sorted(_upstream(model, reads))))
            for model in plan.models}


def _upstream(model: PlannedModel, reads: Mapping[str, list[str]]) -> set[str]:
    """The objects a model reads, and what they read, to the end."""
    seen: set[str] = set()
    pending = [key for key in (model.origin, model.target, *model.depends_on) if key]
    while pending:
        key = pending.pop()
        if key not in seen:
            seen.add(key)
            pending.extend(reads.get(key, []))
    return seen


def reusable_drafts(state: StepState, step: str, drafts_file: str, keys: Mapping[str, str]) -> dict[str, DraftModel]:
    """The last run's drafts whose model fingerprints (`keys`, recorded in the step's details as
    `models`) are unchanged, when its drafts file is still the one that run wrote."""
    record = state.previous(step)
    if record is None or record.outputs.get(drafts_file) != state.output_digest(drafts_file):
        return {}
    before = json.loads(record.details.get("models") or "{}")
    drafts = Drafts.load(state.root / drafts_file)
    return {d.name: d for d in drafts.models if d.name in keys and before.get(d.name) == keys[d.name]}
