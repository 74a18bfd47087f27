#!/usr/bin/env bash
# Builds the DocC documentation of the modules an app links (Model, Merge, Store, Protocol,
# Client) as one combined archive, so each module's pages can link to the modules below it (the
# article "Build an app on Rapport" in RapportClient links to RapportStore's symbols). Fails on
# any warning: an unresolved symbol link, a documented parameter that does not exist, a bad topic.
# Prints where the archive went. `swift package --disable-sandbox preview-documentation --target
# RapportClient` serves one module's pages locally while writing.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(RapportModel RapportMerge RapportStore RapportProtocol RapportClient)
args=()
for target in "${targets[@]}"; do args+=(--target "$target"); done

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
started=$(date +%s)
# `--warnings-as-errors` goes to `docc convert`; the grep below also catches what the plugin
# itself warns about (a target without documentable symbols), which that flag does not cover.
if ! swift package generate-documentation "${args[@]}" --enable-experimental-combined-documentation \
    --warnings-as-errors 2>&1 | tee "$log"; then
    echo "docs: the documentation build failed (see above)" >&2
    exit 1
fi
# SwiftPM's note that a dependency ships files it does not declare (swift-distributed-tracing's
# CMakeLists.txt) is about that package, not these docs.
problems=$(grep -E "(warning|error):" "$log" | grep -vE "^warning: '[^']+': found [0-9]+ file\(s\) which are unhandled" || true)
if [ -n "$problems" ]; then
    echo "docs: the documentation build reported warnings:" >&2
    echo "$problems" >&2
    exit 1
fi
archive=$(grep -A1 "Generated combined documentation archive at:" "$log" | tail -n 1 | sed 's/^ *//')
echo "docs: built in $(( $(date +%s) - started )) s without warnings"
echo "docs: archive at ${archive:-(not found in the output of the plugin)}"
echo "docs: the article is Sources/RapportClient/RapportClient.docc/BuildAnAppOnRapport.md"
