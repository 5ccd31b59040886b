#!/usr/bin/env bash
# Installs what the tests need, skipping whatever is there: Chromium (Debian's; Playwright
# cannot download browsers here), PostgreSQL 15, dnsmasq (a DNS server the email tests start
# on a loopback port), dkimpy (an independent DKIM verifier for Steward's signatures),
# aiosmtpd, Schemathesis and the end-to-end node packages.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# dnsmasq-base is the binary alone (the `dnsmasq` package would add a system service).
command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ] || missing+=(dnsmasq-base)
/usr/bin/python3 -c 'import dkim' >/dev/null 2>&1 || missing+=(python3-dkim)
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# A real SMTP server for the mail tests: aiosmtpd, in a virtualenv under .tools.
[ -x .tools/venv/bin/pip ] || python3 -m venv .tools/venv
if [ ! -x .tools/venv/bin/aiosmtpd ]; then
  say "Installing aiosmtpd (SMTP sink for tests)"
  .tools/venv/bin/pip install --quiet "aiosmtpd==1.4.6"
fi

# Schemathesis checks the OpenAPI document against the running API (scripts/schemathesis-test.sh).
schemathesis_version=4.32.5
if ! .tools/venv/bin/st --version 2>/dev/null | grep -qF "$schemathesis_version"; then
  say "Installing Schemathesis $schemathesis_version (OpenAPI conformance)"
  .tools/venv/bin/pip install --quiet "schemathesis==$schemathesis_version"
fi

# Also when a package was added since the last install (axe-core for the accessibility check).
if [ ! -d end2end/node_modules/@playwright/test ] || [ ! -d end2end/node_modules/@axe-core/playwright ]; then
  say "Installing end-to-end test packages"
  (cd end2end && npm ci --no-audit --no-fund >/dev/null)
fi
