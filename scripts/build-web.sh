#!/usr/bin/env bash
# build-web.sh builds warble's browser module: web/wasm compiled with
# GOOS=js GOARCH=wasm (GOWASM=satconv,signext), gzip-compressed into
# web/dist/warble.wasm.gz, and the toolchain's wasm_exec.js copied beside it. Package web embeds both, so run
# this (or `go generate ./web`) before `go build ./cmd/warble` for a warble
# whose `serve` command carries the module.
#
#   scripts/build-web.sh            # writes web/dist/
#   scripts/build-web.sh OUTDIR     # writes OUTDIR/ instead (also keeps warble.wasm)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/web/dist}"
mkdir -p "$out"
command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
goroot="$(go env GOROOT)"
glue="$goroot/lib/wasm/wasm_exec.js"
[[ -f $glue ]] || glue="$goroot/misc/wasm/wasm_exec.js"
[[ -f $glue ]] || { echo "build-web: error: no wasm_exec.js under $goroot" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && GOOS=js GOARCH=wasm GOWASM=satconv,signext CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$tmp/warble.wasm" ./web/wasm)
gzip -9 -n -c "$tmp/warble.wasm" > "$tmp/warble.wasm.gz"
cp "$glue" "$tmp/wasm_exec.js"
mv "$tmp/warble.wasm.gz" "$tmp/wasm_exec.js" "$out/"
if [[ $# -gt 0 ]]; then mv "$tmp/warble.wasm" "$out/"; fi
echo "build-web: $out/warble.wasm.gz ($(wc -c <"$out/warble.wasm.gz") bytes gzip)"
