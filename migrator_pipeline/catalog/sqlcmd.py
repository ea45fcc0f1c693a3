"""Script files as sqlcmd reads them: decoded, `:setvar` and `$(NAME)` substituted, `:r` files
included where they are named.

Command-line variables win over `:setvar`, as `sqlcmd -v` does. An include is read relative to
the including file, only inside the source folder, and never in a cycle; other `:` lines are
skipped (kept as blank lines, so that line numbers hold).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from migrator_pipeline.catalog.sqlproj import is_inside, local_path

# SQLCMD: a `:command` at the start of a line, `$(NAME)` anywhere
_SQLCMD_LINE = re.compile(r"^[ \t]*:([A-Za-z]+)\b(.*)$")
# searched in "\n" + text: a pattern that starts with a plain character is scanned for
# ~10x faster than `^` under re.M, which matters on data scripts of many megabytes
_SQLCMD_LINE_START = re.compile(r"\n[ \t]*:[A-Za-z]+\b")
_VARIABLE = re.compile(r"\$\(([A-Za-z_][\w\-]*)\)")
_SETVAR = re.compile(r"^\s+([A-Za-z_][\w\-]*)(.*)$")


def decode_script(raw: bytes) -> str:
    """Script bytes as text: UTF-8 (BOM optional) or UTF-16 with a BOM. Raises UnicodeDecodeError."""
    if raw.startswith(codecs.BOM_UTF8):
        text = raw[len(codecs.BOM_UTF8) :].decode("utf-8")
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = raw.decode("utf-16")
    else:
        text = raw.decode("utf-8")
    if "\x00" in text:
        raise UnicodeDecodeError("utf-8", raw, 0, 1, "NUL characters: binary or UTF-16 without a BOM")
    return text.replace("\r\n", "\n")


def _has_sqlcmd_lines(text: str) -> bool:
    return _SQLCMD_LINE_START.search("\n" + text) is not None


@dataclass
class Sqlcmd:
    """The SQLCMD pass over the scripts of one source folder."""

    root: Path
    fixed_variables: set[str]  # given on the command line: :setvar does not change them
    finding: Callable[..., None]  # (severity, message, file, line): the reader's findings
    file_name: Callable[[Path], str]  # a path as findings name it

    def included_files(self, scripts: list[Path], seed_variables: dict[str, str]) -> set[Path]:
        """Files some script includes with `:r`: they are read where they are included, not on their own."""
        included: set[Path] = set()
        for script in scripts:
            text = self._decode(script, None)
            if text is None or not _has_sqlcmd_lines(text):
                continue
            variables = dict(seed_variables)
            for line in text.split("\n"):
                directive = _SQLCMD_LINE.match(line)
                if directive is None:
                    continue
                command, argument = directive.group(1).lower(), directive.group(2)
                if command == "setvar":
                    self._setvar(argument, variables, None, None)
                elif command == "r":
                    written = _VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), argument)
                    included.add(local_path(script.resolve().parent, written))
        return included

    def texts(self, path: Path, variables: dict[str, str], including: tuple[Path, ...] = ()) -> Iterator[tuple[str, int, str]]:
        """(text, first line, file) pieces of a script, SQLCMD applied, in reading order: an `:r`
        ends the piece before it, and the included file's pieces come next."""
        file = self.file_name(path)
        text = self._decode(path, file)
        if text is None:
            return
        if "$(" not in text and not _has_sqlcmd_lines(text):
            yield text, 1, file  # no SQLCMD: the line by line pass below would change nothing
            return
        lines: list[str] = []
        first_line = 1
        for number, line in enumerate(text.split("\n"), 1):
            directive = _SQLCMD_LINE.match(line)
            if directive is None:
                lines.append(self._substitute(line, variables, file, number))
                continue
            lines.append("")  # keeps line numbers
            command, argument = directive.group(1).lower(), directive.group(2)
            if command == "setvar":
                self._setvar(argument, variables, file, number)
            elif command == "r":
                # an include ends the batch text before it: included files end their own batches
                yield "\n".join(lines), first_line, file
                lines, first_line = [], number + 1
                written = self._substitute(argument, variables, file, number)
                yield from self._include(path, written, variables, including, file, number)
        yield "\n".join(lines), first_line, file

    def _decode(self, path: Path, file: str | None) -> str | None:
        try:
            return decode_script(path.read_bytes())
        except (UnicodeDecodeError, OSError) as error:
            if file is not None:
                self.finding("error", f"cannot read the file, skipped: {error}", file)
            return None

    def _substitute(self, line: str, variables: dict[str, str], file: str, number: int) -> str:
        if "$(" not in line:
            return line

        def value(match: re.Match) -> str:
            name = match.group(1)
            if name in variables:
                return variables[name]
            self.finding("error", f"undefined SQLCMD variable $({name})", file, number)
            return match.group(0)

        return _VARIABLE.sub(value, line)

    def _setvar(self, argument: str, variables: dict[str, str], file: str | None, number: int | None) -> None:
        match = _SETVAR.match(argument)
        if match is None:
            if file is not None:
                self.finding("warning", f":setvar without a variable name ignored: {argument.strip()}", file, number)
            return
        name, value = match.group(1), match.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace('""', '"')
        if name not in self.fixed_variables:
            variables[name] = value

    def _include(self, path: Path, written: str, variables: dict[str, str], including: tuple[Path, ...], file: str,
                 line: int) -> Iterator[tuple[str, int, str]]:
        target = local_path(path.resolve().parent, written)
        chain = including + (path.resolve(),)
        if Path(written.strip().strip('"')).is_absolute() or not is_inside(target, self.root):
            self.finding("error", f"included file outside the source folder, not read: {written.strip()}", file, line)
        elif target in chain:
            cycle = " -> ".join(self.file_name(p) for p in chain[chain.index(target) :] + (target,))
            self.finding("error", f"include cycle, not followed: {cycle}", file, line)
        elif not target.is_file():
            self.finding("error", f"included file not found: {written.strip()}", file, line)
        else:
            yield from self.texts(target, variables, chain)
