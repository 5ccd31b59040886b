#!/usr/bin/env bash
# Serves the release build for the browser tests on 127.0.0.1:3100 with an empty data
# directory. The first-run setup link lands in end2end/.state/server.log.
set -euo pipefail
cd "$(dirname "$0")/.."
state=end2end/.state
rm -rf "$state"
mkdir -p "$state"
export STEWARD_CONFIG="$PWD/Leptos.toml"
export STEWARD_DATA_DIR="$PWD/$state/data"
export STEWARD_LISTEN_ADDRESS=127.0.0.1:3100
export STEWARD_PUBLIC_URL=http://127.0.0.1:3100
export STEWARD_SITE_ROOT="$PWD/target/site"
exec ./target/release/steward serve >"$state/server.log" 2>&1
