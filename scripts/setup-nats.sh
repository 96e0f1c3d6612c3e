#!/usr/bin/env bash
# setup-nats.sh installs Debian's nats-server, which the relay load test
# (go run ./benchmarks/relay, and its small version in go test) starts as a
# three-node JetStream cluster on loopback ports. The unit and integration
# tests of pairing/relay embed nats-server in-process and need nothing here.
#
# Idempotent: installs only what is missing, runs apt-get update at most once,
# and checks that the installed server supports JetStream (2.2 or later).
# Meant for root on Debian 12 (uses sudo otherwise, if present).
#
#   scripts/setup-nats.sh
set -euo pipefail

tag=setup-nats
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if ! command -v nats-server >/dev/null 2>&1; then
	apt_install nats-server
fi
command -v nats-server >/dev/null 2>&1 || die "nats-server is still missing after the install"
ver=$(nats-server --version 2>&1 | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1)
[[ -n $ver ]] || die "cannot read nats-server's version"
IFS=. read -r major minor _ <<<"$ver"
if ((major < 2 || (major == 2 && minor < 2))); then
	die "nats-server $ver has no JetStream; the load test needs 2.2 or later"
fi
say "nats-server $ver ready"
