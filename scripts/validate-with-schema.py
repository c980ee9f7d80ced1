#!/usr/bin/env python3
"""Validates playbook files against the JSON Schema that `playbook schema` prints, reading the YAML
as an editor's YAML 1.2 language server does.

    playbook schema > playbook.schema.json
    scripts/validate-with-schema.py playbook.schema.json playbooks/*.yaml

Prints one JSON object: {"schema": [problems with the schema itself], "files": {PATH: [errors]}}
and exits 1 when there is any problem. Needs PyYAML and jsonschema (scripts/test installs them).

Two readings follow our loader rather than PyYAML's defaults:
- plain scalars resolve with the YAML 1.2 core schema (PyYAML speaks YAML 1.1, where `yes`, `on`
  and `21:00` are not text, and timestamps become dates);
- an unquoted `${env.NAME}` inside a flow mapping, which is not YAML but which our loader accepts,
  is protected the loader's way: its braces are swapped for private-use characters before parsing
  and swapped back in every string.
"""
import json
import re
import sys

import yaml
from jsonschema import Draft202012Validator


class CoreLoader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema's implicit types (as `YAMLScalar` reads them)."""

    yaml_implicit_resolvers = {}


def _resolver(tag, pattern, first):
    CoreLoader.add_implicit_resolver(tag, re.compile(pattern), list(first))


_resolver("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""])
_resolver("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
_resolver("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789")
_resolver(
    "tag:yaml.org,2002:float",
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
    "-+0123456789.",
)
_resolver("tag:yaml.org,2002:merge", r"^(?:<<)$", "<")


def _construct_int(loader, node):
    text = loader.construct_scalar(node)
    if text.startswith("0x"):
        return int(text[2:], 16)
    if text.startswith("0o"):
        return int(text[2:], 8)
    return int(text, 10)


CoreLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)

OPEN, CLOSE = "\ue000", "\ue001"
ENV_REFERENCE = re.compile(r"\$\{(env\.[A-Za-z_][A-Za-z0-9_]*)\}")


def _restore(value):
    if isinstance(value, str):
        return value.replace(OPEN, "{").replace(CLOSE, "}")
    if isinstance(value, list):
        return [_restore(item) for item in value]
    if isinstance(value, dict):
        return {_restore(key): _restore(item) for key, item in value.items()}
    return value


def load(path):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    protected = ENV_REFERENCE.sub("$" + OPEN + r"\1" + CLOSE, text)
    return _restore(yaml.load(protected, Loader=CoreLoader))


def describe(error):
    where = "/" + "/".join(str(part) for part in error.absolute_path)
    return f"{where}: {error.message}"


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        schema = json.load(handle)
    report = {"schema": [], "files": {}}
    try:
        Draft202012Validator.check_schema(schema)
    except Exception as error:  # noqa: BLE001 - any failure is a problem with the schema
        report["schema"].append(str(error).splitlines()[0])
    validator = Draft202012Validator(schema)
    for path in argv[2:]:
        try:
            document = load(path)
        except yaml.YAMLError as error:
            report["files"][path] = [f"YAML: {error}".replace("\n", " ")]
            continue
        errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
        report["files"][path] = [describe(error) for error in errors]
    print(json.dumps(report, indent=2, ensure_ascii=False))
    failed = report["schema"] or any(report["files"].values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
