#!/usr/bin/env bash
# Fuzz the sync API described by Schemas/openapi.json (the bundled contract) against a live `rapport serve` with
# schemathesis (property-based API testing). Every check is on, so the run fails on any 5xx, any
# response whose status, content type or body does not match the document, and any invalid input
# that is accepted.
#
#   scripts/api_fuzz.sh [extra `schemathesis run` options for both passes, e.g. --seed 1]
#
# Environment:
#   API_FUZZ_EXAMPLES  generated test cases per operation in the fuzzing pass (default 20, for CI)
#   API_FUZZ_MAX_TIME  seconds for the fuzzing pass: it repeats until they are spent, then stops and
#                      reports (unset: one round of API_FUZZ_EXAMPLES). The long run:
#                      API_FUZZ_EXAMPLES=1000 API_FUZZ_MAX_TIME=780 scripts/api_fuzz.sh
#   API_FUZZ_WORKERS   concurrent schemathesis workers (default 1)
#   RAPPORT_BIN        the rapport binary (default: `swift build --product rapport`, then that one)
#   API_FUZZ_KEEP      1 keeps the work folder (databases, server log, reports) even after a pass
#   API_FUZZ_POSTGRES  a PostgreSQL URL: the server runs on it (in a schema of its own, dropped
#                      after a pass) instead of a SQLite file
#
# Two passes against one server seeded with real records (one of every entity, a conflict, a
# tombstone): "coverage" (the document's examples plus boundary and invalid values of every
# parameter and property) with the real workspace in every path, then "fuzzing" (random requests)
# where 80% name the real workspace and half carry a real cursor, and the rest keep generated values
# (other workspaces: 404; foreign cursors: 400/409). Two hooks (below) add a check of push's
# per-element rejections and make most generated push elements coherent enough to be merged.
# Everything lives in a temporary folder, never in the repository; on failure the folder is kept and
# its path printed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SCHEMATHESIS_VERSION=4.32.5
EXAMPLES=${API_FUZZ_EXAMPLES:-20}
WORKERS=${API_FUZZ_WORKERS:-1}
WORKSPACE=fuzz

# jsonschema (with referencing) is for the hooks below; schemathesis itself uses jsonschema-rs.
if [[ "$(schemathesis --version 2>/dev/null || true)" != *"version $SCHEMATHESIS_VERSION" ]] \
    || ! python3 -c 'import jsonschema, referencing' 2>/dev/null; then
    # A system Python on Debian refuses pip installs unless told; a user Python (pyenv) does not need it.
    python3 -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" jsonschema \
        || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "schemathesis==$SCHEMATHESIS_VERSION" jsonschema
fi

if [[ -z "${RAPPORT_BIN:-}" ]]; then
    swift build --product rapport >&2
    RAPPORT_BIN="$(swift build --show-bin-path)/rapport"
fi
RAPPORT_BIN=$(cd "$(dirname "$RAPPORT_BIN")" && pwd)/$(basename "$RAPPORT_BIN")
[[ -x "$RAPPORT_BIN" ]] || { echo "api_fuzz: no executable at $RAPPORT_BIN (set RAPPORT_BIN)" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rapport-api-fuzz.XXXXXX")
SERVER_PID=""
STATUS=1
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ $STATUS -eq 0 && "${API_FUZZ_KEEP:-0}" != 1 ]]; then
        rm -rf "$WORK"
        if [[ -n "${SCHEMA:-}" ]]; then PGOPTIONS=--client-min-messages=warning psql "$API_FUZZ_POSTGRES" -qc "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" || true; fi
    else
        echo "api_fuzz: work folder kept: $WORK (server log serve.err, reports in report-*/)" >&2
    fi
}
trap cleanup EXIT

rapport() { "$RAPPORT_BIN" "$@"; }

echo "== server: workspace $WORKSPACE, one token, rapport serve on a free port"
if [[ -n "${API_FUZZ_POSTGRES:-}" ]]; then
    SCHEMA="fuzz_$RANDOM$RANDOM"
    SEP='?'; [[ "$API_FUZZ_POSTGRES" == *\?* ]] && SEP='&'
    SERVER_DB=(--postgres "$API_FUZZ_POSTGRES${SEP}schema=$SCHEMA")
    echo "== server on PostgreSQL, schema $SCHEMA"
else
    SERVER_DB=(--db "$WORK/server.db")
fi
rapport server workspace add "$WORKSPACE" "${SERVER_DB[@]}" >/dev/null
TOKEN=$(rapport server token add --workspace "$WORKSPACE" --label fuzz "${SERVER_DB[@]}" --json \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
# The binary itself, not the shell function: $! must be the server, for the trap to stop it.
"$RAPPORT_BIN" serve "${SERVER_DB[@]}" --port 0 --log-level warning >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
for _ in $(seq 300); do
    grep -q listening "$WORK/serve.out" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.err" >&2; echo "api_fuzz: rapport serve exited" >&2; exit 1; }
    sleep 0.1
done
URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/serve.out" | head -n 1 || true)
[[ -n "$URL" ]] || { echo "api_fuzz: rapport serve did not say where it listens" >&2; exit 1; }
EPOCH=$(curl -fsS "$URL/health" | python3 -c 'import json, sys; print(json.load(sys.stdin)["epoch"])')
echo "   $URL (epoch $EPOCH)"

echo "== seed: two replicas, a record of every entity, a concurrent edit (a conflict) and a delete"
export RAPPORT_SERVER=$URL RAPPORT_WORKSPACE=$WORKSPACE RAPPORT_TOKEN=$TOKEN
for name in a b; do rapport init --db "$WORK/$name.db" --name "$name" >/dev/null; done
A=(--db "$WORK/a.db")
rapport account add Globex --id globex --arr 120000 --segment enterprise --renewal 2026-11-23 --owner sam "${A[@]}" >/dev/null
rapport account add Initech --id initech --arr 5000 "${A[@]}" >/dev/null
rapport account add "Umbrella Corp" --id umbrella "${A[@]}" >/dev/null
rapport stakeholder add globex "Ana Ruiz" --role "VP Operations" --email ana@example.com "${A[@]}" >/dev/null
rapport assess globex --trust high --respect low "${A[@]}" >/dev/null
rapport crisis add globex --severity high --summary "outage" "${A[@]}" >/dev/null
rapport objective add grossChurn --better lower --bands 0.05=100,0.1=60,1=0 "${A[@]}" >/dev/null
rapport objective add nps --linear=-100:100 --target 40 "${A[@]}" >/dev/null
rapport measure grossChurn 0.07 --period 2026-Q3 "${A[@]}" >/dev/null
rapport weights set grossChurn=2 nps=1 --from 2026-01-01 --reason "start" "${A[@]}" >/dev/null
for db in a b; do rapport sync --db "$WORK/$db.db" >/dev/null; done
rapport account edit globex --owner dana --db "$WORK/a.db" >/dev/null
sleep 0.01
rapport account edit globex --owner priya --db "$WORK/b.db" >/dev/null
rapport account delete umbrella --db "$WORK/b.db" >/dev/null
for db in a b a; do rapport sync --db "$WORK/$db.db" >/dev/null; done
curl -fsS -H "Authorization: Bearer $TOKEN" "$URL/v1/workspaces/$WORKSPACE/changes?protocolVersion=1" >"$WORK/seed-feed.json"
python3 - "$WORK/seed-feed.json" <<'EOF'
import json, sys
changes = json.load(open(sys.argv[1]))["changes"]
entities = sorted({change["version"]["entity"] for change in changes})
conflicts = sum(len(change.get("conflicts", [])) for change in changes)
print(f"   feed: {len(changes)} changes ({', '.join(entities)}), {conflicts} conflict(s)")
EOF

# Two hooks. A check: one push element that is not a valid record version gets a per-record
# rejection in a 200 answer, by contract ("one bad record never blocks the batch"), which
# schemathesis' negative_data_rejection cannot know; for push that check is replaced by this
# stricter one. A generator: a random record version is never coherent (known entity with all its
# fields, a clock holding the writer's dots), so most generated push elements are turned into
# coherent ones carrying the fuzzed values; that reaches the merge, the conflict journal, and the
# change feed with fuzzed data in it.
cat >"$WORK/rapport_fuzz_hooks.py" <<'EOF'
"""Hooks for fuzzing the Rapport sync API: a contract check and a generator of coherent versions."""
import copy, json, os, random, time
from pathlib import Path

import schemathesis
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


def _open(schema):
    """The schema without `additionalProperties: false`: the server ignores properties it does not
    know (a tolerant reader), which schemathesis' own negative_data_rejection also lets pass."""
    if isinstance(schema, dict):
        return {key: _open(value) for key, value in schema.items() if not (key == "additionalProperties" and value is False)}
    if isinstance(schema, list):
        return [_open(value) for value in schema]
    return schema


_SCHEMAS = {p.name: _open(json.loads(p.read_text())) for p in Path(os.environ["RAPPORT_SCHEMAS"]).glob("*.schema.json")}
_REGISTRY = Registry().with_resources(
    (name, Resource.from_contents(schema, default_specification=DRAFT202012)) for name, schema in _SCHEMAS.items())
_VERSION = Draft202012Validator(_SCHEMAS["record-version.schema.json"], registry=_REGISTRY)
_envelope = copy.deepcopy(_SCHEMAS["push-request.schema.json"])
_envelope["properties"]["versions"] = {"type": "array"}
_ENVELOPE = Draft202012Validator(_envelope, registry=_REGISTRY)


@schemathesis.check
def push_judges_each_element(ctx, response, case):
    """An invalid push envelope gets a 4xx; in a 200, each element that is not a valid record
    version is `rejected`, and there is one result per element, in order."""
    if case.operation.method.upper() != "POST" or not case.operation.path.endswith("/push"):
        return None
    body = case.body
    envelope_ok = isinstance(body, dict) and _ENVELOPE.is_valid(body)
    if not envelope_ok and not 400 <= response.status_code < 500:
        raise AssertionError(f"an invalid push envelope got {response.status_code}; expected a 4xx refusal")
    if response.status_code != 200:
        return None
    results = response.json()["results"]
    versions = body["versions"]
    if [result.get("index") for result in results] != list(range(len(versions))):
        raise AssertionError(f"{len(versions)} elements pushed, but the result indexes are {[r.get('index') for r in results]}")
    for index, version in enumerate(versions):
        if results[index]["status"] != "rejected" and not _VERSION.is_valid(version):
            problem = next(_VERSION.iter_errors(version)).message
            raise AssertionError(f"element {index} is not a valid record version ({problem[:200]}) but got status {results[index]['status']}")
    return None


# Seeded records (every entity), from the feed: their field names and plausible values.
_TEMPLATES = [change["version"] for change in json.load(open(os.environ["RAPPORT_SEED_FEED"]))["changes"]]
_HEX = "0123456789abcdef"
# Clock counts at the edges of what the contract allows (up to 2^64 - 1) and of a signed 64-bit column.
_COUNTS = [1, 2, 3, 1000, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64 - 1]


def _kind(value):
    return "bool" if isinstance(value, bool) else "number" if isinstance(value, (int, float)) else type(value).__name__


def _coherent(generated, rng):
    """A whole, self-consistent version of a seeded entity, carrying values from `generated`."""
    template = rng.choice(_TEMPLATES)
    generated = generated if isinstance(generated, dict) else {}
    fields = generated.get("fields") if isinstance(generated.get("fields"), dict) else {}
    pool = [f["value"] for f in fields.values() if isinstance(f, dict) and "value" in f]
    clock_in = generated.get("clock") if isinstance(generated.get("clock"), dict) else {}
    keys = [k for k in clock_in if isinstance(k, str) and len(k) == 16 and all(c in _HEX for c in k)]
    replica = rng.choice(keys) if keys and rng.random() < 0.7 else "".join(rng.choice(_HEX) for _ in range(16))
    ident = generated.get("id")
    # Half the time the seeded record itself: a fast-forward or a concurrent edit (a conflict).
    if not (isinstance(ident, str) and ident and rng.random() < 0.5):
        ident = template["id"]
    count = rng.choice(_COUNTS) if rng.random() < 0.3 else rng.randint(1, 50)
    clock = {replica: count}
    if rng.random() < 0.5:
        for other, seen in template["clock"].items():
            clock[other] = max(clock.get(other, 0), seen)
    now = int(time.time() * 1000)
    # Mostly the past; sometimes just ahead (allowed); rarely past the 24 h drift limit (rejected).
    roll = rng.random()
    wall = now + rng.randint(0, 3_600_000) if roll < 0.1 else now + 2 * 86_400_000 if roll < 0.13 else now - rng.randint(0, 90 * 86_400_000)

    def stamped(value, dot=None):
        counter = rng.randint(0, 2**32 - 1) if rng.random() < 0.2 else rng.randint(0, 5)
        return {"value": value, "stamp": f"{max(wall - rng.randint(0, 10_000), 0)}:{counter}:{replica}",
                "dot": dot or rng.randint(1, count)}

    out = {}
    for name, field in template["fields"].items():
        same = [v for v in pool if _kind(v) == _kind(field["value"])]
        value = rng.choice(same) if same and rng.random() < 0.6 else None if rng.random() < 0.05 else field["value"]
        out[name] = stamped(value)
    return {"entity": template["entity"], "id": ident, "clock": clock, "fields": out,
            "deleted": stamped(rng.random() < 0.15, dot=count)}


@schemathesis.hook
def map_body(ctx, body):
    """Most push bodies get most elements made coherent; the rest stay as generated."""
    operation = ctx.operation
    if operation is None or operation.method.upper() != "POST" or not operation.path.endswith("/push"):
        return body
    if not isinstance(body, dict) or not isinstance(body.get("versions"), list):
        return body
    # Seeded by the generated body, so a replayed or shrunk case maps the same way.
    rng = random.Random(json.dumps(body, sort_keys=True, default=repr))
    if rng.random() < 0.2:
        return body
    return {**body, "versions": [v if rng.random() < 0.15 else _coherent(v, rng) for v in body["versions"]]}
EOF

# Every check is enabled here rather than with `--checks all`, which would override the
# per-operation switch below. Statuses the contract documents for refusals count as "negative data
# rejected": 426 for an unsupported protocolVersion (e.g. 0), 413 for an oversize body.
common_config() {
    cat <<EOF
[checks]
enabled = true

[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "409", "413", "422", "426"]

[[operations]]
include-operation-id = "push"
checks.negative_data_rejection.enabled = false
EOF
}
{
    common_config
    printf '\n[parameters]\n"path.workspace" = "%s"\n' "$WORKSPACE"
} >"$WORK/coverage.toml"
{
    common_config
    cat <<EOF

[parameters]
"path.workspace" = { dictionary = "workspaces", probability = 0.8 }
"query.since" = { dictionary = "cursors", probability = 0.5 }

[dictionaries.workspaces]
values = ["$WORKSPACE"]

[dictionaries.cursors]
values = ["", "$EPOCH:0", "$EPOCH:1", "$EPOCH:3", "$EPOCH:9223372036854775807"]
EOF
} >"$WORK/fuzzing.toml"

# Runs one pass from the work folder, so schemathesis' own files stay out of the repository.
run_pass() {
    local name=$1 phases=$2
    shift 2
    echo "== schemathesis $SCHEMATHESIS_VERSION, $name pass ($phases), all checks"
    (cd "$WORK" && RAPPORT_SCHEMAS="$ROOT/Schemas" RAPPORT_SEED_FEED="$WORK/seed-feed.json" PYTHONPATH="$WORK" SCHEMATHESIS_HOOKS=rapport_fuzz_hooks \
        schemathesis --config-file "$WORK/$name.toml" run "$ROOT/Schemas/openapi.json" \
        --url "$URL" \
        --header "Authorization: Bearer $TOKEN" \
        --phases "$phases" \
        --max-examples "$EXAMPLES" \
        --workers "$WORKERS" \
        --request-timeout 40 \
        --report junit,har --report-dir "$WORK/report-$name" \
        --no-color \
        "$@") | tee "$WORK/$name.log"
    return "${PIPESTATUS[0]}"
}
COVERAGE_STATUS=0
FUZZING_STATUS=0
run_pass coverage examples,coverage "$@" || COVERAGE_STATUS=$?
FUZZ_BUDGET=()
[[ -n "${API_FUZZ_MAX_TIME:-}" ]] && FUZZ_BUDGET=(--max-time "$API_FUZZ_MAX_TIME")
run_pass fuzzing fuzzing,stateful "${FUZZ_BUDGET[@]}" "$@" || FUZZING_STATUS=$?

# Requests and statuses come from the HAR log of every request schemathesis sent.
python3 - "$WORK" "$COVERAGE_STATUS" "$FUZZING_STATUS" <<'EOF'
import collections, glob, json, re, sys, xml.etree.ElementTree as ET
work = sys.argv[1]
print("== summary")
for name, status in (("coverage", sys.argv[2]), ("fuzzing", sys.argv[3])):
    statuses = collections.Counter()
    operations, failed = set(), set()
    try:
        for path in glob.glob(f"{work}/report-{name}/har-*.json"):
            for entry in json.load(open(path))["log"]["entries"]:
                statuses[entry["response"]["status"]] += 1
        for path in glob.glob(f"{work}/report-{name}/junit-*.xml"):
            for case in ET.parse(path).getroot().iter("testcase"):
                operations.add(case.get("name"))
                if any(True for _ in case.iter("failure")) or any(True for _ in case.iter("error")):
                    failed.add(case.get("name"))
    except (OSError, ValueError, ET.ParseError) as error:
        print(f"   {name}: no complete report ({error}); see {work}/{name}.log")
        continue
    log = open(f"{work}/{name}.log", errors="replace").read()
    cases = re.search(r"Test cases:\s*\n\s*(.+)", log)
    server_errors = sum(count for code, count in statuses.items() if code >= 500)
    print(f"   {name}: {len(operations)} operations; test cases: {cases.group(1).strip() if cases else '?'}; "
          f"requests: {sum(statuses.values())}; failed operations: {len(failed)}; 5xx: {server_errors}; exit {status}")
    print("     statuses: " + ", ".join(f"{code}×{count}" for code, count in sorted(statuses.items())))
EOF
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "   the server died during the run; its log: $WORK/serve.err"
    COVERAGE_STATUS=1
fi
if grep -q . "$WORK/serve.err"; then
    echo "   server log (warnings and errors): $(wc -l <"$WORK/serve.err") lines; first ones:"
    head -n 5 "$WORK/serve.err" | sed 's/^/   | /'
fi
if [[ $COVERAGE_STATUS -eq 0 && $FUZZING_STATUS -eq 0 ]]; then STATUS=0; fi
exit "$STATUS"
