#!/usr/bin/env bash
# End-to-end test of the dashboard: builds `lodestone`, installs playwright-core from the
# committed lock file and drives Debian's /usr/bin/chromium headless against a server the
# script starts on 127.0.0.1 (a free port, a fresh store). Needs: apt-get install chromium.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
# LODESTONE_BIN set (CI): that binary is tested as it is; otherwise build it.
if [ -z "${LODESTONE_BIN:-}" ]; then
  cargo build --manifest-path "$root/Cargo.toml" -p lodestone-cli --bin lodestone
fi
cd "$here"
npm ci --no-audit --no-fund
LODESTONE_BIN="${LODESTONE_BIN:-$target/debug/lodestone}" node dashboard.mjs
