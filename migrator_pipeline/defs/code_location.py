"""New projects' dbt models in a running Dagster UI without a restart.

The code location builds each project's dbt assets from its manifest when it loads
(defs/dbt_models.py), so a project migrated after `migrator dev` started shows no models until the
code location loads again. Dagster reloads a code location when its webserver is asked to (GraphQL
`reloadRepositoryLocation`, the UI's "Reload definitions"): `migrator dev` records where its
webserver listens, and a migration that ends, from the UI, a sensor or `migrator migrate`, asks that
webserver to reload, unless it shows all the project's models already. The reload starts a new code server and retires the old one once its runs end,
so the run that asks is not cut short. Without `migrator dev` running (plain `dagster dev`,
Kubernetes) nothing is recorded and nothing is asked: reload there from the UI.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from migrator_pipeline.project_files import ProjectFiles
from migrator_pipeline.settings import dagster_home

PARTITION_TAG = "dagster/partition"  # a migration run's project

RECORD = "webserver.json"  # in MIGRATOR_HOME/dagster, beside the instance's dagster.yaml
RELOAD_TIMEOUT_SECONDS = 300  # the new code server imports the definitions: seconds, more on a busy machine
LAST_STEP = "evaluation"  # a migration's models are final once the evaluator has run


@dataclass(frozen=True)
class Webserver:
    """Where `migrator dev`'s webserver listens, and the name it gives the code location."""

    host: str
    port: int
    location: str


def record_path() -> Path:
    return dagster_home() / RECORD


@contextlib.contextmanager
def webserver_recorded(webserver: Webserver) -> Iterator[Path]:
    """For as long as `migrator dev` runs: migrations find its webserver here."""
    path = record_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(webserver.__dict__), encoding="utf-8")
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def recorded_webserver() -> Webserver | None:
    try:
        return Webserver(**json.loads(record_path().read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):  # none, or not ours: nothing to reload
        return None


def webserver_of_dev_args(args: list[str], location: str) -> Webserver:
    """The host and port `dagster dev` listens on, given its arguments (its defaults otherwise)."""
    host, port = "127.0.0.1", 3000
    for index, arg in enumerate(args):
        name, _, inline = arg.partition("=")
        value = inline or (args[index + 1] if index + 1 < len(args) else "")
        if name in ("-h", "--host", "--dagit-host") and value:
            host = value
        elif name in ("-p", "--port", "--dagit-port") and value.isdigit():
            port = int(value)
    return Webserver("127.0.0.1" if host in ("0.0.0.0", "::", "") else host, port, location)


# the assets of these keys that the webserver's code location defines now
KNOWN_ASSETS = "query Known($keys: [AssetKeyInput!]) { assetNodes(assetKeys: $keys) { assetKey { path } } }"


def model_keys(project: str) -> list[list[str]]:
    """The keys of the project's dbt models as its manifest has them now (defs/dbt_models.py)."""
    try:
        manifest = json.loads((ProjectFiles(project).dbt_dir / "target" / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [[project, node["name"]] for node in manifest.get("nodes", {}).values()
            if node.get("resource_type") in ("model", "seed", "snapshot")]


def reload_code_location(webserver: Webserver, project: str | None = None) -> str:
    """Ask the webserver to load the code location again, unless it shows every model of
    `project` already (a re-run that added none: a reload costs a code server's start); one line
    saying what happened. Never raises: the migration it follows succeeded either way."""
    # imported here, not with the code location: gql and its transport take seconds to import
    from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

    started = time.monotonic()
    client = DagsterGraphQLClient(webserver.host, port_number=webserver.port, timeout=RELOAD_TIMEOUT_SECONDS)
    try:
        keys = model_keys(project) if project else []
        known = client._execute(KNOWN_ASSETS, {"keys": [{"path": key} for key in keys]})["assetNodes"] if keys else []
        if keys and len(known) == len(keys):
            return f"code location {webserver.location} shows the {len(keys)} models of {project} already"
        info = client.reload_repository_location(webserver.location)
    except (DagsterGraphQLClientError, OSError) as error:
        cause = error.__cause__ or error  # the client's own message repeats the whole query
        return (f"could not reload the code location at {webserver.host}:{webserver.port}: "
                + " ".join(f"{type(cause).__name__}: {cause}".split())[:200])
    if info.status.value != "SUCCESS":
        return f"could not reload code location {webserver.location}: {info.failure_type}: {info.message}"
    return (f"reloaded code location {webserver.location} at http://{webserver.host}:{webserver.port} "
            f"({time.monotonic() - started:.0f}s): new projects' models are in the UI")


@dg.success_hook(name="reload_code_location")
def reload_after_migration(context: dg.HookContext) -> None:
    """After a migration's last step, `migrator dev`'s webserver loads the code location again."""
    if context.op.name != LAST_STEP:
        return
    webserver = recorded_webserver()
    if webserver is not None:
        run = context.instance.get_run_by_id(context.run_id)
        context.log.info(reload_code_location(webserver, run.tags.get(PARTITION_TAG) if run else None))
