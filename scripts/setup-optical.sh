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

tag=setup-optical
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if command -v zbarimg >/dev/null 2>&1; then
	say "zbarimg present"
	exit 0
fi
apt_install zbar-tools
command -v zbarimg >/dev/null 2>&1 || die "zbar-tools installed but zbarimg is not on PATH"
say "zbarimg installed"
