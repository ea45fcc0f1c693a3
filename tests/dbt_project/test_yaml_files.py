"""The C emitter and parser on the strings a hostile estate puts in a properties file: every
document reads back as written, and the text is the pure-Python emitter's except where the C one
escapes what lies beyond the Basic Multilingual Plane and Unicode's line separators."""

import yaml

from migrator_pipeline.dbt_project.yaml_files import yaml_document, yaml_text

STRINGS = ["plain", "Ünïcödé — 東京", "{{ env_var('SECRET') }}", "{% raw %}#}", "a: b", "- x", "'quoted'",
           '"double"', "tab\there", "line\nbreak", "nel\x85ls\u2028ps\u2029", "bell\x07", "  padded  ", "",
           "yes", "null", "1e3", "0x1F", "~", "x" * 250, "word " * 60, "emoji 🦆", "back\\slash", "#hash",
           "colon: space", "[list]", "{map}", "& anchor", "* alias", "! tag", "% percent", "@at", "`tick`"]


def test_c_and_python_yaml_agree_on_hostile_strings():
    document = {"version": 2, "models": [
        {"name": text, "description": text, "columns": [{"name": text, "data_type": "numeric(10, 2)",
                                                         "data_tests": [{"accepted_values": {"values": [text]}}]}]}
        for text in STRINGS]}
    # every string reads back as it was, through either parser (PyYAML's pure-Python emitter
    # folds the NEL into a space, the C one escapes it)
    assert yaml.safe_load(yaml_text(document)) == yaml_document(yaml_text(document)) == document
    escaped = {"nel\x85ls\u2028ps\u2029", "emoji 🦆"}
    plain = {"version": 2, "models": [m for m in document["models"] if m["name"] not in escaped]}
    assert yaml_text(plain) == yaml.safe_dump(plain, sort_keys=False, allow_unicode=True, width=100)
