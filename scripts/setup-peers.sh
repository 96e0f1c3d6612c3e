#!/usr/bin/env bash
# setup-peers.sh installs the peers warble is tested and benchmarked against:
# minimodem (Debian package) and ggwave (npm package, pinned in
# internal/peers/ggwave/package-lock.json, run under node).
#
# Idempotent: installs only what is missing, runs apt-get update at most once,
# and skips npm ci when node_modules already matches the lock file.
# Meant for root on Debian 12 (uses sudo otherwise, if present).
#
#   scripts/setup-peers.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ggdir="$root/internal/peers/ggwave"

tag=setup-peers
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Debian packages for what is missing. A node already present (a NodeSource
# build, or one in /usr/local/bin) is kept: Debian's nodejs is not installed
# over it, and npm is only installed when no npm came with that node.
pkgs=()
command -v minimodem >/dev/null 2>&1 || pkgs+=(minimodem)
if ! command -v node >/dev/null 2>&1; then
	pkgs+=(nodejs)
	command -v npm >/dev/null 2>&1 || pkgs+=(npm)
elif ! command -v npm >/dev/null 2>&1; then
	say "node $(node --version) has no npm; installing Debian's npm"
	pkgs+=(npm)
fi

apt_install "${pkgs[@]}"

# ggwave: npm ci unless node_modules was installed from this very lock file.
lock="$ggdir/package-lock.json"
stamp="$ggdir/node_modules/.warble-lock.sha256"
want="$(sha256sum "$lock" | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -f "$ggdir/node_modules/ggwave/ggwave.js" ]]; then
	say "ggwave node_modules is current"
else
	say "npm ci in internal/peers/ggwave"
	npm ci --prefix "$ggdir" --no-audit --no-fund --loglevel=error
	printf '%s\n' "$want" >"$stamp"
fi

say "minimodem: $(minimodem --version 2>&1 | head -n1)"
say "node $(node --version), ggwave $(node -p 'require(process.argv[1] + "/node_modules/ggwave/package.json").version' "$ggdir")"
