"""Table data in files: `BULK INSERT` data files and CSV exports, as rows of text.

In both an empty field is NULL (None): the csv module cannot tell an empty quoted string from an
empty field, NULL is the commoner meaning in exports, and bcp's character format writes NULL so
(`empty_as_null`, the one place this is decided).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from migrator_pipeline.catalog.sqlproj import is_inside
from migrator_pipeline.tsql.lexer import Token
from migrator_pipeline.tsql.tokens import literal_text, matching_paren, split_commas


def empty_as_null(record: list[str]) -> list[str | None]:
    """A CSV record's fields, an empty field read as NULL (None)."""
    return [value if value != "" else None for value in record]


def bulk_options(tokens: list[Token]) -> dict[str, str | None]:
    """`WITH (FIELDTERMINATOR = ',', KEEPNULLS, ...)` as upper-case names -> literal text."""
    options: dict[str, str | None] = {}
    start = next((k for k, t in enumerate(tokens) if t.text == "("), None)
    close = matching_paren(tokens, start) if start is not None else -1
    if close < 0:
        return options
    for piece in split_commas(tokens[start + 1 : close]):
        name = piece[0].upper
        if len(piece) > 2 and piece[1].text == "=":
            is_literal, value = literal_text(piece[2:])
            options[name] = value if is_literal else piece[2].text
        else:
            options[name] = None
    return options


def bulk_file(script: Path, written: str, root: Path) -> Path | None:
    """The data file: as written, beside the script, or by file name beside the script or in data/,
    only ever inside the source folder."""
    name = re.split(r"[\\/]", written)[-1]
    folder = script.parent
    candidates = [Path(written), folder / written.replace("\\", "/"), folder / name, folder / "data" / name, root / name, root / "data" / name]
    return next((c for c in candidates if name and is_inside(c, root) and c.is_file()), None)


def is_outside(script: Path, written: str, root: Path) -> bool:
    """A BULK INSERT path that names a place outside the source folder (`/etc/passwd`, `../x`)."""
    as_written = Path(written) if Path(written).is_absolute() else script.parent / written
    return not is_inside(as_written, root)


def _terminator(written: str | None, default: str) -> str:
    if not written:
        return default
    if written.lower().startswith("0x"):
        return bytes.fromhex(written[2:]).decode("latin-1")
    return written.replace("\\r", "").replace("\\n", "\n").replace("\\t", "\t").replace("\\0", "\0")


def _bulk_encoding(options: dict[str, str | None]) -> str:
    if (options.get("DATAFILETYPE") or "").lower() in ("widechar", "widenative"):
        return "utf-16"
    codepage = (options.get("CODEPAGE") or "65001").upper()
    named = {"65001": "utf-8-sig", "ACP": "cp1252", "OEM": "cp437", "RAW": "latin-1"}
    return named.get(codepage, f"cp{codepage}")


def csv_records(text: str, delimiter: str, quote: str) -> tuple[list[list[str]], list[int]]:
    """The non-empty records of CSV text, and the line each starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quote)
    records, lines = [], []
    line = 1
    for record in reader:
        if record:
            records.append(record)
            lines.append(line)
        line = reader.line_num + 1
    return records, lines


def _terminated_records(text: str, field_end: str, row_end: str, fields: int) -> tuple[list[list[str]], list[int]]:
    """Records read field by field, as BULK INSERT reads them: `fields - 1` field terminators,
    then the row terminator."""
    records: list[list[str]] = []
    lines: list[int] = []
    position, line, end_of_text = 0, 1, len(text)
    while position < end_of_text:
        record, first_line = [], line
        for index in range(fields):
            terminator = row_end if index == fields - 1 else field_end
            end = text.find(terminator, position)
            end = end_of_text if end < 0 else end
            record.append(text[position:end])
            line += text.count("\n", position, min(end + len(terminator), end_of_text))
            position = end + len(terminator)
            if end == end_of_text:
                break
        if record != [""]:
            records.append(record)
            lines.append(first_line)
    return records, lines


def bulk_rows(raw: bytes, options: dict[str, str | None], fields: int | None = None) -> tuple[list[list[str | None]], list[int]]:
    """Rows of a BULK INSERT data file (an empty field is NULL: None), and the line of each.

    Like BULK INSERT, a row is `fields` fields: every field but the last ends at the field
    terminator, so a row terminator inside one is data (a comment with a line break)."""
    text = raw.decode(_bulk_encoding(options)).lstrip("\ufeff").replace("\r\n", "\n")
    field_end = _terminator(options.get("FIELDTERMINATOR"), "\t")
    row_end = _terminator(options.get("ROWTERMINATOR"), "\n")
    if (options.get("FORMAT") or "").upper() == "CSV" and len(field_end) == 1:
        quote = options.get("FIELDQUOTE") or '"'
        records, lines = csv_records(text, field_end, quote[:1])
    else:
        records = [line.split(field_end) for line in text.split(row_end)]
        lines = list(range(1, len(records) + 1))
        kept = [k for k, record in enumerate(records) if record and record != [""]]
        records, lines = [records[k] for k in kept], [lines[k] for k in kept]
        if fields and any(len(record) != fields for record in records):
            records, lines = _terminated_records(text, field_end, row_end, fields)
    first = int(options.get("FIRSTROW") or 1)
    last = int(options.get("LASTROW") or 0) or len(records)
    # bcp's character format: an empty field is NULL, a lone NUL character an empty string
    rows = [["" if value == "\0" else value for value in empty_as_null(record)] for record in records[first - 1 : last]]
    return rows, lines[first - 1 : last]
