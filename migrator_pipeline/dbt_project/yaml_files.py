"""The project's properties files read and written with PyYAML's C parser and emitter (libyaml)
when PyYAML was built with it, as its wheels are: about four times faster than its pure-Python
ones on a 1,000-model project, whose YAML the writer and the evaluator each go through on every run
(benchmarks/bench_end_to_end.py). The same documents, and the same text except that the C emitter
escapes characters beyond the Basic Multilingual Plane and Unicode's line separators (`\\U0001F986`,
`\\N`); they read back as written, where the pure-Python emitter folds a NEL into a space."""

from __future__ import annotations

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def yaml_document(text: str):
    """What `yaml.safe_load` makes of `text`."""
    return yaml.load(text, Loader=_LOADER)


def yaml_text(document) -> str:
    """The project's one YAML layout: keys in their order, Unicode as is, lines of 100."""
    return yaml.dump(document, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=100)
