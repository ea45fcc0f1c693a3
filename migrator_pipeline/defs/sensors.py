"""Sensors that start migrations: sources dropped into an inbox folder, and (opt-in) live SQL
Server sources whose objects changed.

Each run they request is a `migrate_project` run for one project (one dynamic partition), with the
source in run config as the SOURCE CONTRACT says:
{"ops": {"source_catalog": {"config": {"source": ..., "variables": {}}}}}.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from migrator_pipeline.catalog.live_source import connect as connect_live
from migrator_pipeline.catalog.live_source import is_live_source, parse_source_url
from migrator_pipeline.catalog.model import SourceError
from migrator_pipeline.catalog.sources import SourceSpec, read_source
from migrator_pipeline.defs.jobs import migrate_project
from migrator_pipeline.defs.partitions import migration_projects
from migrator_pipeline.fingerprints import changed_objects, object_fingerprints
from migrator_pipeline.home import migrator_home
from migrator_pipeline.project_files import ProjectFiles
from migrator_pipeline.settings import PROJECT_NAME, validate_project_name

INBOX_VARIABLE = "MIGRATOR_INBOX"
SOURCE_SUFFIXES = (".sql", ".dacpac")


def source_run_config(source: str, variables: dict[str, str] | None = None) -> dict:
    """The run config of `migrate_project` that names its source (the SOURCE CONTRACT)."""
    return {"ops": {"source_catalog": {"config": {"source": source, "variables": variables or {}}}}}


def inbox_folder() -> Path:
    """MIGRATOR_INBOX when set, else `inbox/` under MIGRATOR_HOME."""
    configured = os.environ.get(INBOX_VARIABLE)
    return Path(configured).expanduser() if configured else migrator_home() / "inbox"


def project_name_for(entry_name: str) -> str | None:
    """The project an inbox entry names: its stem made into a valid project name (lower case,
    underscores, starting with a letter, at most 40 characters); None if nothing is left."""
    stem = entry_name[: -len(suffix)] if (suffix := _source_suffix(entry_name)) else entry_name
    name = re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_")
    if name and not name[0].isalpha():
        name = f"p_{name}"
    name = name[:40].rstrip("_")
    return name if PROJECT_NAME.match(name) else None


def _source_suffix(name: str) -> str:
    return next((s for s in SOURCE_SUFFIXES if name.lower().endswith(s)), "")


@dataclass(frozen=True)
class InboxEntry:
    path: Path
    project: str

    def files(self) -> list[Path]:
        if self.path.is_file():
            return [self.path]
        return sorted(p for p in self.path.rglob("*") if p.is_file())

    def signature(self) -> list[int]:
        """Size and newest modification time: what changes while a copy is still being written."""
        stats = [p.stat() for p in self.files()]
        return [len(stats), sum(s.st_size for s in stats), max((s.st_mtime_ns for s in stats), default=0)]

    def object_hashes(self) -> dict[str, str]:
        """Each object's content hash (fingerprints.py, as the run's steps compute it), shortened
        for the cursor; empty when the source cannot be read (the run will say why)."""
        try:
            catalog = read_source(SourceSpec(str(self.path.resolve())))
        except SourceError:
            return {}
        return {key: value[:16] for key, value in object_fingerprints(catalog).items()}

    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for file in self.files():
            digest.update(file.relative_to(self.path.parent).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(file.read_bytes()).digest())
        return digest.hexdigest()


def inbox_entries(inbox: Path) -> tuple[list[InboxEntry], list[str]]:
    """The inbox's projects (subfolders, .sql files, .dacpac files), and why other entries are
    skipped. Two entries naming the same project: the first in name order wins."""
    entries, skipped, taken = [], [], set()
    for path in sorted(inbox.iterdir()) if inbox.is_dir() else []:
        if path.name.startswith(".") or not (path.is_dir() or _source_suffix(path.name)):
            continue
        project = project_name_for(path.name)
        if project is None or project in taken:
            skipped.append(f"{path.name}: " + ("no usable project name" if project is None
                                               else f"project '{project}' is already named by another entry"))
            continue
        taken.add(project)
        entries.append(InboxEntry(path, project))
    return entries, skipped


@dg.sensor(job=migrate_project, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Migrates each subfolder, .sql file or .dacpac dropped into the inbox folder "
                       "(MIGRATOR_INBOX, default MIGRATOR_HOME/inbox) as the project named after it; "
                       "again when its content changes. Entries still being written wait until their "
                       "size and modification time hold still between two ticks.")
def new_sources(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    cursor = json.loads(context.cursor) if context.cursor else {}
    seen: dict[str, list[int]] = cursor.get("seen", {})  # entry name -> signature at the last tick
    migrated: dict[str, str] = cursor.get("migrated", {})  # entry name -> content hash last requested
    objects: dict[str, dict[str, str]] = cursor.get("objects", {})  # entry name -> object key -> hash
    entries, skipped = inbox_entries(inbox_folder())
    for reason in skipped:
        context.log.warning(f"inbox: skipped {reason}")
    now_seen, run_requests, new_projects = {}, [], []
    for entry in entries:
        signature = entry.signature()
        now_seen[entry.path.name] = signature
        if seen.get(entry.path.name) != signature:
            continue  # new or still changing: look again next tick
        content = entry.content_hash()
        if migrated.get(entry.path.name) == content:
            continue
        migrated[entry.path.name] = content
        if not context.instance.has_dynamic_partition(migration_projects.name, entry.project):
            new_projects.append(entry.project)
        # a changed project: the run re-translates and rebuilds only the changed objects and what
        # depends on them (each step compares the same hashes); the rest keep their results
        tags = {"migrator/source": str(entry.path.resolve()), "migrator/launched_by": "new_sources"}
        now_objects = entry.object_hashes()
        if entry.path.name in objects:
            changed = sorted(changed_objects(objects[entry.path.name], now_objects))
            tags["migrator/changed_objects"] = _changed_summary(changed)
            context.log.info(f"inbox: {entry.project} changed: {_changed_summary(changed)}")
        objects[entry.path.name] = now_objects
        run_requests.append(dg.RunRequest(
            run_key=f"{entry.project}:{content[:16]}", partition_key=entry.project,
            run_config=source_run_config(str(entry.path.resolve())), tags=tags))
    return dg.SensorResult(
        run_requests=run_requests,
        dynamic_partitions_requests=[migration_projects.build_add_request(new_projects)] if new_projects else [],
        cursor=json.dumps({"seen": now_seen, "migrated": migrated, "objects": objects}, sort_keys=True),
    )


def _changed_summary(changed: list[str], shown: int = 10) -> str:
    """`N objects: a, b, ...`; 0 when only files other than objects' changed (expected rows)."""
    more = f", and {len(changed) - shown} more" if len(changed) > shown else ""
    return f"{len(changed)} objects" + (f": {', '.join(changed[:shown])}{more}" if changed else "")


# Every user object's name and last change: a change to any of them (ALTER, CREATE, DROP) changes
# the listing's hash. Tables whose rows change keep their modify_date: data is not watched.
MODIFIED_OBJECTS_QUERY = """SELECT s.name AS schema_name, o.name AS name, o.type AS type, o.modify_date AS modify_date
FROM sys.objects AS o JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.is_ms_shipped = 0
ORDER BY s.name, o.name"""


def live_objects_hash(connection) -> str:
    cursor = connection.cursor()
    try:
        cursor.execute(MODIFIED_OBJECTS_QUERY)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    listing = "\n".join("\t".join(str(value).strip() for value in row) for row in rows)
    return hashlib.sha256(listing.encode()).hexdigest()


def live_projects(instance: dg.DagsterInstance) -> list[tuple[str, str]]:
    """(project, source URL) for every project whose registered source is a live server."""
    found = []
    for project in instance.get_dynamic_partitions(migration_projects.name):
        try:
            location = ProjectFiles(validate_project_name(project)).source().location
        except (ValueError, OSError, KeyError):
            continue
        if is_live_source(location):
            found.append((project, location))
    return found


def build_live_sources_sensor(connect: Callable = connect_live) -> dg.SensorDefinition:
    """The opt-in sensor (off until turned on in the UI): polls each live project's
    `sys.objects.modify_date` and re-migrates the project when its objects changed. The password
    comes from MIGRATOR_MSSQL_PASSWORD, as for every live read. `connect` takes a LiveSource."""

    @dg.sensor(name="live_sources", job=migrate_project, minimum_interval_seconds=300,
               default_status=dg.DefaultSensorStatus.STOPPED,
               description="Re-migrates a project whose live SQL Server source changed "
                           "(sys.objects.modify_date). Opt-in: turn it on to use it.")
    def live_sources(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        known: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
        run_requests = []
        for project, location in live_projects(context.instance):
            try:
                connection = connect(parse_source_url(location))
                try:
                    state = live_objects_hash(connection)
                finally:
                    connection.close()
            except Exception as error:  # one server down must not stop the others' polling
                context.log.warning(f"live source of '{project}' not polled: {type(error).__name__}: {error}")
                continue
            if project in known and known[project] != state:
                run_requests.append(dg.RunRequest(
                    run_key=f"{project}:{state[:16]}", partition_key=project,
                    run_config=source_run_config(location),
                    tags={"migrator/source": location, "migrator/launched_by": "live_sources"}))
            known[project] = state  # the first poll records the state the last migration read
        return dg.SensorResult(run_requests=run_requests, cursor=json.dumps(known, sort_keys=True))

    return live_sources


live_sources = build_live_sources_sensor()
