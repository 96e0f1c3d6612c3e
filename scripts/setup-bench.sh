#!/usr/bin/env bash
# setup-bench.sh installs what the benchmark sweep (go run ./benchmarks/sweep)
# needs beyond the peers of setup-peers.sh: espeak-ng, whose synthetic speech
# is one of the signals the false-frame count listens to, and GNU time, which
# measures each decoder's CPU time and peak memory; and ggwave in
# benchmarks/peers (npm ci, as the sweep itself does), so the sweep's smoke
# test can run ggwave without touching the network.
#
# Idempotent: installs only what is missing, runs apt-get update at most once.
# Meant for root on Debian 12 (uses sudo otherwise, if present).
#
#   scripts/setup-bench.sh
set -euo pipefail

tag=setup-bench
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pkgs=()
command -v espeak-ng >/dev/null 2>&1 || pkgs+=(espeak-ng)
[[ -x /usr/bin/time ]] || pkgs+=(time)

apt_install "${pkgs[@]}"

# ggwave for the sweep: npm ci unless node_modules was installed from this
# very lock file. node and npm come from setup-peers.sh, run first (it is
# idempotent) whatever order the setup scripts run in.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup-peers.sh" >/dev/null
dir="$root/benchmarks/peers"
lock="$dir/package-lock.json"
stamp="$dir/node_modules/.warble-lock.sha256"
want="$(sha256sum "$lock" | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -f "$dir/node_modules/ggwave/ggwave.js" ]]; then
	say "benchmarks/peers node_modules is current"
elif command -v npm >/dev/null 2>&1; then
	say "npm ci in benchmarks/peers"
	npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
	printf '%s\n' "$want" >"$stamp"
else
	say "npm not found: run scripts/setup-peers.sh first to benchmark against ggwave"
fi

say "espeak-ng: $(espeak-ng --version 2>&1 | head -n1)"
