#!/usr/bin/env bash
# setup-lan.sh installs what the LAN tests of pairing/lan need: unshare
# (util-linux) and ip (iproute2), with which each multicast test runs in a
# private network namespace whose only interface is loopback. Idempotent;
# run as root on Debian 12.
set -euo pipefail

missing=()
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup-lan: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	apt-get install -y --no-install-recommends "${missing[@]}"
fi
