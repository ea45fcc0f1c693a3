"""Read dbt's run_results.json and manifest.json into per-model and per-test evidence."""

from __future__ import annotations

from dataclasses import dataclass, field

from migrator_pipeline.serialisation import SavedAsJson

FAILED = ("error", "fail", "runtime error")
# Nodes that build a relation a migrated object now lives in: models, and snapshots (history).
RELATIONS = ("model", "snapshot")


@dataclass
class NodeResult:
    unique_id: str
    name: str
    resource_type: str  # model | test | seed | snapshot
    status: str  # dbt's: success | error | skipped | pass | fail | warn
    message: str | None = None
    attached_to: str | None = None  # for tests: the model or source name they check
    execution_time: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status in FAILED


@dataclass
class BuildReport(SavedAsJson):
    """What one or more `dbt build` invocations proved about each node."""

    nodes: list[NodeResult] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)  # model name -> rows in its relation
    invocations: list[str] = field(default_factory=list)
    error: str | None = None  # when dbt itself could not run

    def model(self, name: str) -> NodeResult | None:
        """The model or snapshot called `name`."""
        return next((n for n in self.nodes if n.resource_type in RELATIONS and n.name == name), None)

    def tests_for(self, name: str) -> list[NodeResult]:
        return [n for n in self.nodes if n.resource_type == "test" and n.attached_to == name]

    def failed_models(self) -> list[str]:
        return [n.name for n in self.nodes if n.resource_type in RELATIONS and n.failed]

    def merge(self, newer: BuildReport) -> BuildReport:
        """Newer results replace older ones node by node; nodes not re-run keep their evidence."""
        by_id = {n.unique_id: n for n in self.nodes}
        by_id.update({n.unique_id: n for n in newer.nodes})
        return BuildReport(list(by_id.values()), {**self.row_counts, **newer.row_counts},
                           self.invocations + newer.invocations, newer.error or None)

    def counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for node in self.nodes:
            by_status = counts.setdefault(node.resource_type, {})
            by_status[node.status] = by_status.get(node.status, 0) + 1
        return counts


def read_run_results(run_results: dict, manifest: dict, command: str) -> BuildReport:
    nodes = []
    for result in run_results.get("results", []):
        unique_id = result["unique_id"]
        node = manifest.get("nodes", {}).get(unique_id, {})
        nodes.append(NodeResult(
            unique_id=unique_id,
            name=node.get("name", unique_id.rsplit(".", 1)[-1]),
            resource_type=node.get("resource_type", unique_id.split(".", 1)[0]),
            status=result["status"],
            message=_first_line(result.get("message")),
            attached_to=_attached_to(node, manifest),
            execution_time=round(result.get("execution_time") or 0.0, 3),
        ))
    return BuildReport(nodes=nodes, invocations=[command])


def _attached_to(node: dict, manifest: dict) -> str | None:
    if node.get("resource_type") != "test":
        return None
    attached = node.get("attached_node")
    if attached:
        return manifest["nodes"].get(attached, {}).get("name")
    for parent in node.get("depends_on", {}).get("nodes", []):
        if parent.startswith("source."):
            source = manifest.get("sources", {}).get(parent, {})
            return f"{source.get('source_name')}.{source.get('name')}"
    return None


def _first_line(message: str | None) -> str | None:
    if not message:
        return message
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    # dbt puts the database's own error on the line after "Database Error in model ..."
    meaningful = [line for line in lines if not line.startswith(("Database Error in", "compiled code at"))]
    return (meaningful or lines)[0][:500]
