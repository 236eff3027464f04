#!/usr/bin/env bash
# The Windows build, run for real under Wine: syncrod.exe mirrors the
# simulator, syncro.exe answers from the cache, and syncrod runs as a native
# Windows service (registered, started and stopped by Wine's service
# manager) that sends a queued comment exactly once. Not part of the
# default test suite (it installs Wine and cross-builds); results are in
# RELIABILITY.md.
#
#   ./scripts/windows-smoke.sh        (Debian/Ubuntu; installs wine64 and
#                                      gcc-mingw-w64-x86-64 when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
target=x86_64-pc-windows-gnu

step() { echo; echo "==> $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "PASS: $*"; }

step "tools: rust target, MinGW, Wine"
rustup target list --installed | grep -qx "$target" || rustup target add "$target"
missing=()
command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(gcc-mingw-w64-x86-64)
wine=$(command -v wine64 || echo /usr/lib/wine/wine64)
[ -x "$wine" ] || missing+=(wine64)
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
    wine=$(command -v wine64 || echo /usr/lib/wine/wine64)
fi
wineserver=$(command -v wineserver || echo "$(dirname "$wine")/wineserver")
"$wine" --version

step "build: syncrod.exe and syncro.exe ($target), the simulator (host)"
cargo build --locked --target "$target" -p syncrod -p syncro-cli
cargo build --locked -p syncro-sim
winbin=$repo/target/$target/debug

work=$(mktemp -d "${TMPDIR:-/tmp}/syncro-wine.XXXXXX")
export WINEPREFIX=$work/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
export USER=${USER:-$(id -un)}
sim_pid=""
cleanup() {
    "$wineserver" -k 2>/dev/null || true
    if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
w() { "$wine" "$@"; }

step "a fresh Wine prefix"
# A persistent Wine server keeps the service manager (and the service)
# alive between commands; it must start before anything else in the prefix.
mkdir -p "$WINEPREFIX"
"$wineserver" -p
w wineboot --init >/dev/null 2>&1 || true
sys32=$WINEPREFIX/drive_c/windows/system32
if [ ! -e "$sys32/bcryptprimitives.dll" ]; then
    # Wine < 9 lacks the DLL Rust's std loads for randomness: see the source.
    x86_64-w64-mingw32-gcc -shared -O2 -o "$sys32/bcryptprimitives.dll" \
        scripts/wine/bcryptprimitives.c scripts/wine/bcryptprimitives.def -ladvapi32
    echo "added the ProcessPrng shim (scripts/wine/bcryptprimitives.c)"
fi
mkdir -p "$WINEPREFIX/drive_c/syncro"
cp "$winbin/syncrod.exe" "$winbin/syncro.exe" "$WINEPREFIX/drive_c/syncro/"
syncrod='C:\syncro\syncrod.exe'
syncro='C:\syncro\syncro.exe'

step "the simulator"
key=wine-smoke-key
SYNCRO_SIM_API_KEY=$key target/debug/syncro-sim --port 0 --seed 11 --tickets 300 \
    --customers 40 --invoices 40 --rate-limit 6000 >"$work/sim.out" 2>"$work/sim.log" &
sim_pid=$!
for _ in $(seq 1 300); do
    grep -q "listening on" "$work/sim.out" 2>/dev/null && break
    sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$work/sim.out" | head -n1)
[ -n "$url" ] || fail "the simulator did not start: $(cat "$work/sim.log")"
admin=${url%/api/v1}/admin
echo "$url"

step "config and key file under %APPDATA%\\syncro (the Windows default)"
appdata=$WINEPREFIX/drive_c/users/$USER/AppData
mkdir -p "$appdata/Roaming/syncro"
printf '%s\n' "$key" >"$appdata/Roaming/syncro/key"
labor=$(sed -n '/^\[labor.remote\]/,$p' config.example.toml)
cat >"$appdata/Roaming/syncro/config.toml" <<TOML
base_url = "$url"
api_key_file = 'C:\\users\\$USER\\AppData\\Roaming\\syncro\\key'
rate_limit_per_minute = 6000
tech = "Wine Tech"

$labor
TOML
# Nothing from this shell may leak into the Windows processes' view.
unset SYNCRO_CONFIG SYNCRO_DB SYNCRO_API_KEY SYNCRO_BASE_URL

step "syncrod.exe once: the first full mirror"
w "$syncrod" once 2>"$work/once.log" || fail "syncrod.exe once: $(tail -5 "$work/once.log")"
tail -n1 "$work/once.log"
[ -f "$appdata/Local/syncro/cache.db" ] || fail "no cache under %LOCALAPPDATA%\\syncro"
pass "the cache is at %LOCALAPPDATA%\\syncro\\cache.db"
tickets=$(curl -fsS "$admin/state" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["tickets"]))')
cached=$(w "$syncro" tickets --all --limit 100000 --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["tickets"]))')
[ "$cached" = "$tickets" ] || fail "cached $cached tickets, the server has $tickets"
w "$syncro" status
pass "$cached of $tickets tickets cached"

step "syncro.exe answers from the cache"
w "$syncro" tickets --limit 5
w "$syncro" search "printer" --limit 3
number=$(w "$syncro" tickets --limit 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["tickets"][0]["number"])') \
    || fail "no open ticket in the cache to work on"
w "$syncro" ticket "$number" >/dev/null || fail "syncro.exe ticket $number"
pass "tickets, search and ticket $number"

step "syncrod.exe install: the Windows service"
w "$syncrod" install
# Wine's sc.exe has no `qc`: read the registration from the registry.
image=$(w reg query 'HKLM\System\CurrentControlSet\Services\syncrod' /v ImagePath) \
    || fail "the service is not registered"
echo "$image" | grep ImagePath
grep -q 'C:\\syncro\\syncrod.exe --config' <<<"$image" || fail "unexpected service command: $image"
grep -qi "$key" <<<"$image" && fail "the service command line holds the API key"
pass "registered"

step "reboot the Wine prefix: the service starts at boot"
# (Wine's service manager cannot open a service created since it started
# until it restarts, so a reboot is also how it gets started here.)
WINEPREFIX=$WINEPREFIX "$wineserver" -k || true
WINEPREFIX=$WINEPREFIX "$wineserver" -w || true
"$wineserver" -p
w wineboot >/dev/null 2>&1 || true
for _ in $(seq 1 100); do
    w sc query syncrod | grep -q RUNNING && break
    sleep 0.2
done
w sc query syncrod | grep -q RUNNING || fail "the service did not start: $(w sc query syncrod; tail -3 "$appdata"/Local/syncro/logs/*)"
pass "started at boot: RUNNING"

step "a comment queued by syncro.exe, sent and verified by the service"
body="Sent by the Windows service $(date +%s)"
w "$syncro" comment "$number" "$body" --yes --wait=60 || fail "the comment was not verified"
landed=$(curl -fsS "$admin/state" | BODY="$body" python3 -c '
import json,os,sys
d=json.load(sys.stdin)
print(sum(1 for t in d["tickets"] for c in t.get("comments",[]) if c["body"]==os.environ["BODY"]))')
[ "$landed" = 1 ] || fail "the comment is on the server $landed times"
pass "landed exactly once"

step "stop and uninstall"
w net stop syncrod || fail "net stop syncrod"
w sc query syncrod | grep -q STOPPED || fail "the service did not stop"
log=$(cat "$appdata/Local/syncro/logs/"syncrod.*.log) || fail "no service log in %LOCALAPPDATA%\\syncro\\logs"
grep -q "stop asked by the service manager" <<<"$log" || fail "no clean stop in the service log"
grep -q "$key" <<<"$log" && fail "the API key is in the service log"
pass "stopped cleanly; the log (%LOCALAPPDATA%\\syncro\\logs) has no key"
w "$syncrod" uninstall
w sc query syncrod >/dev/null 2>&1 && fail "the service is still registered"
pass "uninstalled"

echo
echo "windows smoke: all passed"
