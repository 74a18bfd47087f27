#!/usr/bin/env bash
# The example app (Sources/rapport-example) in a real terminal. tmux runs it on replica A while
# the CLI edits replica B and syncs it; the test reads A's screen (`tmux capture-pane`) until the
# edit shows, which takes live sync pulling it and the observed query redrawing the screen.
#
#   scripts/example_tmux_test.sh
#
# Checks, each within EXAMPLE_TIMEOUT seconds (else it fails and prints the screen it last saw):
#   1. the screen comes up on the alternate screen, empty and "in sync" with a fresh server;
#   2. an account and an assessment made on B and synced appear on A with their relationship;
#   3. a rename, a new owner and a new assessment on B replace that row on A;
#   4. an account added to A's file by another process (the CLI) appears, and live sync pushes it:
#      B receives it on its next sync;
#   5. Ctrl-C: the example exits with status 0 and leaves the alternate screen;
#   6. with stdout not a terminal, it prints frames after a `--- frame ---` line, and SIGINT
#      ends it with status 0.
#
# Environment:
#   RAPPORT_BIN_DIR  the folder holding rapport and rapport-example (default: `swift build` both)
#   EXAMPLE_TIMEOUT  seconds to wait for each screen (default 10)
# Everything (server, tmux server, replicas) lives in a temporary folder, removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
TIMEOUT=${EXAMPLE_TIMEOUT:-10}

if ! command -v tmux >/dev/null 2>&1; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y tmux
fi

if [[ -z "${RAPPORT_BIN_DIR:-}" ]]; then
    swift build --product rapport >&2
    swift build --product rapport-example >&2
    RAPPORT_BIN_DIR=$(swift build --show-bin-path)
fi
RAPPORT_BIN_DIR=$(cd "$RAPPORT_BIN_DIR" && pwd)
RAPPORT=$RAPPORT_BIN_DIR/rapport
EXAMPLE=$RAPPORT_BIN_DIR/rapport-example
[[ -x "$RAPPORT" && -x "$EXAMPLE" ]] || { echo "example_tmux_test: no rapport or rapport-example in $RAPPORT_BIN_DIR" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rapport-example.XXXXXX")
# A tmux server of our own (its own socket, no user configuration): nothing else is touched.
printf 'set-option -g remain-on-exit on\n' >"$WORK/tmux.conf"
TMUX_RUN=(tmux -S "$WORK/tmux.sock" -f "$WORK/tmux.conf")
SERVER_PID=""
PIPED_PID=""
cleanup() {
    "${TMUX_RUN[@]}" kill-server 2>/dev/null || true
    # SIGTERM, then SIGKILL: a stopping server lets a long poll in hand run out (up to 25 s).
    for pid in "$PIPED_PID" "$SERVER_PID"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

SHOT=""
fail() {
    echo "example_tmux_test: FAILED: $1" >&2
    if [[ -n "$SHOT" ]]; then printf '%s\n' "--- the screen last seen ---" "$SHOT" "---" >&2; fi
    exit 1
}

now_ms() { date +%s%3N; }

# Polls the pane until every extended regular expression given matches a line of it, or fails.
# Prints how long that took (ms since $1 was taken, a `now_ms`).
wait_for_screen() {
    local since=$1 what=$2
    shift 2
    local deadline=$((since + TIMEOUT * 1000)) pattern missing
    while :; do
        SHOT=$("${TMUX_RUN[@]}" capture-pane -p -t example 2>/dev/null || true)
        missing=""
        for pattern in "$@"; do
            grep -qE -- "$pattern" <<<"$SHOT" || { missing=$pattern; break; }
        done
        if [[ -z "$missing" ]]; then
            echo "   ok ($(($(now_ms) - since)) ms): $what"
            return 0
        fi
        (($(now_ms) < deadline)) || fail "$what: no line matching '$missing' within ${TIMEOUT} s"
        sleep 0.05
    done
}

pane() { "${TMUX_RUN[@]}" display-message -p -t example "$1"; }

echo "== a server with workspace acme-cs and a token; replicas a.db and b.db"
"$RAPPORT" server workspace add acme-cs --db "$WORK/server.db" >/dev/null
TOKEN=$("$RAPPORT" server token add --workspace acme-cs --label example --db "$WORK/server.db" --json \
    | sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')
[[ -n "$TOKEN" ]] || fail "no token from rapport server token add --json"
"$RAPPORT" serve --db "$WORK/server.db" --port 0 --log-level warning >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
for _ in $(seq 300); do
    grep -q listening "$WORK/serve.out" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.err" >&2; fail "rapport serve exited"; }
    sleep 0.1
done
URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/serve.out" | head -n 1 || true)
[[ -n "$URL" ]] || fail "rapport serve did not say where it listens"
export RAPPORT_SERVER=$URL RAPPORT_WORKSPACE=acme-cs RAPPORT_TOKEN=$TOKEN
"$RAPPORT" init --db "$WORK/a.db" --name phone >/dev/null
"$RAPPORT" init --db "$WORK/b.db" --name laptop >/dev/null
echo "   $URL"

echo "== rapport-example on a.db in a 100x30 tmux pane"
STARTED=$(now_ms)
# The pane's shell ignores SIGINT (the example installs its own handler; without one it would
# ignore Ctrl-C and fail below) and writes the example's exit status to a file: tmux's own
# #{pane_dead_status} is sometimes never set for a process that exits at once (tmux 3.3a).
"${TMUX_RUN[@]}" new-session -d -s example -x 100 -y 30 \
    "trap '' INT; $(printf '%q' "$EXAMPLE") --db $(printf '%q' "$WORK/a.db"); echo \$? >$(printf '%q' "$WORK/example.status")"
wait_for_screen "$STARTED" "the empty list, in sync" '^sync: in sync$' '^no accounts yet' '^0 accounts · frame [0-9]+'
[[ $(pane '#{alternate_on}') == 1 ]] || fail "the example does not draw on the alternate screen"

echo "== B adds Globex (owner dana), assesses it trust high / respect low, and syncs"
"$RAPPORT" account add Globex --owner dana --id globex --db "$WORK/b.db" >/dev/null
"$RAPPORT" assess globex --trust high --respect low --db "$WORK/b.db" >/dev/null
SINCE=$(now_ms)
"$RAPPORT" sync --db "$WORK/b.db" >/dev/null
wait_for_screen "$SINCE" "A shows Globex, dana, Low (ms since B's sync began)" '^Globex +dana +Low \(needs work\)$' '^1 account · frame'

echo "== B renames it Globex Corp, gives it to priya, assesses trust high / respect high, and syncs"
"$RAPPORT" account edit globex --name "Globex Corp" --owner priya --db "$WORK/b.db" >/dev/null
"$RAPPORT" assess globex --trust high --respect high --db "$WORK/b.db" >/dev/null
SINCE=$(now_ms)
"$RAPPORT" sync --db "$WORK/b.db" >/dev/null
wait_for_screen "$SINCE" "A shows Globex Corp, priya, High (ms since B's sync began)" '^Globex Corp +priya +High$' '^1 account · frame'
grep -qE '^Globex +dana' <<<"$SHOT" && fail "the old row is still on the screen"

echo "== another process (the CLI) adds Initech to a.db; the example shows it and pushes it"
SINCE=$(now_ms)
"$RAPPORT" account add Initech --owner sam --id initech --db "$WORK/a.db" >/dev/null
wait_for_screen "$SINCE" "A shows Initech" '^Initech +sam +not assessed$' '^2 accounts · frame'
for _ in $(seq $((TIMEOUT * 10))); do
    "$RAPPORT" sync --db "$WORK/b.db" >/dev/null
    "$RAPPORT" account list --db "$WORK/b.db" | grep -q '^initech ' && break
    sleep 0.1
done
"$RAPPORT" account list --db "$WORK/b.db" | grep -q '^initech ' || fail "the example did not push Initech within ${TIMEOUT} s"
echo "   ok ($(($(now_ms) - SINCE)) ms): B received Initech"

echo "== Ctrl-C"
SINCE=$(now_ms)
"${TMUX_RUN[@]}" send-keys -t example C-c
until [[ -s "$WORK/example.status" ]]; do
    (($(now_ms) < SINCE + TIMEOUT * 1000)) || fail "the example still runs ${TIMEOUT} s after Ctrl-C"
    sleep 0.05
done
STATUS=$(cat "$WORK/example.status")
[[ "$STATUS" == 0 ]] || { SHOT=$("${TMUX_RUN[@]}" capture-pane -p -t example || true); fail "the example exited with status $STATUS after Ctrl-C"; }
until [[ $(pane '#{alternate_on}') == 0 ]]; do
    (($(now_ms) < SINCE + TIMEOUT * 1000)) || fail "the example left the terminal on the alternate screen"
    sleep 0.05
done
echo "   ok ($(($(now_ms) - SINCE)) ms): exit status 0, terminal restored"

echo "== stdout not a terminal: marked frames, and SIGINT stops it"
"$EXAMPLE" --db "$WORK/a.db" >"$WORK/piped.out" 2>"$WORK/piped.err" &
PIPED_PID=$!
SINCE=$(now_ms)
until grep -qE '^Initech +sam' "$WORK/piped.out" 2>/dev/null; do
    (($(now_ms) < SINCE + TIMEOUT * 1000)) || { SHOT=$(cat "$WORK/piped.out" "$WORK/piped.err"); fail "no frame on the pipe"; }
    sleep 0.05
done
kill -INT "$PIPED_PID"
PIPED_STATUS=0
wait "$PIPED_PID" || PIPED_STATUS=$?
PIPED_PID=""
SHOT=$(cat "$WORK/piped.out" "$WORK/piped.err")
[[ $PIPED_STATUS == 0 ]] || fail "the piped example exited with status $PIPED_STATUS after SIGINT"
[[ $(head -n 1 "$WORK/piped.out") == "--- frame ---" ]] || fail "the piped output does not start with a frame marker"
if grep -q $'\e' "$WORK/piped.out"; then fail "escape sequences on a pipe"; fi
echo "   ok ($(($(now_ms) - SINCE)) ms): $(grep -c -- '^--- frame ---$' "$WORK/piped.out") frame(s), exit status 0"

echo "example_tmux_test: passed"
