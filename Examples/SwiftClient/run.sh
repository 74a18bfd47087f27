#!/usr/bin/env bash
# Builds this package (the OpenAPIGenerator build plugin generates the client from
# ../../Schemas/openapi.json), reports the generator's warnings and errors, and runs the round trip
# against a live server:
#
#   Examples/SwiftClient/run.sh URL WORKSPACE TOKEN OTHER_WORKSPACE
#
# OTHER_WORKSPACE must exist and not be granted by TOKEN. Fails if the generator warns.
set -euo pipefail
cd "$(dirname "$0")"
LOG=$(mktemp "${TMPDIR:-/tmp}/rapport-swift-client-build.XXXXXX")
START=$(date +%s)
if ! swift build --product rapport-swift-roundtrip >"$LOG" 2>&1; then
    tail -n 40 "$LOG"
    echo "run.sh: the build failed (log: $LOG)" >&2
    exit 1
fi
# The plugin's own diagnostics name openapi.json or the generator; the packages' warnings are not ours.
GENERATOR_LINES=$(grep -Ei '(openapi\.json|openapi-generator|OpenAPIGenerator|GeneratedSources).*(warning|error):|(warning|error):.*(openapi\.json|OpenAPIGenerator)' "$LOG" || true)
SOURCES=$(find .build/plugins/outputs -path '*OpenAPIGenerator/GeneratedSources/*.swift' 2>/dev/null)
GENERATED="$(printf '%s\n' "$SOURCES" | grep -c . || true) files, $(printf '%s\n' "$SOURCES" | xargs -r cat | wc -l) lines"
echo "   swift build: $(( $(date +%s) - START )) s; generated: $GENERATED; generator warnings/errors: $(printf '%s' "$GENERATOR_LINES" | grep -c . || true)"
if [[ -n "$GENERATOR_LINES" ]]; then
    printf '%s\n' "$GENERATOR_LINES"
    echo "run.sh: swift-openapi-generator reported the lines above" >&2
    exit 1
fi
rm -f "$LOG"
"$(swift build --show-bin-path)/rapport-swift-roundtrip" "$1" "$2" "$3" "$4" ../../Schemas/examples
