"""Migrations through a running Dagster webserver's GraphQL API: `migrator submit`, `status`, `runs`.

dagster-graphql's DagsterGraphQLClient launches runs and reads their status; what it does not cover
(adding a dynamic partition, a run's steps and evaluation, listing runs) is a raw query below, the
same text the README shows for clients in other languages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlparse

from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

JOB = "migrate_project"
PARTITIONS = "migration_projects"
PARTITION_TAG = "dagster/partition"

REPOSITORY_OF_JOB = """
query RepositoryOfJob {
  repositoriesOrError {
    __typename
    ... on RepositoryConnection { nodes { name location { name } jobs { name } } }
    ... on PythonError { message }
  }
}"""

ADD_PROJECT = """
mutation AddProject($repositorySelector: RepositorySelector!, $partitionsDefName: String!, $partitionKey: String!) {
  addDynamicPartition(repositorySelector: $repositorySelector, partitionsDefName: $partitionsDefName,
                      partitionKey: $partitionKey) {
    __typename
    ... on AddDynamicPartitionSuccess { partitionKey }
    ... on DuplicateDynamicPartitionError { partitionName }
    ... on UnauthorizedError { message }
    ... on PythonError { message }
  }
}"""

RUN = """
query Run($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run {
      runId jobName status startTime endTime
      tags { key value }
      stepStats { stepKey status startTime endTime }
      assetMaterializations {
        stepKey
        metadataEntries {
          label
          ... on IntMetadataEntry { intValue }
          ... on FloatMetadataEntry { floatValue }
        }
      }
    }
    ... on RunNotFoundError { message }
    ... on PythonError { message }
  }
}"""

RUNS = """
query Runs($filter: RunsFilter, $limit: Int) {
  runsOrError(filter: $filter, limit: $limit) {
    __typename
    ... on Runs { results { runId jobName status startTime endTime tags { key value } } }
    ... on InvalidPipelineRunsFilterError { message }
    ... on PythonError { message }
  }
}"""

# the evaluation step's figures that `migrator status` shows when a run is done
SUMMARY_LABELS = ("passed", "failed", "needs_review", "success_rate", "data_compared", "data_matched")


class RunsApiError(Exception):
    """The webserver refused or could not be reached: one line for the user."""


def client_for(url: str) -> DagsterGraphQLClient:
    parsed = urlparse(url if "://" in url else f"http://{url}")
    if not parsed.hostname:
        raise RunsApiError(f"not a webserver URL: {url!r} (e.g. http://localhost:3000)")
    return DagsterGraphQLClient(parsed.hostname, port_number=parsed.port, use_https=parsed.scheme == "https",
                                path_prefix=parsed.path.rstrip("/"), timeout=60)


def _query(client: DagsterGraphQLClient, query: str, variables: dict | None = None) -> dict:
    try:
        return client._execute(query, variables)  # the client's own transport, auth and headers
    except DagsterGraphQLClientError as error:
        raise RunsApiError(" ".join(str(error).split())[:300]) from None


def _unwrap(result: dict, expected: str) -> dict:
    if result["__typename"] != expected:
        raise RunsApiError(f"{result['__typename']}: {result.get('message', '')}".strip())
    return result


def _repository_of_job(client: DagsterGraphQLClient) -> dict:
    connection = _unwrap(_query(client, REPOSITORY_OF_JOB)["repositoriesOrError"], "RepositoryConnection")
    for repository in connection["nodes"]:
        if any(job["name"] == JOB for job in repository["jobs"]):
            return {"repositoryLocationName": repository["location"]["name"], "repositoryName": repository["name"]}
    raise RunsApiError(f"no code location on this webserver has the job {JOB}")


def submit(client: DagsterGraphQLClient, source: str, project: str, variables: dict[str, str] | None = None) -> str:
    """Add the project's partition (if new) and launch its migration with the source as run config
    (the SOURCE CONTRACT); returns the run id."""
    repository = _repository_of_job(client)
    added = _query(client, ADD_PROJECT, {"repositorySelector": repository, "partitionsDefName": PARTITIONS,
                                         "partitionKey": project})["addDynamicPartition"]
    if added["__typename"] not in ("AddDynamicPartitionSuccess", "DuplicateDynamicPartitionError"):
        raise RunsApiError(f"adding project '{project}': {added['__typename']}: {added.get('message', '')}")
    run_config = {"ops": {"source_catalog": {"config": {"source": source, "variables": variables or {}}}}}
    try:
        return client.submit_job_execution(
            JOB, repository_location_name=repository["repositoryLocationName"],
            repository_name=repository["repositoryName"], run_config=run_config,
            tags={PARTITION_TAG: project, "migrator/source": source, "migrator/launched_by": "graphql"})
    except DagsterGraphQLClientError as error:
        raise RunsApiError(" ".join(str(error).split())[:300]) from None


@dataclass
class RunView:
    run_id: str
    job: str
    status: str
    project: str
    seconds: float | None
    steps: list[tuple[str, str, float | None]] = field(default_factory=list)  # step, status, seconds
    summary: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        took = f" in {self.seconds:.1f}s" if self.seconds is not None else ""
        lines = [f"run {self.run_id}: {self.job} of project '{self.project}': {self.status}{took}"]
        for step, status, seconds in self.steps:
            lines.append(f"  {step:<18} {status:<10} {'' if seconds is None else f'{seconds:.1f}s'}".rstrip())
        if self.summary:
            lines.append("evaluation: " + ", ".join(f"{label} {_number(value)}" for label, value in self.summary.items()))
        return lines


def _number(value: float) -> str:
    return f"{value:.0%}" if isinstance(value, float) and value <= 1 else f"{value:g}"


def _seconds(start: float | None, end: float | None) -> float | None:
    return end - start if start is not None and end is not None else None


def _project(tags: list[dict]) -> str:
    return next((tag["value"] for tag in tags if tag["key"] == PARTITION_TAG), "")


def run_status(client: DagsterGraphQLClient, run_id: str) -> RunView:
    run = _unwrap(_query(client, RUN, {"runId": run_id})["runOrError"], "Run")
    view = RunView(run["runId"], run["jobName"], run["status"], _project(run["tags"]),
                   _seconds(run["startTime"], run["endTime"]))
    view.steps = [(s["stepKey"], s["status"] or "IN_PROGRESS", _seconds(s["startTime"], s["endTime"]))
                  for s in run["stepStats"]]
    for materialization in run["assetMaterializations"]:
        if materialization["stepKey"] != "evaluation":
            continue
        for entry in materialization["metadataEntries"]:
            value = entry.get("intValue", entry.get("floatValue"))
            if entry["label"] in SUMMARY_LABELS and value is not None:
                view.summary[entry["label"]] = value
    return view


def list_runs(client: DagsterGraphQLClient, project: str | None = None, limit: int = 20) -> list[RunView]:
    runs_filter = {"tags": [{"key": PARTITION_TAG, "value": project}]} if project else {}
    result = _unwrap(_query(client, RUNS, {"filter": runs_filter, "limit": limit})["runsOrError"], "Runs")
    return [RunView(r["runId"], r["jobName"], r["status"], _project(r["tags"]), _seconds(r["startTime"], r["endTime"]))
            for r in result["results"]]
