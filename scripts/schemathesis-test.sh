#!/usr/bin/env bash
# Runs Schemathesis (installed into .tools/venv by scripts/install-test-tools.sh) over
# Steward's OpenAPI document (`GET /api/openapi.json`) against a fresh release Steward on
# 127.0.0.1:3140 with its own empty data directory and an organisation and keys made by
# the `steward` CLI. A fixed seed and a bounded number of examples per operation, every
# operation, every check (end2end/schemathesis.toml says which are tuned and why): any
# 5xx or any answer that the document does not describe fails the suite.
#   STEWARD_BIN=target/debug/steward   use another build
#   SCHEMATHESIS_EXAMPLES=N            examples per operation (default 25)
#   SCHEMATHESIS_SEED=N                another seed (default 20261130)
#   STEWARD_SCHEMATHESIS_PORT=P        another loopback port (default 3140)
set -euo pipefail
cd "$(dirname "$0")/.."
port=${STEWARD_SCHEMATHESIS_PORT:-3140}
base=http://127.0.0.1:$port
state=end2end/.state-schemathesis
rm -rf "$state"
mkdir -p "$state"
export STEWARD_CONFIG="$PWD/Leptos.toml"
export STEWARD_DATA_DIR="$PWD/$state/data"
export STEWARD_LISTEN_ADDRESS=127.0.0.1:$port
export STEWARD_PUBLIC_URL=$base
export STEWARD_SITE_ROOT="$PWD/target/site"
steward=${STEWARD_BIN:-./target/release/steward}
st=.tools/venv/bin/st
[ -x "$st" ] || { echo "Schemathesis is missing: run scripts/install-test-tools.sh"; exit 1; }

"$steward" org create --name "Schemathesis Co" --admin-email admin@schemathesis.example >"$state/org.log" 2>&1
account_key=$("$steward" api-key create --org "Schemathesis Co" --kind account --name "schemathesis" 2>>"$state/org.log" | tail -n 1)
read -r auth_key api_key < <("$steward" api-key create --org "Schemathesis Co" --kind event --name "schemathesis events" 2>>"$state/org.log" | tail -n 1)
"$steward" serve >"$state/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 100); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done

# The Event API's keys are path parameters: end2end/schemathesis.toml reads them from here.
export STEWARD_EVENT_AUTH_KEY=$auth_key STEWARD_EVENT_API_KEY=$api_key
# One worker: with two threads Hypothesis (describing its strategies) and CPython 3.11's
# ast.parse raced ("AST constructor recursion depth mismatch"), failing operations at random.
status=0
timeout 900 "$st" --config-file end2end/schemathesis.toml run "$base/api/openapi.json" \
  --auth "api:$account_key" \
  --seed "${SCHEMATHESIS_SEED:-20261130}" \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-25}" \
  --workers 1 \
  --exclude-checks negative_data_rejection \
  --report junit --report-junit-path "$state/junit.xml" \
  --output-sanitize true \
  >"$state/schemathesis.log" 2>&1 || status=$?
# The summary, and every failure in full when there is one.
if [ "$status" -ne 0 ]; then cat "$state/schemathesis.log"; else tail -n 25 "$state/schemathesis.log"; fi

# One line per operation (`  ok …` / `  FAIL …`) and a closing count, read from the report.
python3 - "$state/junit.xml" <<'EOF' || status=1
import sys
import xml.etree.ElementTree as ET

try:
    cases = ET.parse(sys.argv[1]).getroot().iter("testcase")
except (OSError, ET.ParseError) as error:
    print(f"FAIL no Schemathesis report: {error}")
    sys.exit(1)
passed = failed = 0
for case in cases:
    bad = case.find("failure") is not None or case.find("error") is not None
    print(f"  {'FAIL' if bad else 'ok'} {case.get('name')}")
    failed += bad
    passed += not bad
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or not passed else 0)
EOF
exit $status
