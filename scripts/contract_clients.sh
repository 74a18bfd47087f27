#!/usr/bin/env bash
# Point standard client generators at the bundled contract, as an outside team would, and run a
# round trip through each generated client against a live `rapport serve`:
#
#   - openapi-python-client 0.29.1 (PyPI, in a venv of its own) with --fail-on-warning, then
#     scripts/contract_roundtrip.py through the generated package;
#   - with CONTRACT_SWIFT=1, apple/swift-openapi-generator 1.14.3 too: the package in
#     Examples/SwiftClient (its build plugin generates the client from Schemas/openapi.json), then
#     its rapport-swift-roundtrip executable. It builds the generator, so it takes minutes.
#
#   scripts/contract_clients.sh
#
# Environment:
#   RAPPORT_BIN     the rapport binary (default: `swift build --product rapport`, then that one)
#   CONTRACT_VENV   the venv for the generator and the round trip (default: .build/contract-venv)
#   CONTRACT_SWIFT  1 also runs the Swift client (default 0)
# First checks that Schemas/openapi.json is what scripts/bundle_openapi.py makes of the sources.
# Everything else lives in a temporary folder, kept (and printed) on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
GENERATOR_VERSION=0.29.1
VENV=${CONTRACT_VENV:-$ROOT/.build/contract-venv}

if [[ ! -x "$VENV/bin/openapi-python-client" ]] || [[ "$("$VENV/bin/openapi-python-client" --version 2>/dev/null)" != *"$GENERATOR_VERSION"* ]]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "openapi-python-client==$GENERATOR_VERSION" jsonschema pyyaml
fi
PY=$VENV/bin/python

echo "== the bundled contract is up to date"
"$PY" scripts/bundle_openapi.py --check

if [[ -z "${RAPPORT_BIN:-}" ]]; then
    swift build --product rapport >&2
    RAPPORT_BIN="$(swift build --show-bin-path)/rapport"
fi
RAPPORT_BIN=$(cd "$(dirname "$RAPPORT_BIN")" && pwd)/$(basename "$RAPPORT_BIN")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rapport-contract.XXXXXX")
SERVER_PID=""
STATUS=1
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ $STATUS -eq 0 ]]; then rm -rf "$WORK"; else echo "contract_clients: work folder kept: $WORK" >&2; fi
}
trap cleanup EXIT

echo "== openapi-python-client $GENERATOR_VERSION --fail-on-warning on Schemas/openapi.json"
printf 'project_name_override: rapport-client\npackage_name_override: rapport_client\npost_hooks: []\n' >"$WORK/python-config.yaml"
"$VENV/bin/openapi-python-client" generate --path Schemas/openapi.json --config "$WORK/python-config.yaml" \
    --output-path "$WORK/python-client" --fail-on-warning 2>&1 | tee "$WORK/python-generate.log"
GENERATE_STATUS=${PIPESTATUS[0]}
WARNINGS=$(grep -ci 'warning' "$WORK/python-generate.log" || true)
echo "   exit $GENERATE_STATUS, $WARNINGS warning line(s), $(find "$WORK/python-client/rapport_client/models" -name '*.py' ! -name '__init__.py' | wc -l) models, operations: $(cd "$WORK/python-client/rapport_client/api" && find . -name '*.py' ! -name '__init__.py' | sed 's|^\./||; s|\.py$||' | sort | tr '\n' ' ')"
[[ $GENERATE_STATUS -eq 0 && $WARNINGS -eq 0 ]] || { echo "contract_clients: the Python client did not generate cleanly" >&2; exit 1; }

echo "== server: workspaces contract and other, a token for contract, rapport serve on a free port"
"$RAPPORT_BIN" server workspace add contract --db "$WORK/server.db" >/dev/null
"$RAPPORT_BIN" server workspace add other --db "$WORK/server.db" >/dev/null
TOKEN=$("$RAPPORT_BIN" server token add --workspace contract --label contract --db "$WORK/server.db" --json \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
"$RAPPORT_BIN" serve --db "$WORK/server.db" --port 0 --log-level warning >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
for _ in $(seq 300); do
    grep -q listening "$WORK/serve.out" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.err" >&2; echo "contract_clients: rapport serve exited" >&2; exit 1; }
    sleep 0.1
done
URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/serve.out" | head -n 1 || true)
[[ -n "$URL" ]] || { echo "contract_clients: rapport serve did not say where it listens" >&2; exit 1; }
echo "   $URL"

echo "== round trip through the generated Python client"
PYTHONPATH="$WORK/python-client" "$PY" scripts/contract_roundtrip.py --url "$URL" --workspace contract --token "$TOKEN" --other-workspace other

if [[ "${CONTRACT_SWIFT:-0}" == 1 ]]; then
    echo "== apple/swift-openapi-generator 1.14.3 (build plugin) in Examples/SwiftClient, then its round trip"
    "$RAPPORT_BIN" server workspace add swift --db "$WORK/server.db" >/dev/null
    SWIFT_TOKEN=$("$RAPPORT_BIN" server token add --workspace swift --label swift --db "$WORK/server.db" --json \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
    Examples/SwiftClient/run.sh "$URL" swift "$SWIFT_TOKEN" other
fi
STATUS=0
