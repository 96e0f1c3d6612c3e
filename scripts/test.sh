#!/usr/bin/env bash
# test.sh installs and starts the real components the tests talk to (each
# scripts/setup-*.sh: peers such as minimodem and ggwave under node, a sound
# server, and so on) and runs the whole test suite with the race detector.
#
#   bash scripts/test.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="/usr/local/go/bin:$PATH"

for setup in scripts/setup-*.sh; do
	bash "$setup"
done
echo "test: go vet"
go vet ./...
echo "test: library packages without cgo"
CGO_ENABLED=0 go build ./...
echo "test: go test -race"
go test -race -count=1 ./...
