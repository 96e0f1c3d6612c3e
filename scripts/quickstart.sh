#!/usr/bin/env bash
# quickstart.sh sets up what warble needs and runs its main job end to end:
# a token is chirped from the speaker and heard on the microphone. On a
# machine without a sound card, the speaker is a PulseAudio null sink and
# the microphone is its monitor. Then the same token goes through a WAV file,
# clean and through the channel simulator.
#
#   bash scripts/quickstart.sh [TEXT]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="/usr/local/go/bin:$PATH"
say() { printf 'quickstart: %s\n' "$*"; }

# Go builds warble; the sound backends need gcc and the Debian packages
# that setup-audio.sh installs.
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

if [[ -z "$(grep -v 'no soundcards' /proc/asound/cards 2>/dev/null || true)" ]]; then
	say "no sound card here: the speaker is a PulseAudio null sink, the microphone its monitor"
fi
bash scripts/setup-audio.sh

say "building warble"
mkdir -p bin
go build -o bin/warble ./cmd/warble

text="${1:-7-guitar-kitten}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

say "sound devices:"
bin/warble devices

say "listening on the default microphone, then chirping \"$text\" from the default speaker (room profile, the default):"
bin/warble listen -timeout 20s -count 1 >"$tmp/heard.txt" 2>"$tmp/listen.err" &
listener=$!
for _ in $(seq 100); do
	grep -q 'listening on' "$tmp/listen.err" 2>/dev/null && break
	kill -0 "$listener" 2>/dev/null || break
	sleep 0.1
done
bin/warble send "$text"
status=0
wait "$listener" || status=$?
cat "$tmp/listen.err" >&2
if ((status != 0)); then
	say "the microphone did not hear the speaker (listen exited $status)"
	exit 1
fi
say "heard:"
cat "$tmp/heard.txt"

out="$tmp/token.wav"
say "profiles:"
bin/warble profiles
say "chirping \"$text\" into a WAV file (room profile, 48 kHz)"
bin/warble encode -o "$out" "$text"
say "hearing it back:"
bin/warble decode "$out"
say "and from a noisy, 1.5%-fast copy of it (full-band SNR -10 dB):"
go run ./internal/channel/cmd/wchannel -snr -10 -skew 15000 -seed 7 "$out" "${out%.wav}-noisy.wav"
bin/warble decode -json "${out%.wav}-noisy.wav"
