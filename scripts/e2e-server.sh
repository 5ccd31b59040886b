#!/usr/bin/env bash
# Serves the release build for the browser tests on 127.0.0.1:$STEWARD_E2E_PORT (3100) with an
# empty data directory, sending mail to a real SMTP server (aiosmtpd) on 127.0.0.1:$STEWARD_E2E_SMTP_PORT (3125) that writes
# every message into end2end/.state/mail (a Maildir the tests read). The first-run setup
# link lands in end2end/.state/server.log. STEWARD_BIN=target/debug/steward serves a debug build
# (`cargo leptos build --split`) for quicker loops while writing tests.
set -euo pipefail
cd "$(dirname "$0")/.."
state=end2end/.state
port=${STEWARD_E2E_PORT:-3100}
smtp_port=${STEWARD_E2E_SMTP_PORT:-3125}
rm -rf "$state"
mkdir -p "$state"
python=.tools/venv/bin/python
[ -x "$python" ] || { echo "aiosmtpd is missing: run make test-tools" >&2; exit 1; }
"$python" -m aiosmtpd -n -l 127.0.0.1:$smtp_port -c aiosmtpd.handlers.Mailbox "$PWD/$state/mail" >"$state/smtp.log" 2>&1 &
smtp=$!
# The Salesforce stand-in (salesforce-standin) for Manage OAuth, on $STEWARD_E2E_SF_PORT (3190),
# with this server's callback registered. Built by scripts/test.sh e2e.
sf_port=${STEWARD_E2E_SF_PORT:-3190}
standin=${STEWARD_STANDIN_BIN:-./target/release/salesforce-standin}
[ -x "$standin" ] || standin=./target/debug/salesforce-standin
[ -x "$standin" ] || { echo "salesforce-standin is missing: cargo build --release -p salesforce-standin" >&2; exit 1; }
"$standin" --port "$sf_port" --callback "http://127.0.0.1:$port/oauth/salesforce/callback" >"$state/standin.log" 2>&1 &
sf=$!
export STEWARD_CONFIG="$PWD/Leptos.toml"
export STEWARD_DATA_DIR="$PWD/$state/data"
export STEWARD_LISTEN_ADDRESS=127.0.0.1:$port
export STEWARD_PUBLIC_URL=http://127.0.0.1:$port
export STEWARD_SITE_ROOT="$PWD/target/site"
export STEWARD_MAIL_RELAY=127.0.0.1
export STEWARD_MAIL_PORT=$smtp_port
export STEWARD_MAIL_SECURITY=none
export STEWARD_MAIL_DELIVERY_SECONDS=1
# The BCC email SMTP listener (default 127.0.0.1:2525) on a port of its own.
export STEWARD_INBOUND_SMTP_ADDRESS=127.0.0.1:${STEWARD_E2E_INBOUND_PORT:-3126}
# No DNS on these machines: the browser test's mail cannot pass DKIM or SPF (the integration
# tests check that gate against a DNS server on loopback).
export STEWARD_INBOUND_REQUIRE_AUTHENTICATED_SENDER=false
"${STEWARD_BIN:-./target/release/steward}" serve >"$state/server.log" 2>&1 &
steward=$!
trap 'kill $steward $smtp $sf 2>/dev/null; wait' EXIT INT TERM
wait -n $steward $smtp $sf
