"""SSDT projects and the files of a source folder: which scripts are read, in which order,
and that nothing outside the folder ever is.

A `*.sqlproj` beside the scripts gives the pre-/post-deployment order, SQLCMD variable
defaults, the database's names and collation; its <None>/<Content> files and bin/, obj/
are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import defusedxml
import defusedxml.ElementTree

from migrator_pipeline.catalog.model import Finding


@dataclass
class SqlProject:
    """What a `*.sqlproj` file says about the scripts beside it."""

    build: list[Path] = field(default_factory=list)
    pre_deploy: list[Path] = field(default_factory=list)
    post_deploy: list[Path] = field(default_factory=list)
    excluded: set[Path] = field(default_factory=set)  # <None>, <Content>, <Build Remove>
    variables: dict[str, str] = field(default_factory=dict)  # <SqlCmdVariable> defaults
    names: set[str] = field(default_factory=set)  # database names the project goes by
    collation: str | None = None  # <DefaultCollation>: the database's, which comparisons follow
    findings: list[Finding] = field(default_factory=list)


def read_project(root: Path) -> SqlProject:
    """The first `*.sqlproj` directly in root (an empty SqlProject when there is none)."""
    project = SqlProject()
    found = sorted(p for p in root.glob("*") if p.is_file() and p.suffix.lower() == ".sqlproj")
    if not found:
        return project
    path = found[0]
    project.names.add(path.stem.lower())
    try:
        tree = defusedxml.ElementTree.parse(path)  # no entity expansion, no external entities
    except (ElementTree.ParseError, defusedxml.DefusedXmlException, OSError) as error:
        project.findings.append(Finding("error", f"cannot read the project file, all .sql files read: {error}", path.name))
        return project
    real_root = root.resolve()
    for element in tree.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        include = (element.get("Include") or element.get("Remove") or "").strip()
        if tag in ("Name", "DatabaseName") and element.text:
            project.names.add(element.text.strip().lower())
        if tag == "DefaultCollation" and element.text and element.text.strip():
            project.collation = element.text.strip()
        if not include:
            continue
        if tag == "SqlCmdVariable":
            default = next((c.text or "" for c in element if c.tag.rsplit("}", 1)[-1] in ("DefaultValue", "Value")), "")
            project.variables[include] = default
            continue
        paths = [local_path(root, part) for part in include.split(";") if part.strip()]
        # `local_path` gives real paths: each is inside when it is under the root's real path
        if any(not p.is_relative_to(real_root) for p in paths):
            project.findings.append(Finding("error", f"{tag} item outside the source folder, not read: {include}", path.name))
            paths = [p for p in paths if p.is_relative_to(real_root)]
        if tag == "Build" and element.get("Remove"):
            project.excluded.update(paths)
        elif tag == "Build":
            project.build.extend(paths)
        elif tag == "PreDeploy":
            project.pre_deploy.extend(paths)
        elif tag == "PostDeploy":
            project.post_deploy.extend(paths)
        elif tag in ("None", "Content"):
            project.excluded.update(paths)
    return project


def is_inside(path: Path, root: Path) -> bool:
    """Whether a path, symbolic links followed, lies inside the source folder: nothing outside
    it (host files named by `BULK INSERT`, `:r ../..`, a project item, a link) is ever read."""
    return path.resolve().is_relative_to(root.resolve())


def local_path(base: Path, written: str) -> Path:
    """A path written in a project or `:r` (Windows separators, any case) under base, resolved."""
    path = base
    for part in written.strip().strip('"').replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        candidate = path / part
        if not candidate.exists() and path.is_dir():
            # Windows file systems ignore case; projects written there often disagree with the disk
            candidate = next((c for c in path.iterdir() if c.name.lower() == part.lower()), candidate)
        path = candidate
    return path.resolve()


def project_scripts(root: Path, project: SqlProject) -> list[Path]:
    """Pre-deployment scripts, then every other .sql file in path order, then post-deployment.

    Files a project lists as <Build> and files it does not list are both read (nothing in
    the folder goes unreported); only <None>, <Content> and <Build Remove> files are left out.
    """
    skipped_dirs = {"bin", "obj"} if project.names else set()
    scripts = [
        p for p in source_files(root, ".sql")
        if not skipped_dirs.intersection(part.lower() for part in p.relative_to(root).parts[:-1])
    ]
    excluded = project.excluded - set(project.build)
    ordered_first = [p for p in project.pre_deploy if p.exists()]
    ordered_last = [p for p in project.post_deploy if p.exists()]
    special = set(ordered_first) | set(ordered_last) | excluded
    real = _RealPaths()
    middle = [p for p in scripts if real(p) not in special]
    return ordered_first + middle + ordered_last


def source_files(root: Path, suffix: str) -> list[Path]:
    """The files under root with this suffix, inside it (links followed), in path order."""
    if not root.is_dir():
        return []
    real, real_root = _RealPaths(), root.resolve()
    found = [p for p in root.rglob("*")
             if p.suffix.lower() == suffix and p.is_file() and real(p).is_relative_to(real_root)]
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


class _RealPaths:
    """`Path.resolve` of the files of one folder tree, each folder resolved once: a file that is
    not a link is its real folder's entry (resolving each file anew followed every folder of
    its path again, a system call each)."""

    def __init__(self) -> None:
        self._folders: dict[Path, Path] = {}

    def __call__(self, path: Path) -> Path:
        if path.is_symlink():
            return path.resolve()
        folder = self._folders.get(path.parent)
        if folder is None:
            folder = self._folders[path.parent] = path.parent.resolve()
        return folder / path.name
