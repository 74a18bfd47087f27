#!/usr/bin/env bash
# The HTML report (`rapport report`) and the CSV export in real readers: headless Chromium renders
# the report of a demo replica built with the CLI, and Python's csv module reads the export.
#
#   scripts/report_browser_check.sh [OUT_DIR]
#
# Checks:
#   1. Chromium loads the page with no console line and no failed load in its log (a control page
#      whose script throws proves the log shows such errors), with every host name resolving to
#      nothing, and the DOM has no script, link, iframe, src or href: nothing comes from elsewhere;
#   2. the rendered DOM (--dump-dom) holds the account names (a hostile one as text, not markup),
#      the ARR at risk, the High/Low counts, the period's score as `rapport score --json` gives it,
#      the weight-set change and the missing measure;
#   3. the screenshot is a PNG of the requested size with more than a few colours (not blank);
#   4. `rapport export --format csv -o DIR` gives four files Python's csv module reads back, with
#      the awkward values intact and the formula defused.
#
# Environment:
#   RAPPORT_BIN  the rapport binary (default: `swift build --product rapport`)
#   CHROMIUM     the browser (default: chromium, installed from Debian's packages if missing)
# OUT_DIR (default: a temporary folder, removed on exit) keeps report.html, report.png and the CSVs.
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM=${CHROMIUM:-chromium}
if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi
if [[ -z "${RAPPORT_BIN:-}" ]]; then
    swift build --product rapport >&2
    RAPPORT_BIN="$(swift build --show-bin-path)/rapport"
fi
RAPPORT_BIN=$(cd "$(dirname "$RAPPORT_BIN")" && pwd)/$(basename "$RAPPORT_BIN")

if [[ -n "${1:-}" ]]; then
    OUT=$(mkdir -p "$1" && cd "$1" && pwd)
else
    OUT=$(mktemp -d)
    trap 'rm -rf "$OUT"' EXIT
fi
DB="$OUT/demo.db"
rm -f "$DB"
fail() { echo "report_browser_check: FAIL: $*" >&2; exit 1; }
r() { "$RAPPORT_BIN" "$@" --db "$DB"; }
json_id() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }

echo "== a demo replica, through the CLI"
HOSTILE='<img src=x onerror=alert(1)> & "Sons"'
r init --name report-check >/dev/null
r account add "Acme, Inc." --id acme --arr 250000 --segment enterprise --owner dana >/dev/null
r account add "Globex" --id globex --arr 1000000 --segment mid --owner lee >/dev/null
r account add "$HOSTILE" --id initech --arr 400000 --segment smb --owner '=1+1' >/dev/null
r account add "Umbrella 🚀" --id umbrella --arr 75000 >/dev/null
CFO=$(r stakeholder add acme "Pat O'Neil" --role CFO --json | json_id)
CTO=$(r stakeholder add acme "Sam Lee" --role CTO --json | json_id)
r assess acme --stakeholder "$CFO" --trust high --respect high --at 2026-09-10 >/dev/null
r assess acme --stakeholder "$CTO" --trust low --respect high --at 2026-10-10 --note 'missed two calls, "too busy"' >/dev/null
r assess globex --trust high --respect high --at 2026-08-01 >/dev/null
r assess globex --trust high --respect high --at 2026-10-20 >/dev/null
r assess initech --trust high --respect high --at 2026-08-01 >/dev/null
r assess initech --trust high --respect low --at 2026-10-25 >/dev/null
CRISIS=$(r crisis add globex --started 2026-09-01 --severity high --summary outage --json | json_id)
r crisis resolve "$CRISIS" --at 2026-09-20 >/dev/null
CRISIS=$(r crisis add initech --started 2026-09-05 --severity critical --summary 'data loss' --json | json_id)
r crisis resolve "$CRISIS" --at 2026-10-01 >/dev/null
r objective add nps --name NPS --linear=-100:100 >/dev/null
r objective add grossChurn --name 'Gross churn' --better lower --linear 0:0.2 >/dev/null
r objective add customerROI --name 'Customer ROI' --linear 0:5 >/dev/null
r weights set nps=1 grossChurn=1 --from 2026-09-01 --reason 'balanced start' >/dev/null
r weights set nps=1 grossChurn=3 customerROI=1 --from 2026-11-01 --reason 'service breakdown' >/dev/null
for row in "2026-09 20 0.1" "2026-10 30 0.08" "2026-11 10 0.05"; do
    read -r period nps churn <<<"$row"
    r measure nps "$nps" --period "$period" >/dev/null
    r measure grossChurn "$churn" --period "$period" >/dev/null
done
SCORE=$(r score --period 2026-11 --json | python3 -c 'import json,sys; print("%.1f" % json.load(sys.stdin)["overall"])')

echo "== rapport report --period 2026-11"
r report --period 2026-11 -o "$OUT/report.html"

echo "== headless Chromium: screenshot, DOM, console"
# A fresh profile each run; no network: every host resolves to nothing.
CHROME_FLAGS=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --hide-scrollbars
    --user-data-dir="$OUT/profile" --host-resolver-rules="MAP * ~NOTFOUND" --enable-logging=stderr --v=0)
START=$(date +%s)
"$CHROMIUM" "${CHROME_FLAGS[@]}" --window-size=1280,2000 --screenshot="$OUT/report.png" "file://$OUT/report.html" \
    >"$OUT/screenshot.out" 2>"$OUT/screenshot.log" || { cat "$OUT/screenshot.log" >&2; fail "chromium --screenshot exited non-zero"; }
"$CHROMIUM" "${CHROME_FLAGS[@]}" --dump-dom "file://$OUT/report.html" >"$OUT/dom.html" 2>"$OUT/dom.log" \
    || { cat "$OUT/dom.log" >&2; fail "chromium --dump-dom exited non-zero"; }
echo "   chromium: $(( $(date +%s) - START )) s for screenshot and DOM"
# The page has no script, so any console line at all (Chromium logs them as INFO:CONSOLE or
# ERROR:CONSOLE) or a failed load is a failure.
CONSOLE_ERRORS='Uncaught|:CONSOLE|net::ERR_'
if grep -E "$CONSOLE_ERRORS" "$OUT/screenshot.log" "$OUT/dom.log"; then
    fail "the page logged errors in the browser (above)"
fi
# A control: the same check on a page whose script throws must see the error, else it sees nothing.
printf '<!DOCTYPE html><html><body><script>notAFunction()</script></body></html>' >"$OUT/control.html"
"$CHROMIUM" "${CHROME_FLAGS[@]}" --dump-dom "file://$OUT/control.html" >/dev/null 2>"$OUT/control.log" || true
grep -qE "$CONSOLE_ERRORS" "$OUT/control.log" || fail "chromium's log did not show a thrown error on the control page; the console check would miss errors"

python3 - "$OUT" "$SCORE" "$HOSTILE" <<'PY'
import struct, sys, zlib
from html.parser import HTMLParser

out, score, hostile = sys.argv[1], sys.argv[2], sys.argv[3]

class Page(HTMLParser):
    """Text by element id, all text, and tag names, from Chromium's serialised DOM."""
    def __init__(self):
        super().__init__()
        self.stack, self.by_id, self.text, self.tags = [], {}, [], []
    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in ("meta", "br", "img", "input", "link", "circle", "line", "rect", "polyline"):
            self.stack.append(dict(attrs).get("id"))
    def handle_endtag(self, tag):
        if tag not in ("meta", "br", "img", "input", "link", "circle", "line", "rect", "polyline") and self.stack:
            self.stack.pop()
    def handle_data(self, data):
        self.text.append(data)
        for i in self.stack:
            if i:
                self.by_id[i] = self.by_id.get(i, "") + data

page = Page()
page.feed(open(f"{out}/dom.html", encoding="utf-8").read())
text = "".join(page.text)
problems = []
def expect(ok, what):
    if not ok:
        problems.append(what)

for name in ["Acme, Inc.", "Globex", hostile, "Umbrella 🚀", "Pat O'Neil", "Sam Lee"]:
    expect(name in text, f"the page shows {name!r}")
expect(not any(tag == "img" for tag, _ in page.tags), "the hostile name made no <img> element")
expect(not any(tag in ("script", "link", "iframe") or "src" in attrs or "href" in attrs for tag, attrs in page.tags),
       "nothing on the page loads from elsewhere (no script, link, iframe, src or href)")
expect(page.by_id.get("arr-at-risk") == "650,000", f"ARR at risk 650,000 (250,000 + 400,000), got {page.by_id.get('arr-at-risk')!r}")
expect(page.by_id.get("high-count") == "1", "one High relationship")
expect(page.by_id.get("low-count") == "2", "two Low relationships")
expect(page.by_id.get("overall-score") == score, f"score {score} as `rapport score` says, got {page.by_id.get('overall-score')!r}")
expect("weights: service breakdown" in text, "the weight-set change is marked")
expect("Customer ROI" in page.by_id.get("missing", ""), "Customer ROI listed as missing")
expect("dropped" in page.by_id.get("crises", "") and "held" in page.by_id.get("crises", ""), "crisis outcomes held and dropped")

# The screenshot: a PNG of the window size whose pixels are not all one colour.
data = open(f"{out}/report.png", "rb").read()
expect(data[:8] == b"\x89PNG\r\n\x1a\n", "report.png is a PNG")
width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
expect((width, height) == (1280, 2000), f"screenshot 1280x2000, got {width}x{height}")
chunks, pos = [], 8
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    if kind == b"IDAT":
        chunks.append(data[pos + 8:pos + 8 + length])
    pos += 12 + length
raw = zlib.decompress(b"".join(chunks))
channels = {2: 3, 6: 4}.get(colour)
expect(depth == 8 and channels is not None, f"an 8-bit RGB or RGBA PNG (depth {depth}, colour type {colour})")
colours = set()
if depth == 8 and channels:
    # Undo the per-row PNG filters (none, sub, up, average, Paeth), then count distinct RGB values
    # of the top 800 rows (figures, tables and the grid; pure Python, so not the whole page).
    stride = width * channels
    previous = bytearray(stride)
    for row in range(min(height, 800)):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1: line[i] = (line[i] + left) & 255
            elif kind == 2: line[i] = (line[i] + up) & 255
            elif kind == 3: line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        if row % 8 == 0:
            colours.update(bytes(line[x:x + 3]) for x in range(0, stride, channels * 4))
        previous = line
expect(len(colours) > 8, f"the screenshot has more than a few colours (got {len(colours)})")

if problems:
    print("report_browser_check: FAIL:\n  " + "\n  ".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"   DOM: names, ARR at risk 650,000, score {score}, weight change, missing measure; PNG {width}x{height}, {len(colours)} colours sampled")
PY

echo "== rapport export --format csv, read by Python's csv module"
r export --format csv -o "$OUT/csv" 2>/dev/null
python3 - "$OUT/csv" "$HOSTILE" <<'PY'
import csv, sys
folder, hostile = sys.argv[1], sys.argv[2]
def read(name):
    raw = open(f"{folder}/{name}", "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf"), f"{name} starts with a UTF-8 byte order mark"
    assert raw.endswith(b"\r\n"), f"{name} ends its last line with CRLF"
    with open(f"{folder}/{name}", newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f, strict=True))
accounts = {row["id"]: row for row in read("accounts.csv")}
assert accounts["initech"]["name"] == hostile, accounts["initech"]["name"]
assert accounts["initech"]["owner"] == "'=1+1", accounts["initech"]["owner"]
assert accounts["umbrella"]["name"] == "Umbrella 🚀"
assert accounts["umbrella"]["relationship"] == "" and accounts["acme"]["relationship"] == "low"
assessments = read("assessments.csv")
assert any(row["note"] == 'missed two calls, "too busy"' for row in assessments)
assert len(read("measurements.csv")) == 6
scores = read("scores.csv")
assert {row["period"] for row in scores} == {"2026-09", "2026-10", "2026-11"}
print(f"   CSV: {len(accounts)} accounts, {len(assessments)} assessments, {len(scores)} score lines read back")
PY
echo "report_browser_check: OK"
