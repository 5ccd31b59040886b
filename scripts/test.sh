#!/usr/bin/env bash
# Runs Steward's test suites and ends with one summary line per suite.
#   scripts/test.sh all|lint|unit|integration|e2e|api-client|schemathesis
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
what=${1:-all}
logs=$(mktemp -d)
summary=()
failed=0

# Sums "test result: ok. N passed; M failed" lines of cargo test output, or reads
# nextest's "N tests run: M passed" summary.
cargo_counts() {
  if grep -qE 'tests? run:' "$1"; then
    grep -E 'tests? run:' "$1" | tail -n 1 | sed -E 's/.*run: ([0-9]+) passed.*/\1/' | awk -v run="$(grep -E 'tests? run:' "$1" | tail -n 1 | sed -E 's/.* ([0-9]+) tests? run:.*/\1/')" '{printf "%d %d", $1, run - $1}'
  else
    grep -E '^test result:' "$1" | awk '{p+=$4; f+=$6} END {printf "%d %d", p, f}'
  fi
}

record() { # name status passed failed
  local name=$1 status=$2 passed=$3 failures=$4
  local ran=$((passed + failures))
  if [ "$status" -ne 0 ] || [ "$failures" -ne 0 ] || [ "$ran" -eq 0 ]; then failed=1; verdict=FAILED; else verdict=ok; fi
  summary+=("$(printf '%-28s %-6s %4d ran, %4d passed, %3d failed' "$name" "$verdict" "$ran" "$passed" "$failures")")
}

run_cargo_suite() { # name, then the command
  local name=$1; shift
  echo "==> $name: $*"
  "$@" 2>&1 | tee "$logs/$name.log"
  local status=${PIPESTATUS[0]}
  read -r passed failures < <(cargo_counts "$logs/$name.log")
  record "$name" "$status" "$passed" "$failures"
}

# Formatting and clippy, warnings denied, per feature set as each is built: the server side
# (ssr) on the host and the browser side (hydrate) on the WASM target. Never both feature sets
# in one build (they must not unify). Counts one check per command.
lint() {
  local checks=(
    "cargo fmt --all --check"
    "cargo clippy -p app -p server -p migration -p salesforce-standin --features app/ssr --all-targets -- -D warnings"
    "cargo clippy -p app -p frontend --features app/hydrate --target wasm32-unknown-unknown --all-targets -- -D warnings"
  )
  local passed=0 failures=0 check
  for check in "${checks[@]}"; do
    echo "==> lint: $check"
    if timeout 1800 $check; then passed=$((passed + 1)); else failures=$((failures + 1)); fi
  done
  record "lint (fmt, clippy)" 0 "$passed" "$failures"
}

unit() {
  run_cargo_suite "unit" timeout 1200 bash -c 'cargo test -p app --features ssr --lib; a=$?; cargo test -p server --lib --bins; b=$?; cargo test -p salesforce-standin; exit $((a | b | $?))'
}

integration() {
  # The tests' data directories go into a TMPDIR of this run, removed at the end.
  local scratch
  scratch=$(mktemp -d /tmp/steward-integration-XXXXXX)
  # The Manage OAuth tests start and stop the Salesforce stand-in themselves.
  cargo build -p salesforce-standin 2>&1 | tail -n 2
  # Bounded in time: a hang fails the suite instead of eating the CI budget.
  run_cargo_suite "integration (SQLite)" timeout 1200 env TMPDIR="$scratch" STEWARD_TEST_DATABASE_URL=sqlite cargo nextest run -p server --test integration --no-fail-fast
  local pgdir port url
  pgdir=$(mktemp -d /tmp/steward-pg-XXXXXX)
  port=$((20000 + RANDOM % 20000))
  if url=$(bash scripts/pg-throwaway.sh start "$pgdir" "$port"); then
    run_cargo_suite "integration (PostgreSQL)" timeout 1200 env TMPDIR="$scratch" STEWARD_TEST_DATABASE_URL="$url" cargo nextest run -p server --test integration --no-fail-fast
  else
    echo "could not start PostgreSQL; see $pgdir"
    record "integration (PostgreSQL)" 1 0 0
  fi
  bash scripts/pg-throwaway.sh stop "$pgdir"
  rm -rf "$scratch"
}

e2e() {
  echo "==> release build for the browser tests"
  # The Salesforce stand-in the Manage OAuth specs sign in to (scripts/e2e-server.sh starts
  # and stops it with the server).
  cargo build --release -p salesforce-standin 2>&1 | tail -n 2
  if ! cargo leptos build --release --precompress --split 2>&1 | tail -n 5; then
    record "browser (Playwright)" 1 0 0
    return
  fi
  echo "==> browser (Playwright)"
  (cd end2end && PLAYWRIGHT_JSON_OUTPUT_FILE="$logs/e2e.json" timeout 1200 npx playwright test)
  local status=$?
  read -r passed failures < <(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const s = r.stats || {};
    console.log((s.expected || 0) + (s.flaky || 0), (s.unexpected || 0));
  ' "$logs/e2e.json" 2>/dev/null || echo "0 1")
  [ "$passed" -gt 0 ] 2>/dev/null || status=1
  record "browser (Playwright)" "$status" "$passed" "$failures"
}

# The HTTP-only integrator client (end2end/api_client.py) against the release build.
api_client() {
  echo "==> API client (HTTP only)"
  [ -x target/release/steward ] || cargo leptos build --release --precompress --split 2>&1 | tail -n 5
  bash scripts/api-client-test.sh 2>&1 | tee "$logs/api-client.log"
  local status=${PIPESTATUS[0]}
  record "API client (HTTP only)" "$status" "$(grep -c '^  ok ' "$logs/api-client.log")" "$(grep -c '^  FAIL ' "$logs/api-client.log")"
}

# Schemathesis over the OpenAPI document against the release build: every operation, a
# fixed seed, a bounded number of examples; one line per operation.
schemathesis() {
  echo "==> OpenAPI (Schemathesis)"
  [ -x target/release/steward ] || cargo leptos build --release --precompress --split 2>&1 | tail -n 5
  bash scripts/schemathesis-test.sh 2>&1 | tee "$logs/schemathesis.log"
  local status=${PIPESTATUS[0]}
  record "OpenAPI (Schemathesis)" "$status" "$(grep -c '^  ok ' "$logs/schemathesis.log")" "$(grep -c '^  FAIL ' "$logs/schemathesis.log")"
}

case "$what" in
  lint) lint ;;
  unit) unit ;;
  integration) integration ;;
  e2e) e2e ;;
  api-client) api_client ;;
  schemathesis) schemathesis ;;
  all) lint; unit; integration; e2e; api_client; schemathesis ;;
  *) echo "usage: $0 all|lint|unit|integration|e2e|api-client|schemathesis"; exit 2 ;;
esac

echo
echo "Summary"
printf '  %s\n' "${summary[@]}"
rm -rf "$logs"
exit $failed
