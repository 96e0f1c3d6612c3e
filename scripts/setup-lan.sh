#!/usr/bin/env bash
# setup-lan.sh installs what the LAN tests of pairing/lan need: unshare
# (util-linux) and ip (iproute2), with which each multicast test runs in a
# private network namespace whose only interface is loopback. Idempotent;
# run as root on Debian 12.
set -euo pipefail

tag=setup-lan
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

missing=()
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
apt_install "${missing[@]}"
