#!/usr/bin/env bash
# The API against its own OpenAPI document (issue #18): Schemathesis, a property-based API
# tester driven by /api/openapi.json, with every check but `positive_data_acceptance`
# (free-text TOML bodies cannot be generated valid), a bounded number of examples and a
# fixed seed, against `lodestone serve` on 127.0.0.1 (a free port, a fresh store, the tiny
# fixture as --data so a generated run takes milliseconds): once with a token (security
# declared and enforced), once without (no security declared, writes open on loopback).
# Fails on any failure. Needs python3 with venv; installs the pinned Schemathesis from PyPI
# into $ST_VENV (default: a directory under the target dir, reused by later runs).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
bin="${LODESTONE_BIN:-$target/debug/lodestone}"
venv="${ST_VENV:-$target/schemathesis-venv}"
examples="${ST_EXAMPLES:-20}"
version="4.32.5"

if [ ! -x "$venv/bin/schemathesis" ] || ! "$venv/bin/schemathesis" --version | grep -q "$version"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$version"
fi

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
store="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$store"
}
trap cleanup EXIT

# one Schemathesis run against a server started with the extra arguments given
check() {
  local label="$1"; shift
  rm -rf "$store"; mkdir -p "$store"
  "$bin" serve --addr "127.0.0.1:$port" --store "$store" --workers 1 \
    --data "$root/crates/lodestone-engine/tests/fixtures/tiny" "$@" >"$store.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do
    if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "== schemathesis $version, $label"
  local auth=()
  if [ "$label" = "with a token" ]; then auth=(-H "Authorization: Bearer st-token"); fi
  (cd "$store" && "$venv/bin/schemathesis" run "http://127.0.0.1:$port/api/openapi.json" \
    --checks all --exclude-checks positive_data_acceptance "${auth[@]}" \
    --max-examples "$examples" --seed 1 --warnings off --no-color) | tail -n 22
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

check "with a token" --token st-token
check "without a token"
