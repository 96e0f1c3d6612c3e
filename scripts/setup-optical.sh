#!/usr/bin/env bash
# setup-optical.sh installs zbarimg (Debian package zbar-tools), the
# independent QR reader that optical/qr's tests check warble's codes with.
#
# Idempotent: does nothing when zbarimg is already on PATH, and runs
# apt-get update once before installing. Meant for root on Debian 12 (uses
# sudo otherwise, if present).
#
#   scripts/setup-optical.sh
set -euo pipefail

say() { printf 'setup-optical: %s\n' "$*"; }
die() { printf 'setup-optical: error: %s\n' "$*" >&2; exit 1; }

as_root() {
	if [[ $EUID -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "need root to run: $*"
	fi
}

if command -v zbarimg >/dev/null 2>&1; then
	say "zbarimg present"
	exit 0
fi
command -v apt-get >/dev/null 2>&1 || die "zbarimg is missing and apt-get is not available; install zbar-tools"
export DEBIAN_FRONTEND=noninteractive
say "installing zbar-tools"
as_root apt-get update -q
as_root apt-get install -y -q --no-install-recommends zbar-tools
command -v zbarimg >/dev/null 2>&1 || die "zbar-tools installed but zbarimg is not on PATH"
say "zbarimg installed"
