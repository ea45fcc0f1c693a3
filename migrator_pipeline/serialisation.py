"""One way to keep the pipeline's domain objects as JSON: pydantic's `TypeAdapter` over the dataclasses.

Every step's output (`catalog.json`, `plan.json`, `drafts.json`, ...) is a dataclass written by
`save_json` and read back by `load_json`; the dataclasses that are files inherit `SavedAsJson`,
which gives them `save`/`load` (and `to_dict`/`from_dict`) through the same two functions.

Writing gives the shape `dataclasses.asdict` gives, through `json.dumps(indent=1)`: fields in
declaration order, non-ASCII escaped, so the files stay byte for byte what they were before this
module (tests/test_serialisation.py holds each type to that). Reading validates the JSON against
the dataclasses' annotations and rebuilds the nested dataclasses; a field missing from an older
file takes its default.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, TypeVar

from pydantic import TypeAdapter

T = TypeVar("T")


@functools.cache
def _adapter(kind: Any) -> TypeAdapter:
    return TypeAdapter(kind)


def to_json_data(value: Any, kind: Any = None) -> Any:
    """`value` as JSON data (dicts, lists, strings, numbers, None), fields in declaration order."""
    return _adapter(kind or type(value)).dump_python(value, mode="json")


def from_json_data(kind: type[T] | Any, raw: Any) -> T:
    """JSON data read back as `kind` (a dataclass, or e.g. `list[SomeDataclass]`), validated."""
    return _adapter(kind).validate_python(raw)


def save_json(path: Path, value: Any, kind: Any = None) -> None:
    path.write_text(json.dumps(to_json_data(value, kind), indent=1), encoding="utf-8")


def load_json(kind: type[T] | Any, path: Path) -> T:
    return from_json_data(kind, json.loads(path.read_text(encoding="utf-8")))


class SavedAsJson:
    """For a dataclass kept in a file: `save` and `load` through `save_json` and `load_json`."""

    def to_dict(self) -> dict:
        return to_json_data(self)

    @classmethod
    def from_dict(cls: type[T], raw: dict) -> T:
        return from_json_data(cls, raw)

    def save(self, path: Path) -> None:
        save_json(path, self)

    @classmethod
    def load(cls: type[T], path: Path) -> T:
        return load_json(cls, path)

    @classmethod
    def save_all(cls, items: list, path: Path) -> None:
        """A list of these, as one JSON array."""
        save_json(path, items, list[cls])

    @classmethod
    def load_all(cls: type[T], path: Path) -> list[T]:
        return load_json(list[cls], path)
