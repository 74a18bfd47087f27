#!/usr/bin/env bash
# Fuzzes what Rapport does with untrusted bytes, with libFuzzer and AddressSanitizer:
#   push    a push body as the server reads it (LenientPushRequest, per-record checks, ServerStore.push),
#           then the feed it serves applied to a replica
#   pull    a server answer as the client reads it (error/push/changes bodies, Store.apply, SyncSession)
#   bundle  a `rapport import` file (ReplicaBundle, Store.apply, export and re-import)
#   codec   differential: the byte-level codec against Foundation on push bodies and record versions
#
#   scripts/fuzz.sh [push|pull|bundle|codec|all] [seconds per target]    default: all 45
#   scripts/fuzz.sh all 1200                                       the long run (20 minutes each)
#
# Builds into .build-fuzz (RAPPORT_FUZZ=1 adds the harness to Package.swift), fuzzes each target in
# a temporary copy of Fuzz/corpus/<target> so the repository is not touched, and exits 1 on a
# finding (crash, Swift trap, sanitizer report, leak, timeout), printing the input's path and the
# commands to reproduce and minimise it. RAPPORT_FUZZ_KEEP=1 keeps the grown corpora.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${1:-all}"
seconds="${2:-45}"
case "$target" in
    all) targets=(push pull bundle codec) ;;
    push | pull | bundle | codec) targets=("$target") ;;
    *) echo "usage: scripts/fuzz.sh [push|pull|bundle|codec|all] [seconds per target]" >&2; exit 2 ;;
esac
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "seconds must be a positive whole number, got '$seconds'" >&2
    exit 2
fi

echo "== building the fuzz harness (release, -sanitize=fuzzer,address) into .build-fuzz"
RAPPORT_FUZZ=1 swift build -c release --scratch-path .build-fuzz --product rapport-fuzz \
    -Xswiftc -sanitize=fuzzer,address
binary="$(RAPPORT_FUZZ=1 swift build -c release --scratch-path .build-fuzz --show-bin-path)/rapport-fuzz"

work="$(mktemp -d "${TMPDIR:-/tmp}/rapport-fuzz.XXXXXX")"
found=0
# libFuzzer and ASan report a trap themselves; Swift's own backtracer would only slow that down.
export SWIFT_BACKTRACE=enable=no
symbolizer="$(dirname "$(command -v swift)")/llvm-symbolizer"
if [[ -x "$symbolizer" ]]; then export ASAN_SYMBOLIZER_PATH="$symbolizer"; fi

for name in "${targets[@]}"; do
    corpus="$work/$name/corpus" artifacts="$work/$name/artifacts"
    mkdir -p "$corpus" "$artifacts"
    # The codec target starts from the push seeds: they are push bodies and hold record versions.
    cp Fuzz/corpus/"$([[ $name == codec ]] && echo push || echo "$name")"/* "$corpus"/
    echo "== fuzz $name for ${seconds}s (log: $work/$name/fuzz.log)"
    status=0
    RAPPORT_FUZZ_TARGET="$name" "$binary" "$corpus" \
        -dict=Fuzz/rapport.dict -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=8192 -artifact_prefix="$artifacts/" -print_final_stats=1 \
        >"$work/$name/fuzz.log" 2>&1 || status=$?
    grep -E '^#[0-9]+[[:space:]]+(DONE|pulse)' "$work/$name/fuzz.log" | tail -1 || true
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$work/$name/fuzz.log" || true
    echo "corpus: $(find "$corpus" -type f | wc -l) inputs"
    inputs=("$artifacts"/*)
    if [[ $status -ne 0 || -e "${inputs[0]}" ]]; then
        found=1
        echo "!! $name: finding (libFuzzer exit $status)"
        grep -E 'Fatal error|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|SUMMARY' "$work/$name/fuzz.log" | head -5 || true
        for input in "${inputs[@]}"; do
            [[ -e "$input" ]] || continue
            echo "   input:     $input"
            echo "   reproduce: RAPPORT_FUZZ_TARGET=$name SWIFT_BACKTRACE=enable=no $binary $input"
            echo "   minimise:  RAPPORT_FUZZ_TARGET=$name SWIFT_BACKTRACE=enable=no $binary -minimize_crash=1 -runs=20000 -artifact_prefix=$artifacts/min- $input"
        done
        echo "   full log:  $work/$name/fuzz.log"
    fi
done

if [[ $found -ne 0 ]]; then
    echo "fuzzing found problems; inputs and logs are kept in $work"
    exit 1
fi
if [[ "${RAPPORT_FUZZ_KEEP:-}" == 1 ]]; then
    echo "no findings; grown corpora kept in $work"
else
    rm -rf "$work"
    echo "no findings"
fi
