#!/usr/bin/env bash
# quickstart.sh sets up what warble needs and runs its main job end to end:
# a token is chirped into a WAV file and heard back from it.
#
#   bash scripts/quickstart.sh [TEXT]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="/usr/local/go/bin:$PATH"
say() { printf 'quickstart: %s\n' "$*"; }

# Go builds warble; gcc is only needed by the sound-device backends later.
if ! command -v go >/dev/null 2>&1; then
	say "installing Go from Debian (golang)"
	apt-get update -qq && apt-get install -y -qq golang >/dev/null
fi
for pkg in ca-certificates git; do
	if ! dpkg -s "$pkg" >/dev/null 2>&1; then
		say "installing $pkg"
		apt-get update -qq && apt-get install -y -qq "$pkg" >/dev/null
	fi
done

say "building warble"
mkdir -p bin
go build -o bin/warble ./cmd/warble

text="${1:-7-guitar-kitten}"
out="$(mktemp -d)/token.wav"
say "profiles:"
bin/warble profiles
say "chirping \"$text\" into $out (audible profile, 48 kHz)"
bin/warble encode -o "$out" "$text"
ls -l "$out"
say "hearing it back:"
bin/warble decode "$out"
say "and from a noisy, 1.5%-fast copy of it (full-band SNR -10 dB):"
go run ./internal/channel/cmd/wchannel -snr -10 -skew 15000 -seed 7 "$out" "${out%.wav}-noisy.wav"
bin/warble decode -json "${out%.wav}-noisy.wav"
