#!/usr/bin/env bash
# The install test for what scripts/package.sh built in dist/: the .deb is
# unpacked into a throwaway root (dpkg -x: no side effects on this
# machine) and the installed binaries are run from there; the Windows zip
# must hold what INSTALL-windows.txt talks about.
#
#   ./scripts/test-package.sh            (after ./scripts/package.sh)
#
# Exits 1 naming every check that failed.
set -euo pipefail
cd "$(dirname "$0")/.."

failures=()
pass() { echo "PASS: $*"; }
failed() { echo "FAIL: $*"; failures+=("$*"); }
step() { echo; echo "==> $*"; }
# expect PASS-TEXT FAIL-TEXT COMMAND...: PASS or FAIL by COMMAND's status.
expect() {
    local yes=$1 no=$2
    shift 2
    if "$@"; then pass "$yes"; else failed "$no"; fi
}
# check DESCRIPTION COMMAND...: runs COMMAND (output in $work/out), PASS or FAIL.
check() {
    local what=$1
    shift
    if "$@" >"$work/out" 2>&1; then
        pass "$what"
    else
        failed "$what (exit $?): $(head -c 600 "$work/out")"
    fi
}

# Canonical (no symlinks): syncrod records its own path that way.
work=$(cd "$(mktemp -d "${TMPDIR:-/tmp}/syncro-package-test.XXXXXX")" && pwd -P)
trap 'rm -rf "$work"' EXIT

version=$(cargo metadata --locked --no-deps --format-version 1 |
    python3 -c 'import json, sys
print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "syncro-cli"))')

# ---------------------------------------------------------------- the .deb
arch=$(dpkg --print-architecture)
deb=dist/syncro_${version}_${arch}.deb
step "$deb"
[ -f "$deb" ] || { echo "FAIL: no $deb: run ./scripts/package.sh first" >&2; exit 1; }

dpkg-deb --info "$deb" >"$work/info"
sed 's/^/    /' "$work/info"
field() { dpkg-deb --field "$deb" "$1"; }
expect "Package: syncro" "Package is '$(field Package)', not syncro" [ "$(field Package)" = syncro ]
expect "Version: $version" "Version is '$(field Version)', not $version" [ "$(field Version)" = "$version" ]
expect "Architecture: $arch" "Architecture is '$(field Architecture)'" [ "$(field Architecture)" = "$arch" ]

# Depends: every package named must be installed here at a version that
# satisfies it (the binaries were built here, so this machine is the
# oldest system the .deb is known to work on).
depends=$(field Depends)
expect "Depends: $depends" "no Depends (cargo-deb's \$auto found no shared libraries?)" [ -n "$depends" ]
IFS=',' read -ra clauses <<<"$depends"
for clause in "${clauses[@]}"; do
    ok=""
    IFS='|' read -ra alternatives <<<"$clause"
    for alt in "${alternatives[@]}"; do
        # "libc6 (>= 2.34)" -> name libc6, op >=, ver 2.34
        read -r name op ver <<<"$(echo "$alt" | sed -E 's/^ *([^ (]+) *(\(([<>=]+) *([^)]+)\))? *$/\1 \3 \4/')"
        installed=$(dpkg-query -W -f='${Status} ${Version}\n' "$name" 2>/dev/null |
            awk '$1 == "install" && $3 == "installed" { print $4 }' | head -n1)
        [ -n "$installed" ] || continue
        if [ -z "$op" ]; then ok="$name $installed"; break; fi
        case $op in '>>') dop=gt ;; '<<') dop=lt ;; '>=') dop=ge ;; '<=') dop=le ;; '=') dop=eq ;; *) dop="" ;; esac
        if [ -n "$dop" ] && dpkg --compare-versions "$installed" "$dop" "$ver"; then
            ok="$name $installed"
            break
        fi
    done
    clause=$(echo "$clause" | sed -E 's/^ +| +$//g')
    expect "depends on $clause: $ok installed" "depends on $clause: not satisfied here" [ -n "$ok" ]
done

# And apt agrees, simulating the README's `apt install ./...deb` (-s:
# nothing is installed, no root needed).
if command -v apt-get >/dev/null; then
    check "apt-get -s install ./$deb" apt-get -s install "./$deb"
fi

dpkg-deb --contents "$deb" >"$work/contents"
for path in \
    ./usr/bin/syncro \
    ./usr/bin/syncrod \
    ./usr/lib/systemd/user/syncrod.service \
    ./usr/share/doc/syncro/README.md \
    ./usr/share/doc/syncro/config.example.toml \
    ./usr/share/doc/syncro/copyright; do
    # dpkg-deb --contents is `tar tv`: mode owner size date time path
    line=$(awk -v p="$path" '$6 == p' "$work/contents")
    if [ -z "$line" ]; then
        failed "$path is not in the package"
    elif [[ $path == ./usr/bin/* && ${line:0:10} != -rwxr-xr-x ]]; then
        failed "$path is not -rwxr-xr-x: $line"
    elif [[ $path != ./usr/bin/* && ${line:0:10} != -rw-r--r-- ]]; then
        failed "$path is not -rw-r--r--: $line"
    else
        pass "contains $path (${line:0:10} $(echo "$line" | awk '{ print $2 }'))"
    fi
done
# Everything is owned by root (0/0, as cargo-deb writes it) and nothing
# lands outside /usr.
bad=$(awk '($2 != "0/0" && $2 != "root/root") || ($6 !~ "^\\./usr(/|$)" && $6 != "./")' "$work/contents")
expect "every path is owned by root and under /usr" "unexpected paths or owners: $bad" [ -z "$bad" ]

root=$work/root
dpkg-deb -x "$deb" "$root"
pass "unpacked into a throwaway root ($root)"

step "the installed binaries"
check "syncro --version" "$root/usr/bin/syncro" --version
expect "syncro --version says $version" "syncro --version says '$(cat "$work/out")', not 'syncro $version'" grep -qx "syncro $version" "$work/out"
check "syncrod --version" "$root/usr/bin/syncrod" --version
expect "syncrod --version says $version" "syncrod --version says '$(cat "$work/out")', not 'syncrod $version'" grep -qx "syncrod $version" "$work/out"
check "syncrod --help" "$root/usr/bin/syncrod" --help
expect "syncrod --help lists install" "syncrod --help does not list install" grep -q 'install' "$work/out"
# `syncro init` is how a technician sets up after installing (README).
check "syncro init --help" "$root/usr/bin/syncro" init --help

step "the packaged systemd user unit agrees with \`syncrod install --user\`"
unit=$root/usr/lib/systemd/user/syncrod.service
# The installed syncrod writes its own unit into a scratch home; a stub
# systemctl keeps it away from this machine's user manager.
home=$work/home
mkdir -p "$home/.config" "$work/bin"
printf '#!/bin/sh\nexit 1\n' >"$work/bin/systemctl"
chmod +x "$work/bin/systemctl"
check "syncrod install --user (scratch HOME)" env -u SYNCRO_CONFIG -u SYNCRO_DB -u SYNCRO_API_KEY \
    -u SYNCRO_BASE_URL HOME="$home" XDG_CONFIG_HOME="$home/.config" PATH="$work/bin:$PATH" \
    "$root/usr/bin/syncrod" install --user
written=$home/.config/systemd/user/syncrod.service
if [ -f "$written" ] && [ -f "$unit" ]; then
    # key=value lines of the [Section]s, with what necessarily differs
    # made equal: the binary's path (the throwaway root's here) and the
    # environment file (%E is the user's config dir).
    settings() {
        awk '/^\[/ { s = $0 } /^[A-Za-z]+=/ { print s $0 }' "$1" |
            sed -e "s|ExecStart=$root/usr/bin/syncrod |ExecStart=/usr/bin/syncrod |" \
                -e "s|EnvironmentFile=-$home/.config/|EnvironmentFile=-%E/|" | sort
    }
    if diff <(settings "$unit") <(settings "$written") >"$work/diff"; then
        pass "same settings: $(settings "$unit" | sed 's/^\[[A-Za-z]*\]//' | paste -sd' ')"
    else
        failed "the packaged unit (<) and syncrod install --user's (>) differ:
$(cat "$work/diff")"
    fi
else
    failed "no unit to compare (packaged: $unit, written: $written)"
fi
for essential in 'Type=notify' 'ExecStart=/usr/bin/syncrod run' 'Restart=on-failure' 'WantedBy=default.target'; do
    expect "packaged unit: $essential" "packaged unit lacks $essential" grep -qx "$essential" "$unit"
done

# -------------------------------------------------------- the Windows zip
zip=dist/syncro-${version}-windows-x86_64.zip
step "$zip"
if [ -f "$zip" ]; then
    if python3 - "$zip" "syncro-${version}-windows-x86_64" >"$work/zip" 2>&1 <<'PY'; then
import sys, zipfile
path, top = sys.argv[1], sys.argv[2]
want = {"syncro.exe", "syncrod.exe", "INSTALL-windows.txt", "README.md", "config.example.toml"}
with zipfile.ZipFile(path) as z:
    bad = z.testzip()
    if bad:
        sys.exit(f"{path}: {bad} is corrupt")
    infos = {i.filename: i for i in z.infolist()}
    have = {n.split("/", 1)[1] for n in infos if n.startswith(top + "/")}
    if set(infos) != {f"{top}/{n}" for n in want}:
        sys.exit(f"{path} holds {sorted(infos)}, expected {sorted(want)} under {top}/")
    for exe in ("syncro.exe", "syncrod.exe"):
        data = z.read(f"{top}/{exe}")
        pe = int.from_bytes(data[0x3C:0x40], "little")
        machine = int.from_bytes(data[pe + 4 : pe + 6], "little")
        if data[:2] != b"MZ" or data[pe : pe + 4] != b"PE\0\0" or machine != 0x8664:
            sys.exit(f"{exe} is not an x86-64 Windows executable")
    note = z.read(f"{top}/INSTALL-windows.txt").decode()
    for needed in ("syncrod install", "syncro init", "sc.exe start syncrod", "syncrod uninstall"):
        if needed not in note:
            sys.exit(f"INSTALL-windows.txt does not mention `{needed}`")
for n in sorted(have):
    print(n)
PY
        pass "zip holds: $(paste -sd' ' "$work/zip")"
    else
        failed "$(cat "$work/zip")"
    fi
else
    failed "no $zip: run ./scripts/package.sh first"
fi
# Running the .exe files needs Wine and a prepared prefix:
# scripts/windows-smoke.sh does that (service included); not here.

echo
if [ ${#failures[@]} -gt 0 ]; then
    echo "test-package.sh: ${#failures[@]} check(s) FAILED:" >&2
    printf '  - %s\n' "${failures[@]}" >&2
    exit 1
fi
echo "test-package.sh: all checks passed"
