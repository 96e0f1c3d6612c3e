#!/usr/bin/env bash
# setup-browser.sh installs Debian's chromium, the headless browser that the
# web/ tests drive (through chromedp) to run warble's pages, WASM receiver
# and fake microphone for real.
#
# Idempotent: does nothing when chromium is already on PATH, and runs
# apt-get update once before installing. Meant for root on Debian 12 (uses
# sudo otherwise, if present).
#
#   scripts/setup-browser.sh
set -euo pipefail

tag=setup-browser
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if command -v chromium >/dev/null 2>&1; then
	say "chromium present: $(chromium --version 2>/dev/null || echo unknown version)"
	exit 0
fi
apt_install chromium
command -v chromium >/dev/null 2>&1 || die "chromium installed but not on PATH"
say "chromium installed: $(chromium --version 2>/dev/null || echo unknown version)"
