#!/usr/bin/env bash
# Installs what building Steward needs, skipping whatever is already there:
# the WASM target, cargo-leptos, the wasm-bindgen CLI matching Cargo.lock, and a working
# wasm-opt (npm's binaryen; Debian's 108 breaks hydration). See ../shared/toolchain.md.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="$PWD/.tools"
mkdir -p "$TOOLS"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
  say "Adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

CARGO_LEPTOS_VERSION=0.3.11
if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  say "Installing cargo-leptos $CARGO_LEPTOS_VERSION (about 12 minutes, once)"
  # Its dependencies need a newer rustc than stable here; the binary it makes works with
  # stable builds. no_downloads: the network is closed to tool downloads.
  if ! rustup toolchain list | grep -q '^nightly'; then
    rustup toolchain install nightly --profile minimal
  fi
  cargo +nightly install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  say "Installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes, once)"
  # Not --locked: one locked dependency is missing from the registry.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if [ ! -x "$TOOLS/node_modules/.bin/wasm-opt" ]; then
  say "Installing wasm-opt (npm binaryen)"
  (cd "$TOOLS" && [ -f package.json ] || echo '{"private":true}' > "$TOOLS/package.json"; cd "$TOOLS" && npm install --no-audit --no-fund binaryen@132 >/dev/null)
fi
