# SPDX-License-Identifier: GPL-2.0-or-later
"""Validate folioscope's JSON output against docs/schema/*.schema.json.

conftest.run() calls validate_output() on every successful (exit 0 or 1)
command line with --json or -j, so every JSON the test suite produces is
checked against the published schema. Works with python3-jsonschema 4.10
(Debian 12: RefResolver) and 4.18+ (the referencing library)."""
import json
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCHEMA_DIR = REPO / "docs/schema"

# CLI subcommand -> schema; every JSON-printing front end maps to one of them.
SUBCOMMANDS = {"scan": "scan", "check": "scan", "rmap": "scan", "decode": "decode", "vtop": "vtop",
               "folio": "folio", "pgmap": "pgmap",
               # the crash extension's commands (docs/crash.md)
               "fscan": "scan", "fcheck": "scan", "frmap": "scan"}
# schemas whose output is JSON Lines (one object per line); the scan document is one (pretty-printed) object
JSON_LINES = {"decode", "vtop", "folio", "pgmap"}


def _jsonschema():
    try:
        import jsonschema
    except ImportError as e:  # pragma: no cover - install-deps installs python3-jsonschema
        raise AssertionError("python3-jsonschema is missing (make deps installs it): JSON output cannot be "
                             "checked against docs/schema") from e
    return jsonschema


@lru_cache(maxsize=None)
def _schemas():
    """$id -> schema, for every docs/schema/*.schema.json, and name -> $id."""
    by_id, by_name = {}, {}
    for p in sorted(SCHEMA_DIR.glob("*.schema.json")):
        s = json.loads(p.read_text())
        by_id[s["$id"]] = s
        by_name[p.name[:-len(".schema.json")]] = s["$id"]
    return by_id, by_name


@lru_cache(maxsize=None)
def validator(name):
    """A Draft 2020-12 validator for docs/schema/NAME.schema.json, its references resolved."""
    js = _jsonschema()
    by_id, by_name = _schemas()
    schema = by_id[by_name[name]]
    cls = js.Draft202012Validator
    cls.check_schema(schema)
    try:
        from referencing import Registry, Resource
    except ImportError:  # jsonschema < 4.18
        resolver = js.RefResolver.from_schema(schema, store=dict(by_id))
        return cls(schema, resolver=resolver)
    registry = Registry().with_resources([(i, Resource.from_contents(s)) for i, s in by_id.items()])
    return cls(schema, registry=registry)


def errors(name, doc):
    """Messages for every way doc violates schema NAME (empty: valid)."""
    return [f"{'/'.join(map(str, e.absolute_path)) or '(document)'}: {e.message}"
            for e in sorted(validator(name).iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))]


def schema_for(cmd):
    """The schema name for a command line, or None when it prints no folioscope JSON."""
    args = [str(a) for a in cmd]
    if any(a == "folioscope.scan" or a.endswith("/folioscope/scan.py") for a in args):
        return "scan"
    for a in args[1:]:
        if a in SUBCOMMANDS:
            return SUBCOMMANDS[a]
    return None


def documents(name, text):
    """The JSON documents in a command's output."""
    if name in JSON_LINES:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return [json.loads(text)]


def validate_text(name, text, what="output"):
    """Assert that text (a command's stdout) is valid against schema NAME."""
    try:
        docs = documents(name, text)
    except json.JSONDecodeError as e:
        raise AssertionError(f"{what}: not JSON ({e}):\n{text[:2000]}") from None
    for i, d in enumerate(docs):
        bad = errors(name, d)
        if bad:
            raise AssertionError(f"{what}: document {i} violates docs/schema/{name}.schema.json:\n  "
                                 + "\n  ".join(bad[:20]))
    return docs


def validate_output(cmd, stdout):
    """conftest.run()'s hook: validate a --json / -j command's stdout, if the command is one of ours."""
    args = [str(a) for a in cmd] if not isinstance(cmd, str) else cmd.split()
    if "--json" not in args and "-j" not in args:
        return None
    name = schema_for(args)
    if name is None:
        if "--json" in args and "folioscope" in " ".join(args):
            raise AssertionError(f"{' '.join(args)}: --json output, but no schema in docs/schema for this command")
        return None
    return validate_text(name, stdout, " ".join(args))
