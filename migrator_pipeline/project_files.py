"""Where each step of a migration project keeps its output under MIGRATOR_HOME/projects/<name>/.

Every step reads earlier steps' outputs and writes its own, which is what lets one step be
re-run alone. Each output is named once below, with the step that writes it: an asset declares
the outputs it reads (`reads=` in defs/assets.py) and its Dagster dependencies follow from them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from migrator_pipeline.atomic_files import replacing, write_text_atomically
from migrator_pipeline.catalog.model import Catalog
from migrator_pipeline.catalog.sources import SourceSpec
from migrator_pipeline.drafts import Drafts
from migrator_pipeline.planning.model import MigrationPlan
from migrator_pipeline.settings import REPO_ROOT, project_dir
from migrator_pipeline.tsql.identifiers import DEFAULT_POLICY

BUNDLED_EXAMPLE = REPO_ROOT / "examples" / "sales_dw"


@dataclass(frozen=True)
class StepOutput:
    """One step's output that later steps read: a file under the project's directory (or, for
    RAW_TABLES, the rows it loaded into the warehouse), and the asset that writes it."""

    name: str
    step: str


CATALOG = StepOutput("catalog.json", "source_catalog")
RAW_TABLES = StepOutput("load.json", "source_tables")  # the load report; the rows are in the raw schema
PLAN = StepOutput("plan.json", "migration_plan")
DRAFTS = StepOutput("drafts.json", "draft_models")
BUILD_REPORT = StepOutput("test_report.json", "test_report")  # also the dbt project it wrote and built
DATA_VALIDATION = StepOutput("data_validation.json", "test_report")
FINAL_REPORT = StepOutput("final_report.json", "repaired_models")
REPAIRS = StepOutput("repairs.json", "repaired_models")


@dataclass(frozen=True)
class ProjectFiles:
    project: str

    @property
    def root(self) -> Path:
        return project_dir(self.project)

    def path(self, name: str | StepOutput) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root / (name.name if isinstance(name, StepOutput) else name)

    @property
    def dbt_dir(self) -> Path:
        return self.root / "dbt"

    def registered_source(self) -> SourceSpec | None:
        """The source registered for the project (`register`), or None: never a default."""
        settings = self.root / "project.json"
        if not settings.exists():
            return None
        return SourceSpec.from_dict(json.loads(settings.read_text(encoding="utf-8"))["source"])

    def source(self) -> SourceSpec:
        """The registered source, for the steps after source_catalog (which registers it)."""
        source = self.registered_source()
        if source is None:
            raise FileNotFoundError(f"project '{self.project}' has no registered source")
        return source

    def identifier_policy(self) -> str:
        """The registered source's identifier policy (`tsql.identifiers`): "lower" without one."""
        source = self.registered_source()
        return source.identifiers if source is not None else DEFAULT_POLICY

    # Each step's output, as the next step reads it.
    def catalog(self) -> Catalog:
        return Catalog.load(self.path(CATALOG))

    def plan(self) -> MigrationPlan:
        return MigrationPlan.load(self.path(PLAN))

    def drafts(self) -> Drafts:
        return Drafts.load(self.path(DRAFTS))

    # Every step writes its output through these two, whole or not at all (atomic_files.py).
    def save(self, name: str | StepOutput, save: Callable[[Path], None]) -> Path:
        """Write one output with `save` (e.g. `catalog.save`), atomically."""
        path = self.path(name)
        with replacing(path) as temporary:
            save(temporary)
        return path

    def write_text(self, name: str, text: str) -> Path:
        path = self.path(name)
        write_text_atomically(path, text)
        return path

    def register(self, source: SourceSpec) -> None:
        self.write_text("project.json", json.dumps({"project": self.project, "source": source.to_dict()}, indent=1))
