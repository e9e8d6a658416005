#!/usr/bin/env bash
# Installs what Slotscope needs on a fresh machine, and nothing twice.
#
#   scripts/setup.sh build   what `make serve` and `make dist` need
#   scripts/setup.sh test    that, plus what `make test` needs
#
# Every step first checks whether the tool is already there at the right
# version, so a second run does no work (trunk alone takes ~7 min to build).
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132.0.0

say() { printf '==> %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

ensure_cargo() {
  command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs) first"
  # make dist writes the page's Content-Security-Policy with it (scripts/add-csp.py).
  command -v python3 >/dev/null || die "python3 not found: install it (Debian: apt-get install python3)"
}

ensure_components() {
  cargo fmt --version >/dev/null 2>&1 || { say "adding rustfmt"; rustup component add rustfmt; }
  cargo clippy --version >/dev/null 2>&1 || { say "adding clippy"; rustup component add clippy; }
}

ensure_wasm_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown && return
  say "adding the Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
}

ensure_trunk() {
  [ "$(trunk --version 2>/dev/null)" = "trunk $TRUNK_VERSION" ] && return
  say "installing trunk $TRUNK_VERSION (about 7 minutes on 2 cores)"
  cargo install --locked trunk --version "$TRUNK_VERSION"
}

# The wasm-bindgen version in Cargo.lock; the CLI must be exactly that version.
lock_wasm_bindgen() {
  awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_wasm_bindgen() {
  local v
  v=$(lock_wasm_bindgen)
  [ -n "$v" ] || die "no wasm-bindgen in Cargo.lock"
  grep -q "^wasm_bindgen = \"$v\"" Trunk.toml ||
    die "Trunk.toml [tools] wasm_bindgen must be \"$v\", the version in Cargo.lock"
  [ "$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $v" ] && return
  say "installing wasm-bindgen-cli $v"
  # Not --locked: one of the CLI's locked dependencies is missing from the registry.
  cargo install wasm-bindgen-cli --version "$v"
}

# `npm ci` in a folder, unless its node_modules already matches its lockfile.
ensure_npm() {
  local dir=$1 stamp sum
  command -v npm >/dev/null || die "npm not found: install Node.js 20 or later (Debian: apt-get install nodejs npm)"
  stamp="$dir/node_modules/.slotscope-lock-sha256"
  sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && return
  say "installing npm packages in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$sum" >"$stamp"
}

ensure_binaryen() {
  ensure_npm tools/binaryen
  local got
  got=$(tools/binaryen/node_modules/.bin/wasm-opt --version)
  case "$got" in
    *"version ${BINARYEN_VERSION%%.*}"*) ;;
    *) die "tools/binaryen has '$got', expected binaryen $BINARYEN_VERSION" ;;
  esac
}

# Debian packages, installed together in one apt run when any is missing.
ensure_debian() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y "${missing[@]}" ||
    { as_root apt-get update && as_root apt-get install -y "${missing[@]}"; }
}

what=${1:-build}
ensure_cargo
ensure_wasm_target
ensure_trunk
ensure_wasm_bindgen
ensure_binaryen
case "$what" in
  build) ;;
  test)
    ensure_components
    # The e2e test drives Debian's Chromium; no tool may download a browser here.
    # The emoji font only makes the screenshots show 🚀 instead of a box.
    # redis-server and redis-tools: the differential test runs a real cluster.
    ensure_debian chromium chromium-driver fonts-noto-color-emoji redis-server redis-tools
    ensure_npm e2e
    ;;
  *) die "usage: scripts/setup.sh build|test" ;;
esac
