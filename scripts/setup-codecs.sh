#!/usr/bin/env bash
# setup-codecs.sh installs the speech codecs the benchmark sweep puts
# transmissions through as a phone line would (go run ./benchmarks/sweep,
# its codec part): sox with AMR-NB and GSM 06.10 (Debian's sox formats:
# libsox-fmt-base carries GSM, libsox-fmt-all pulls in the rest, AMR-NB
# through libopencore-amrnb) and opus-tools (opusenc, opusdec).
#
# Idempotent: installs only what is missing, runs apt-get update at most once,
# and checks that sox lists the amr-nb and gsm formats afterwards.
# Meant for root on Debian 12 (uses sudo otherwise, if present).
#
#   scripts/setup-codecs.sh
set -euo pipefail

tag=setup-codecs
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

has_formats() {
	command -v sox >/dev/null 2>&1 || return 1
	local f
	f="$(sox -h 2>/dev/null | sed -n 's/^AUDIO FILE FORMATS: //p')"
	[[ " $f " == *" amr-nb "* && " $f " == *" gsm "* ]]
}

pkgs=()
has_formats || pkgs+=(sox libsox-fmt-all)
command -v opusenc >/dev/null 2>&1 && command -v opusdec >/dev/null 2>&1 || pkgs+=(opus-tools)

apt_install "${pkgs[@]}"

has_formats || die "sox does not list the amr-nb and gsm formats (sox -h); the codec conditions need both"
say "sox $(sox --version 2>&1 | sed -n 's/.*SoX v//p'): amr-nb, gsm; $(opusenc --version 2>&1 | head -n1)"
