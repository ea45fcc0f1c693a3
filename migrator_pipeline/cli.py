"""`migrator`: a thin front over the Dagster definitions.

It materializes in-process on the persistent instance (dagster-postgres, under MIGRATOR_HOME),
so runs started here show up in the UI too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

from migrator_pipeline import settings
from migrator_pipeline.catalog.live_source import PASSWORD_VARIABLE, is_live_source, parse_source_url
from migrator_pipeline.catalog.model import SourceError
from migrator_pipeline.catalog.sources import SourceSpec, check_source
from migrator_pipeline.project_files import BUNDLED_EXAMPLE, ProjectFiles
from migrator_pipeline.tsql.identifiers import DEFAULT_POLICY, IDENTIFIER_POLICIES

class UsageError(Exception):
    """Wrong arguments or an unusable source: one line on stderr, exit status 2."""


class _OneLineParser(argparse.ArgumentParser):
    """Wrong arguments get one line on stderr, as the contract promises, not usage plus error."""

    def error(self, message: str):
        self.exit(2, f"migrator: error: {message} (see: {self.prog} --help)\n")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "dev":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if argv is None and args.command in ("migrate", "demo", "dev"):
        # the process's own command line, not a call from Python: its children die with it
        from migrator_pipeline.child_processes import tie_children_to_this_process

        tie_children_to_this_process()
    try:
        return args.handler(args, extra)
    except UsageError as error:
        print(f"migrator: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("migrator: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a fault (a database gone, a full disk): one line, not a traceback
        if os.environ.get("MIGRATOR_DEBUG"):
            raise
        print(f"migrator: error: {_fault(error)}", file=sys.stderr)
        return 1


def _fault(error: BaseException) -> str:
    """One line for an unexpected error: its kind and first line, and its root cause's."""
    def line(e: BaseException) -> str:
        text = next((t.strip() for t in str(e).splitlines() if t.strip()), "")
        return f"{type(e).__name__}: {text}" if text else type(e).__name__
    root, seen = error, {id(error)}
    while (cause := root.__cause__ or (None if root.__suppress_context__ else root.__context__)) is not None:
        if id(cause) in seen:
            break
        root = cause
        seen.add(id(root))
    return line(error) if root is error else f"{line(error)} (caused by {line(root)})"


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="migrator", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    migrate = commands.add_parser("migrate", help="migrate a SQL Server source into a dbt project")
    migrate.add_argument("source", help="a folder of .sql scripts, one .sql file, a .dacpac, or a live "
                                        "server: mssql://user@host/db?driver=... or an ODBC string "
                                        "(password in MIGRATOR_MSSQL_PASSWORD)")
    migrate.add_argument("--project", required=True, help="project name: lower-case identifier")
    migrate.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                         help="a SQLCMD variable for $(NAME) in scripts; repeatable")
    migrate.add_argument("--sample-rows", type=int, metavar="N",
                         help="live servers: copy at most N rows per table")
    migrate.set_defaults(handler=cmd_migrate)
    demo = commands.add_parser("demo", help="migrate the bundled example estate (project `demo`)")
    for command in (migrate, demo):
        command.add_argument("--verbose", action="store_true",
                             help="show Dagster's and dbt's logs (else in the project's migrate.log)")
        command.add_argument("--identifiers", choices=IDENTIFIER_POLICIES, default=DEFAULT_POLICY,
                             help="dbt names: lower (OrderLineID -> orderlineid, as PostgreSQL folds "
                                  "unquoted names) or snake_case (-> order_line_id)")
    demo.set_defaults(handler=cmd_demo)
    # no -h/--help of its own: `-h HOST` belongs to `dagster dev`, like every other option
    dev = commands.add_parser("dev", add_help=False,
                              help="start the embedded database, then `dagster dev` "
                                   "(options such as -p PORT and -h HOST are passed on)")
    dev.set_defaults(handler=cmd_dev)
    url = commands.add_parser("warehouse-url", help="print a libpq URL of the warehouse")
    url.set_defaults(handler=cmd_warehouse_url)
    env = commands.add_parser("env", help="print `export` lines for dagster, dbt and psql: "
                                          "eval \"$(migrator env)\"")
    env.add_argument("--project", help="dbt logs in as this project's own least-privileged role")
    env.set_defaults(handler=cmd_env)
    kit = commands.add_parser("capture-kit", help="write the read-only script and bcp commands that export "
                                                  "SQL Server's reference rows into expected/")
    kit.add_argument("--project", required=True, help="a migrated project's name")
    kit.add_argument("--output", metavar="DIR", help="where to write the kit (default: the project's capture_kit/)")
    kit.set_defaults(handler=cmd_capture_kit)
    stop = commands.add_parser("stop", help="stop the embedded PostgreSQL server")
    stop.set_defaults(handler=cmd_stop)
    usage = commands.add_parser("usage", help="LLM requests, tokens and cost per project and day")
    usage.add_argument("--project", help="only this project")
    usage.add_argument("--since", help="only runs from this day on: YYYY-MM-DD")
    usage.set_defaults(handler=cmd_usage)
    _add_runs_api_commands(commands)
    return parser


def _add_runs_api_commands(commands) -> None:
    url = dict(default="http://localhost:3000", help="the Dagster webserver (default: %(default)s)")
    submit = commands.add_parser("submit", help="start a migration on a running Dagster (`migrator dev`) "
                                                "through its GraphQL API; prints the run id")
    submit.add_argument("source", help="as for `migrate`, seen from the webserver's machine")
    submit.add_argument("--project", required=True, help="project name: lower-case identifier")
    submit.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", help="a SQLCMD variable")
    submit.add_argument("--url", **url)
    submit.set_defaults(handler=cmd_submit)
    status = commands.add_parser("status", help="a run's status, its steps and, when done, its evaluation")
    status.add_argument("run_id")
    status.add_argument("--url", **url)
    status.set_defaults(handler=cmd_status)
    runs = commands.add_parser("runs", help="the latest runs, of one project or all")
    runs.add_argument("--project", help="only this project's runs")
    runs.add_argument("--url", **url)
    runs.set_defaults(handler=cmd_runs)


def _runs_api():
    from migrator_pipeline import runs_api

    return runs_api


def cmd_submit(args, _extra) -> int:
    api = _runs_api()
    try:
        project = settings.validate_project_name(args.project)
    except ValueError as error:
        raise UsageError(str(error)) from None
    try:
        print(api.submit(api.client_for(args.url), _absolute(args.source), project, _variables(args.var)))
    except api.RunsApiError as error:
        raise UsageError(str(error)) from None
    return 0


def cmd_status(args, _extra) -> int:
    api = _runs_api()
    try:
        view = api.run_status(api.client_for(args.url), args.run_id)
    except api.RunsApiError as error:
        raise UsageError(str(error)) from None
    print("\n".join(view.lines()))
    return 0


def cmd_runs(args, _extra) -> int:
    api = _runs_api()
    try:
        views = api.list_runs(api.client_for(args.url), args.project)
    except api.RunsApiError as error:
        raise UsageError(str(error)) from None
    for view in views:
        print(view.lines()[0])
    return 0


def cmd_migrate(args, _extra) -> int:
    try:
        project = settings.validate_project_name(args.project)
    except ValueError as error:
        raise UsageError(str(error)) from None
    if args.sample_rows is not None and args.sample_rows < 1:
        raise UsageError("--sample-rows must be a positive number of rows")
    spec = SourceSpec(_absolute(args.source), _variables(args.var), args.sample_rows, args.identifiers)
    try:
        check_source(spec)
        spec.location = _without_secret(spec.location)
    except SourceError as error:
        raise UsageError(str(error)) from None
    return migrate(spec, project, args.verbose)


def _without_secret(location: str) -> str:
    """A live source is registered, tagged and shown without its password. A password given in
    an ODBC string serves this process only, through the environment; later runs (from the UI)
    need MIGRATOR_MSSQL_PASSWORD set."""
    if not is_live_source(location):
        return location
    source = parse_source_url(location)
    if source.password and not os.environ.get(PASSWORD_VARIABLE):
        os.environ[PASSWORD_VARIABLE] = source.password
    return source.display


def cmd_demo(args, _extra) -> int:
    return migrate(SourceSpec(str(BUNDLED_EXAMPLE), identifiers=args.identifiers), "demo", args.verbose)


def _absolute(location: str) -> str:
    """Paths are stored absolute, so that runs from the UI find them; URLs stay as they are."""
    return location if is_live_source(location) or not Path(location).exists() else str(Path(location).resolve())


def _variables(pairs: list[str]) -> dict[str, str]:
    variables = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--var expects NAME=VALUE, got {pair!r}")
        variables[name.strip()] = value
    return variables


# the tag on every run this CLI starts: while the CLI holds the project's lock, such a run that is
# still in progress is an orphan of a CLI that was killed
LAUNCHED_BY_CLI = ("migrator/launched_by", "cli")
CLI_JOB_NAME = "migrate_project"  # the code location's job for the same assets: runs list together
LOG_FILE = "migrate.log"  # Dagster's and dbt's logs of the last `migrator migrate`, in the project folder


def migrate(source: SourceSpec, project: str, verbose: bool = False) -> int:
    from migrator_pipeline.warehouse.project_lock import ProjectBusy, project_lock
    from migrator_pipeline.warehouse.schemas import SchemaConflict, check_project_schemas

    url = settings.warehouse_url()
    try:
        check_project_schemas(url, project)  # before anything runs: nothing is touched on refusal
        with project_lock(url, project):
            return _run_pipeline(source, project, verbose)
    except (SchemaConflict, ProjectBusy) as error:
        raise UsageError(str(error)) from None


def _run_pipeline(source: SourceSpec, project: str, verbose: bool = False) -> int:
    import dagster as dg

    from migrator_pipeline.cli_progress import logs_to_file, progress_logger

    from migrator_pipeline.defs.assets import MIGRATION_ASSETS
    from migrator_pipeline.defs.environment import migrator_resources
    from migrator_pipeline.defs.partitions import migration_projects

    started = time.monotonic()
    instance = prepare_instance()
    fail_orphaned_runs(instance, project)
    files = ProjectFiles(project)
    shutil.rmtree(files.root, ignore_errors=True)  # a re-run replaces the project's outputs whole
    files.register(source)
    if not instance.has_dynamic_partition(migration_projects.name, project):
        instance.add_dynamic_partitions(migration_projects.name, [project])
    log_path = files.path(LOG_FILE)
    print(f"migrating {source.location} as project '{project}' (state in {settings.migrator_home()}; "
          f"{'logs below' if verbose else f'logs in {log_path}'})", file=sys.stderr)
    with logs_to_file(log_path, verbose) as terminal:
        # what `dg.materialize` runs, under the UI job's name and with the step lines beside the
        # console logger
        job = dg.Definitions(
            jobs=[dg.define_asset_job(CLI_JOB_NAME)], assets=MIGRATION_ASSETS,
            resources=migrator_resources(),
            loggers={"console": dg.colored_console_logger, "progress": progress_logger(terminal)},
        ).resolve_job_def(CLI_JOB_NAME)
        result = job.execute_in_process(
            partition_key=project, instance=instance, raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "INFO" if verbose else "DEBUG"}},
                                    "progress": {}}},
            tags={"migrator/source": source.location, LAUNCHED_BY_CLI[0]: LAUNCHED_BY_CLI[1]},
        )
    if not result.success:
        step, message, declared = _first_failure(result)
        if declared:  # a step refused (an unusable source, an estimate over the LLM budget): the user's to fix
            raise UsageError(f"unusable source: {message}" if step == "source_catalog" else message)
        print(f"migrator: error: the pipeline failed: step {step}: {message} (log: {log_path})",
              file=sys.stderr)
        return 1
    print_summary(files, time.monotonic() - started)
    return 0


def fail_orphaned_runs(instance, project: str) -> None:
    """Mark the project's runs left in progress by a killed CLI as failed; refuse to start while a
    run that Dagster launched for the project is still going."""
    from dagster import DagsterRunStatus, RunsFilter

    in_progress = [DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED,
                   DagsterRunStatus.QUEUED, DagsterRunStatus.CANCELING]
    runs = instance.get_runs(RunsFilter(statuses=in_progress, tags={"dagster/partition": project}))
    for run in runs:
        if run.tags.get(LAUNCHED_BY_CLI[0]) != LAUNCHED_BY_CLI[1]:
            raise UsageError(f"project '{project}' is being migrated by Dagster run {run.run_id}; "
                             "wait for it to finish")
    for run in runs:
        instance.report_run_failed(run, message="the migrator CLI running this run stopped "
                                                "before it ended (killed, or its database went away)")
        print(f"marked the orphaned run {run.run_id} of project '{project}' as failed", file=sys.stderr)


def print_summary(files: ProjectFiles, seconds: float) -> None:
    evaluation = json.loads(files.path("evaluation.json").read_text(encoding="utf-8"))
    summary = evaluation["summary"]
    from migrator_pipeline.evaluation.report import passed_summary

    # a `passed` that rests on a build alone is never shown as proven: say how many rest on rows
    statuses = ", ".join(passed_summary(summary) if status == "passed" else f"{count} {status}"
                         for status, count in summary["by_status"].items())
    print(f"project {evaluation['project']}: {summary['objects']} objects: {statuses} "
          f"(success rate {summary['success_rate']:.0%})")
    print(f"dbt: {summary['models_built']} models built, {summary['tests_passed']} tests passed, "
          f"{summary['tests_failed']} failed; LLM tokens: {summary['llm']['tokens']}")
    print(f"outputs: {files.root} (evaluation.md, assessment.md, dbt/) in {seconds:.1f}s")


def _first_failure(result) -> tuple[str, str, bool]:
    """The first failed step and the innermost error's message, what the user can act on, and
    whether the step declared the failure itself (a dg.Failure) rather than raised an error."""
    for event in result.all_events:
        if not event.is_step_failure:
            continue
        data = event.step_failure_data
        if data.user_failure_data and data.user_failure_data.description:
            return event.step_key, data.user_failure_data.description, True
        error = data.error
        while error is not None and error.cause is not None:
            error = error.cause
        message = (error.message if error else "").strip().splitlines()
        return event.step_key, message[-1] if message else "failed", False
    return "(none)", "run did not succeed", False


def prepare_instance():
    """The persistent Dagster instance: DAGSTER_HOME under MIGRATOR_HOME, storage in PostgreSQL."""
    from dagster import DagsterInstance

    prepare_environment()
    return DagsterInstance.get()


def prepare_environment() -> None:
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(settings.REPO_ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ["MIGRATOR_DAGSTER_STORAGE_URL"] = settings.sqlalchemy_url(settings.dagster_storage_url())


def cmd_dev(_args, extra: list[str]) -> int:
    from migrator_pipeline.defs.pools import set_pool_limits

    set_pool_limits(prepare_instance())
    settings.warehouse_url()  # start the embedded server now, not on the first run
    # `dagster dev` warns that `dg dev` supersedes it (a FutureWarning): dg needs a dg project
    # layout this repository does not have, so the warning is silenced in that one process
    command = [sys.executable, "-W", "ignore::FutureWarning", "-m", "dagster", "dev",
               "-m", "migrator_pipeline.definitions", *extra]
    print(f"starting {' '.join(command)}", file=sys.stderr)
    from migrator_pipeline.child_processes import run_until_stopped

    return run_until_stopped(command)  # Ctrl-C or SIGTERM ends everything it started, within seconds


def cmd_warehouse_url(_args, _extra) -> int:
    print(settings.warehouse_url())
    return 0


def cmd_env(args, _extra) -> int:
    import shlex

    from migrator_pipeline.warehouse.connection import dbt_connection_env

    if args.project:
        try:
            settings.validate_project_name(args.project)
        except ValueError as error:
            raise UsageError(str(error)) from None
    prepare_environment()
    url = settings.warehouse_url()
    exports = {"DAGSTER_HOME": os.environ["DAGSTER_HOME"],
               "MIGRATOR_DAGSTER_STORAGE_URL": os.environ["MIGRATOR_DAGSTER_STORAGE_URL"],
               "DATABASE_URL": url, **dbt_connection_env(url, project=args.project)}
    for name, value in exports.items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


def cmd_capture_kit(args, _extra) -> int:
    from migrator_pipeline.evaluation.built_types import load_column_types
    from migrator_pipeline.evaluation.capture_kit import KIT_FOLDER, capture_kit, write_capture_kit

    try:
        project = settings.validate_project_name(args.project)
    except ValueError as error:
        raise UsageError(str(error)) from None
    files = ProjectFiles(project)
    if not (files.root / "catalog.json").is_file() or not (files.root / "plan.json").is_file():
        raise UsageError(f"no migrated project '{project}' in {settings.migrator_home()}: "
                         f"run `migrator migrate SOURCE --project {project}` first")
    try:
        kit = capture_kit(files.catalog(), files.plan(), load_column_types(files.root / "column_types.json"))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UsageError(f"cannot read project '{project}': {error}") from None
    folder = Path(args.output).resolve() if args.output else files.root / KIT_FOLDER
    write_capture_kit(kit, folder)
    print(f"capture kit for '{project}': {len(kit.queries)} read-only SELECTs in {folder}/capture.sql")
    for note in kit.notes:
        print(f"note: {note}")
    print(f"run: SERVER=host,1433 DATABASE=yourdb {folder}/capture.sh   (bcp; AUTH=-T or AUTH='-U user')")
    print("then copy its expected/ folder beside the scripts and run `migrator migrate` again")
    return 0


def cmd_stop(_args, _extra) -> int:
    from migrator_pipeline.warehouse.embedded import stop_embedded_server

    print("stopped the embedded PostgreSQL" if stop_embedded_server() else "the embedded PostgreSQL was not running")
    return 0


def cmd_usage(args, _extra) -> int:
    import datetime as dt

    from migrator_pipeline.defs.usage import usage_markdown

    try:
        since = dt.date.fromisoformat(args.since) if args.since else None
    except ValueError:
        raise UsageError(f"--since expects a date as YYYY-MM-DD, got {args.since!r}") from None
    print(usage_markdown(prepare_instance(), args.project, since), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
