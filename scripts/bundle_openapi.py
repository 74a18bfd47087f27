#!/usr/bin/env python3
"""Bundle Schemas/openapi.yaml and every Schemas/*.schema.json it reaches into one self-contained
Schemas/openapi.json, the file client generators read.

Every schema file becomes a component named by its `title`, and every entry of its `$defs` a
component named by its own `title` (or, without one, its key in PascalCase); every `$ref` and
`discriminator.mapping` value that names a file or a `$defs` entry is rewritten to
`#/components/schemas/<name>`. Two components with one name, or a reference to a file or entry that
does not exist, stop the script. Schema files added later are picked up by rerunning it.

    python3 scripts/bundle_openapi.py           # (re)writes Schemas/openapi.json
    python3 scripts/bundle_openapi.py --check   # exits 1 if Schemas/openapi.json is not what it would write

Requires: pyyaml
"""
import argparse
import copy
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "Schemas"
SOURCE = SCHEMAS / "openapi.yaml"
TARGET = SCHEMAS / "openapi.json"
SUFFIX = ".schema.json"
# Keywords of a schema *file* that mean nothing inside an OpenAPI component.
FILE_ONLY = ("$schema", "$id")
# A file whose root has only these keys holds shared definitions and is no schema itself.
METADATA = {"$schema", "$id", "title", "description", "$defs", "$comment"}


def definitions_only(schema):
    return set(schema) <= METADATA


def pascal(key):
    return "".join(part[:1].upper() + part[1:] for part in key.replace("_", "-").split("-"))


class Bundler:
    def __init__(self):
        self.files = {path.name: json.loads(path.read_text()) for path in sorted(SCHEMAS.glob("*" + SUFFIX))}
        self.names = {}  # (file, def key or None) -> component name
        self.components = {}
        for filename, schema in self.files.items():
            if not definitions_only(schema):
                self._name(filename, None, schema.get("title") or pascal(filename[: -len(SUFFIX)]))
            for key, definition in schema.get("$defs", {}).items():
                self._name(filename, key, definition.get("title") or pascal(key))

    def _name(self, filename, key, name):
        owner = next((k for k, v in self.names.items() if v == name), None)
        if owner is not None:
            raise SystemExit(f"bundle_openapi: component name {name} is used by both {owner} and {(filename, key)}; give one a distinct title")
        self.names[(filename, key)] = name

    def target(self, ref, current):
        """The component a reference names, from inside `current` (a file name, or None for openapi.yaml)."""
        location, _, pointer = ref.partition("#")
        location = location.removeprefix("./")
        filename = location or current
        if filename not in self.files:
            raise SystemExit(f"bundle_openapi: {current or 'openapi.yaml'}: $ref {ref!r} names no schema file in Schemas/")
        if pointer in ("", "/"):
            key = None
            if definitions_only(self.files[filename]):
                raise SystemExit(f"bundle_openapi: {current or 'openapi.yaml'}: $ref {ref!r} names a file of definitions only")
        elif pointer.startswith("/$defs/") and pointer.count("/") == 2:
            key = pointer[len("/$defs/"):]
            if key not in self.files[filename].get("$defs", {}):
                raise SystemExit(f"bundle_openapi: {current or 'openapi.yaml'}: $ref {ref!r}: no such $defs entry")
        else:
            raise SystemExit(f"bundle_openapi: {current or 'openapi.yaml'}: $ref {ref!r}: only whole files and $defs entries can be referenced")
        return "#/components/schemas/" + self.names[(filename, key)]

    def rewrite(self, node, current):
        if isinstance(node, list):
            return [self.rewrite(item, current) for item in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and not value.startswith("#/components/"):
                out[key] = self.target(value, current)
            elif key == "discriminator" and isinstance(value, dict) and "mapping" in value:
                out[key] = {**value, "mapping": {k: self.target(v, current) for k, v in value["mapping"].items()}}
            elif key == "$defs" and current is not None:
                continue  # each entry became a component of its own
            else:
                out[key] = self.rewrite(value, current)
        return out

    def bundle(self):
        document = yaml.safe_load(SOURCE.read_text())
        for filename, schema in self.files.items():
            roots = [] if definitions_only(schema) else [(None, schema)]
            for key, definition in roots + list(schema.get("$defs", {}).items()):
                component = self.rewrite({k: v for k, v in definition.items() if k not in FILE_ONLY}, filename)
                self.components[self.names[(filename, key)]] = component
        bundled = self.rewrite(document, None)
        components = bundled.setdefault("components", {})
        if components.get("schemas"):
            raise SystemExit("bundle_openapi: openapi.yaml declares components/schemas itself; put schemas in *.schema.json files")
        components["schemas"] = dict(sorted(self.components.items()))
        # The order OpenAPI readers expect, components last.
        bundled["components"] = components
        return bundled


def render(document):
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if Schemas/openapi.json is out of date instead of writing it")
    args = parser.parse_args()
    text = render(Bundler().bundle())
    if args.check:
        current = TARGET.read_text() if TARGET.is_file() else ""
        if current != text:
            print(f"bundle_openapi: {TARGET.relative_to(ROOT)} is out of date; run python3 scripts/bundle_openapi.py and commit it", file=sys.stderr)
            return 1
        print(f"ok   {TARGET.relative_to(ROOT)} is up to date")
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(ROOT)}: {len(json.loads(text)['components']['schemas'])} component schemas")
    return 0


if __name__ == "__main__":
    sys.exit(main())
