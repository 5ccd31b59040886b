#!/usr/bin/env bash
# Runs end2end/api_client.py (an HTTP-only integrator client) against a fresh release
# Steward on 127.0.0.1:3200 with its own empty data directory: creates an organisation
# and keys with the `steward` CLI, runs the client, stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."
state=end2end/.state-api-client
rm -rf "$state"
mkdir -p "$state"
export STEWARD_CONFIG="$PWD/Leptos.toml"
export STEWARD_DATA_DIR="$PWD/$state/data"
export STEWARD_LISTEN_ADDRESS=127.0.0.1:3200
export STEWARD_PUBLIC_URL=http://127.0.0.1:3200
export STEWARD_SITE_ROOT="$PWD/target/site"
export STEWARD_INBOUND_SMTP_ADDRESS=127.0.0.1:0
steward=${STEWARD_BIN:-./target/release/steward}
"$steward" org create --name "API Client Co" --admin-email admin@api-client.example >"$state/org.log" 2>&1
account_key=$("$steward" api-key create --org "API Client Co" --kind account --name "client script" 2>>"$state/org.log" | tail -n 1)
read -r auth_key api_key < <("$steward" api-key create --org "API Client Co" --kind event --name "client events" 2>>"$state/org.log" | tail -n 1)
"$steward" serve >"$state/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 100); do
  curl -fsS http://127.0.0.1:3200/healthz >/dev/null 2>&1 && break
  sleep 0.2
done
status=0
timeout 300 python3 end2end/api_client.py http://127.0.0.1:3200 "$account_key" "$auth_key" "$api_key" || status=$?
# Keys must not reach the server log either.
if grep -qF -e "$account_key" -e "$auth_key" -e "$api_key" "$state/server.log"; then
  echo "FAIL a key appears in the server log"
  status=1
fi
exit $status
