#!/usr/bin/env bash
# Browser test of the agents' dashboard. Installs what is missing (Debian's
# chromium with apt-get, playwright-core with npm ci), builds the platform
# and runs dashboard.e2e.mjs. Screenshots land in $E2E_OUT (default
# examples/platform/e2e/out/). Run from anywhere; needs root (or sudo) only
# when chromium is not installed yet.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"

if [ ! -x /usr/bin/chromium ]; then
  sudo_=""
  if [ "$(id -u)" -ne 0 ]; then sudo_="sudo"; fi
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq chromium
fi
command -v node >/dev/null || { echo "e2e: node (>= 18) and npm are needed" >&2; exit 1; }

cd "$here"
if [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund --ignore-scripts
fi

bin="$(mktemp -d)/platform"
trap 'rm -rf "$(dirname "$bin")"' EXIT
(cd "$repo" && go build -o "$bin" ./examples/platform)
PLATFORM_BIN="$bin" node "$here/dashboard.e2e.mjs"
