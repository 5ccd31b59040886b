#!/usr/bin/env bash
# Installs what the tests need, skipping whatever is there: Chromium (Debian's; Playwright
# cannot download browsers here), PostgreSQL 15, aiosmtpd and the end-to-end node packages.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# A real SMTP server for the mail tests: aiosmtpd, in a virtualenv under .tools.
if [ ! -x .tools/venv/bin/aiosmtpd ]; then
  say "Installing aiosmtpd (SMTP sink for tests)"
  python3 -m venv .tools/venv
  .tools/venv/bin/pip install --quiet "aiosmtpd==1.4.6"
fi

# Also when a package was added since the last install (axe-core for the accessibility check).
if [ ! -d end2end/node_modules/@playwright/test ] || [ ! -d end2end/node_modules/@axe-core/playwright ]; then
  say "Installing end-to-end test packages"
  (cd end2end && npm ci --no-audit --no-fund >/dev/null)
fi
