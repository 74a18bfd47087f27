#!/usr/bin/env python3
"""Validate the sync protocol's contract in Schemas/.

Checks that every schema is valid JSON Schema 2020-12, that every file in Schemas/examples
validates against the schema its name starts with (error-*.json against error-response), that
every message schema has an example, and that Schemas/openapi.yaml and the bundled
Schemas/openapi.json are valid OpenAPI 3.1. Every example (and response) is checked twice: against
the multi-file schemas and against the same schema as a component of Schemas/openapi.json (named by
its title), so the bundled file says exactly what the sources say.
With --responses DIR it also validates every *.json file in DIR whose name starts with a schema
name (or "error-"); CI dumps live server responses there. Exits 1 on any failure.

Requires: pip install jsonschema openapi-spec-validator pyyaml
"""
import argparse
import json
import sys
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "Schemas"
SUFFIX = ".schema.json"
# Files holding shared definitions only; no message is written against them directly.
DEFINITIONS_ONLY = {"common"}


def load_schemas():
    schemas = {}
    for path in sorted(SCHEMAS.glob("*" + SUFFIX)):
        schemas[path.name[: -len(SUFFIX)]] = json.loads(path.read_text())
    return schemas


def schema_for(filename, names):
    """The schema a JSON file is checked against, chosen by the start of its name."""
    stem = filename[: -len(".json")]
    if stem.startswith("error-"):
        return "error-response"
    matches = [name for name in names if name not in DEFINITIONS_ONLY and stem.startswith(name)]
    return max(matches, key=len) if matches else None


def error_text(error):
    where = "/".join(str(part) for part in error.absolute_path) or "(root)"
    return f"at {where}: {error.message}"


def validate_files(paths, validators, names, failures, require_match):
    checked = 0
    for path in paths:
        name = schema_for(path.name, names)
        if name is None:
            if require_match:
                failures.append(f"{path}: no schema named like this file (expected a prefix from {sorted(names)} or 'error-')")
            continue
        try:
            instance = json.loads(path.read_text())
        except json.JSONDecodeError as error:
            failures.append(f"{path}: not JSON: {error}")
            continue
        errors = sorted(validators[name].iter_errors(instance), key=lambda e: list(e.absolute_path))
        for error in errors:
            failures.append(f"{path.name} against {name}{SUFFIX} {error_text(error)}")
        bundled = validators.get(("bundled", name))
        if bundled is not None:
            bundled_errors = sorted(bundled.iter_errors(instance), key=lambda e: list(e.absolute_path))
            for error in bundled_errors:
                failures.append(f"{path.name} against openapi.json's component for {name}{SUFFIX} {error_text(error)}")
            errors += bundled_errors
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        print(f"{'FAIL' if errors else 'ok  '} {shown} -> {name}{SUFFIX}")
        checked += 1
    return checked


def validate_openapi(failures):
    import yaml
    from openapi_spec_validator import validate
    from openapi_spec_validator.readers import read_from_filename

    path = SCHEMAS / "openapi.yaml"
    try:
        spec, base_uri = read_from_filename(str(path))
        validate(spec, base_uri=base_uri)
    except Exception as error:  # the validator raises several unrelated types
        failures.append(f"openapi.yaml: {type(error).__name__}: {error}")
        return
    # The validator does not follow every external reference, so check the files exist.
    text = path.read_text()
    for line in text.splitlines():
        if "$ref: './" in line:
            target = line.split("$ref: './", 1)[1].split("'", 1)[0].split("#", 1)[0]
            if not (SCHEMAS / target).is_file():
                failures.append(f"openapi.yaml: $ref to missing file {target}")
    yaml.safe_load(text)
    print("ok   Schemas/openapi.yaml (OpenAPI 3.1)")

    bundled = SCHEMAS / "openapi.json"
    try:
        validate(json.loads(bundled.read_text()))
    except Exception as error:
        failures.append(f"openapi.json: {type(error).__name__}: {error}")
        return
    refs = [line for line in bundled.read_text().splitlines() if '"$ref"' in line and '"#/' not in line]
    if refs:
        failures.append(f"openapi.json: {len(refs)} $ref(s) outside the file, e.g. {refs[0].strip()}")
    print("ok   Schemas/openapi.json (OpenAPI 3.1, self-contained)")


def bundled_validators(schemas, failures):
    """A validator per schema file, from its component in Schemas/openapi.json."""
    path = SCHEMAS / "openapi.json"
    if not path.is_file():
        failures.append("Schemas/openapi.json is missing; run python3 scripts/bundle_openapi.py")
        return {}
    components = json.loads(path.read_text()).get("components", {})
    out = {}
    for name, schema in schemas.items():
        title = schema.get("title")
        if name in DEFINITIONS_ONLY:
            continue
        if title not in components.get("schemas", {}):
            failures.append(f"openapi.json has no component {title!r} for {name}{SUFFIX}; run python3 scripts/bundle_openapi.py")
            continue
        root = {"$ref": f"#/components/schemas/{title}", "components": components}
        out[("bundled", name)] = Draft202012Validator(root)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=Path, help="folder of captured JSON responses to validate as well")
    args = parser.parse_args()

    failures = []
    schemas = load_schemas()
    for name, schema in schemas.items():
        try:
            Draft202012Validator.check_schema(schema)
        except Exception as error:
            failures.append(f"{name}{SUFFIX} is not a valid 2020-12 schema: {error}")
        if schema.get("$id") != name + SUFFIX:
            failures.append(f"{name}{SUFFIX}: $id must be '{name}{SUFFIX}'")
    registry = Registry().with_resources(
        (name + SUFFIX, Resource.from_contents(schema, default_specification=DRAFT202012))
        for name, schema in schemas.items()
    )
    validators = {name: Draft202012Validator(schema, registry=registry) for name, schema in schemas.items()}
    validators.update(bundled_validators(schemas, failures))

    examples = sorted((SCHEMAS / "examples").glob("*.json"))
    validate_files(examples, validators, schemas.keys(), failures, require_match=True)
    covered = {schema_for(path.name, schemas.keys()) for path in examples}
    for name in schemas:
        if name not in DEFINITIONS_ONLY and name not in covered:
            failures.append(f"{name}{SUFFIX} has no example in Schemas/examples")

    validate_openapi(failures)

    if args.responses is not None:
        if not args.responses.is_dir():
            failures.append(f"--responses {args.responses}: not a folder")
        else:
            checked = validate_files(sorted(args.responses.glob("*.json")), validators, schemas.keys(), failures, require_match=False)
            print(f"checked {checked} response file(s) in {args.responses}")
            if checked == 0:
                failures.append(f"--responses {args.responses}: no response files to check (did the server tests run with RAPPORT_RESPONSE_DUMP set?)")

    if failures:
        print(f"\n{len(failures)} failure(s):", file=sys.stderr)
        for failure in failures:
            print("  " + failure, file=sys.stderr)
        return 1
    print(f"all good: {len(schemas)} schemas, {len(examples)} examples, openapi.yaml, openapi.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
