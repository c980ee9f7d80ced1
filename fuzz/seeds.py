#!/usr/bin/env python3
"""Regenerates the seed corpora of the fuzz targets under fuzz/corpus/<target>/.

Seeds come from what the project ships and tests: the playbooks (playbooks/), the fixture
playbooks (Tests/PlaybookCoreTests/Fixtures), their expressions and templates, the contacts and
calendar files, the scenario files, and request shapes that monitoring tools really send to a
webhook (fuzz/payloads/). Hand-written seeds for corners those miss live in fuzz/corpus/*/extra-*
and are kept. Run from anywhere: python3 fuzz/seeds.py
"""
import hashlib
import hmac
import json
import pathlib
import shutil

import yaml

root = pathlib.Path(__file__).resolve().parent.parent
corpus = root / "fuzz" / "corpus"
fixtures = root / "Tests" / "PlaybookCoreTests" / "Fixtures"


def reset(target):
    directory = corpus / target
    directory.mkdir(parents=True, exist_ok=True)
    for path in directory.iterdir():
        if not path.name.startswith("extra-"):
            path.unlink()
    return directory


def write(directory, name, data):
    if isinstance(data, str):
        data = data.encode()
    (directory / name).write_bytes(data)


def playbook_files():
    files = [p for p in sorted((root / "playbooks").glob("*.yaml")) if not p.name.endswith(".test.yaml")]
    files += sorted(fixtures.glob("*/*.yaml"))
    return files


def load(path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except Exception:
        return None


def walk(node, key=None, seen=None):
    """Yields (key, value) for every string in a YAML tree, each shared node once (alias bombs)."""
    seen = set() if seen is None else seen
    if isinstance(node, (dict, list)):
        if id(node) in seen:
            return
        seen.add(id(node))
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, k, seen)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item, key, seen)
    elif isinstance(node, str):
        yield key, node


def unique(values):
    seen, out = set(), []
    for value in values:
        if value not in seen:
            seen.add(value)
            out.append(value)
    return out


# FuzzPlaybook: every shipped and fixture playbook, as bytes.
directory = reset("FuzzPlaybook")
for path in playbook_files():
    write(directory, f"{path.parent.name}-{path.name}", path.read_bytes())

# FuzzExpression: every `if:` and segment definition.
directory = reset("FuzzExpression")
expressions = []
templates = []
for path in playbook_files():
    document = load(path)
    for key, value in walk(document):
        if key == "if":
            expressions.append(value)
        if "{{" in value or key in ("text", "subject", "html", "message"):
            templates.append(value)
    if isinstance(document, dict) and isinstance(document.get("audience"), dict):
        segments = document["audience"].get("segments")
        if isinstance(segments, dict):
            expressions += [v for v in segments.values() if isinstance(v, str)]
for i, text in enumerate(unique(expressions)):
    write(directory, f"expression-{i:03}", text)

# FuzzTemplate: every message part (text, subject, a locale variant), NUL-separated as the target reads them.
directory = reset("FuzzTemplate")
for i, text in enumerate(unique(templates)):
    write(directory, f"template-{i:03}", text)

# FuzzContacts: the contacts, team, fans and calendar files.
directory = reset("FuzzContacts")
for path in sorted(root.glob("playbooks/**/*.csv")) + sorted(fixtures.glob("**/*.csv")):
    write(directory, f"{path.parent.name}-{path.name}", path.read_bytes())

# FuzzScenario: the shipped scenario files.
directory = reset("FuzzScenario")
for path in sorted((root / "playbooks").glob("*.test.yaml")):
    write(directory, path.name, path.read_bytes())

# FuzzWebhook: real payload shapes, each signed, unsigned, and with a wrong signature.
directory = reset("FuzzWebhook")
secret = b"fuzz-secret"
for path in sorted((root / "fuzz" / "payloads").glob("*.json")):
    body = path.read_bytes()
    signature = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    stem = path.stem
    write(directory, f"{stem}-signed", b"POST /hooks/signed\nContent-Type: application/json\nX-Playbook-Signature: " + signature.encode() + b"\n\n" + body)
    write(directory, f"{stem}-harness-signed", b"POST /hooks/signed?source=monitor\nX-Fuzz-Sign: 1\n\n" + body)
    write(directory, f"{stem}-open", b"POST /hooks/open\nContent-Type: application/json\n\n" + body)
    write(directory, f"{stem}-bad-signature", b"POST /hooks/signed\nx-playbook-signature: sha256=" + b"0" * 64 + b"\n\n" + body)
write(directory, "wrong-method", "GET /hooks/open\n\n")
write(directory, "unknown-path", "POST /hooks/nowhere\n\n{}")
write(directory, "no-signature", "POST /hooks/signed\n\n{}")

print("seeds:", {d.name: len(list(d.iterdir())) for d in sorted(corpus.iterdir())})
