#!/usr/bin/env bash
# test.sh installs the real peers the tests talk to (minimodem, ggwave under
# node) and runs the whole test suite with the race detector.
#
#   bash scripts/test.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="/usr/local/go/bin:$PATH"

bash scripts/setup-peers.sh
echo "test: go vet"
go vet ./...
echo "test: library packages without cgo"
CGO_ENABLED=0 go build ./...
echo "test: go test -race"
go test -race -count=1 ./...
