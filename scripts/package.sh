#!/usr/bin/env bash
# Builds what a technician installs without a Rust toolchain, into dist/
# (nothing is uploaded):
#
#   dist/syncro_<version>_amd64.deb            syncro and syncrod in /usr/bin, the
#                                              systemd user unit, README and
#                                              config.example.toml (cargo-deb,
#                                              from [package.metadata.deb] in
#                                              cli/Cargo.toml)
#   dist/syncro-<version>-windows-x86_64.zip   syncro.exe, syncrod.exe,
#                                              INSTALL-windows.txt, README.md,
#                                              config.example.toml
#
#   ./scripts/package.sh              both
#   ./scripts/package.sh deb          only the .deb
#   ./scripts/package.sh windows      only the Windows zip
#
# Needs cargo-deb (`cargo install cargo-deb --locked`) and dpkg-dev, the
# x86_64-pc-windows-gnu target and gcc-mingw-w64-x86-64 (for the bundled
# SQLite), and python3 (for the zip); .ci/run installs them.
# scripts/test-package.sh checks the result.
set -euo pipefail
cd "$(dirname "$0")/.."

win_target=x86_64-pc-windows-gnu
what=${1:-all}
case $what in
    all | deb | windows) ;;
    *) echo "usage: $0 [deb|windows]" >&2; exit 2 ;;
esac

step() { echo; echo "==> $*"; }
fail() { echo "package.sh: $*" >&2; exit 1; }

# The workspace version (syncro-cli's, which is the workspace's).
version=$(cargo metadata --locked --no-deps --format-version 1 |
    python3 -c 'import json, sys
print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "syncro-cli"))')
mkdir -p dist

build_deb() {
    command -v cargo-deb >/dev/null ||
        fail "cargo-deb is not installed: cargo install cargo-deb --locked"
    # Without it cargo-deb only warns and leaves Depends empty.
    command -v dpkg-shlibdeps >/dev/null ||
        fail "dpkg-shlibdeps (for the package's Depends) is missing: apt-get install dpkg-dev"
    # Both binaries come from one build; cargo-deb then only packs them
    # (--no-build: on its own it would build syncro-cli's binary alone).
    step "cargo build --release: syncro, syncrod"
    cargo build --release --locked -p syncro-cli -p syncrod --bins
    step "cargo deb -> dist/"
    rm -f dist/syncro_*.deb
    # Named by cargo-deb: syncro_<version>_<Debian arch>.deb.
    cargo deb --locked --no-build -p syncro-cli --output dist/
}

build_windows() {
    rustup target list --installed | grep -qx "$win_target" ||
        fail "the $win_target target is missing: rustup target add $win_target"
    command -v x86_64-w64-mingw32-gcc >/dev/null ||
        fail "the MinGW C compiler is missing: apt-get install gcc-mingw-w64-x86-64"
    step "cargo build --release --target $win_target: syncro.exe, syncrod.exe"
    cargo build --release --locked --target "$win_target" -p syncro-cli -p syncrod --bins

    local name=syncro-${version}-windows-x86_64
    local stage=target/package/$name
    step "dist/$name.zip"
    rm -rf "$stage"
    mkdir -p "$stage"
    cp "target/$win_target/release/syncro.exe" "target/$win_target/release/syncrod.exe" "$stage/"
    # Symbols out (27 MB -> 19 MB each), as cargo-deb does for the .deb.
    x86_64-w64-mingw32-strip "$stage/syncro.exe" "$stage/syncrod.exe"
    # Windows line ends for the note a technician opens in Notepad.
    sed 's/$/\r/' packaging/windows/INSTALL-windows.txt >"$stage/INSTALL-windows.txt"
    cp README.md config.example.toml "$stage/"
    rm -f dist/syncro-*-windows-*.zip
    # Python's zipfile (deflated): always there, unlike the zip package.
    # Everything sits in one folder named after the release.
    python3 - "dist/$name.zip" "$stage" <<'PY'
import os, sys, zipfile
out, stage = sys.argv[1], sys.argv[2]
top = os.path.basename(stage)
with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    for name in sorted(os.listdir(stage)):
        z.write(os.path.join(stage, name), f"{top}/{name}")
PY
    echo "built dist/$name.zip"
}

start=$SECONDS
case $what in
    deb) build_deb ;;
    windows) build_windows ;;
    all) build_deb; build_windows ;;
esac
echo
ls -l dist/
echo "packaged in $((SECONDS - start)) s"
