#!/usr/bin/env bash
# setup-audio.sh installs what warble's sound devices need and makes sure a
# sound server is running:
#
#   - Debian packages: portaudio19-dev and libasound2-dev (the cgo backends
#     PortAudio and oto), libasound2-plugins (ALSA's pulse plugin, through
#     which both reach PulseAudio), pulseaudio and pulseaudio-utils (pactl);
#   - a PulseAudio server: when none answers, one is started with a null sink
#     named "warble-loop" at 48 kHz as the default sink, so its monitor
#     (warble-loop.monitor) is the default source: what is played is what is heard.
#     A running server is kept; warble's null sink is added to it, and made
#     the default, only when it has no sink at all or its default sink is a
#     null sink that rewinds (whose monitor loses pieces of what is played).
#
# Idempotent: installs only what is missing, runs apt-get update at most once.
# Meant for root on Debian 12 (uses sudo for apt-get otherwise, if present).
#
#   scripts/setup-audio.sh
set -euo pipefail

tag=setup-audio
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# PulseAudio keeps its socket under XDG_RUNTIME_DIR when that is set, and
# under /tmp (found through ~/.config/pulse) when not; a variable naming a
# directory that does not exist would leave the server without a socket.
if [[ -n "${XDG_RUNTIME_DIR:-}" && ! -d "$XDG_RUNTIME_DIR" ]]; then
	unset XDG_RUNTIME_DIR
fi
export HOME="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"

pkgs=()
for pkg in gcc pkg-config portaudio19-dev libasound2-dev libasound2-plugins pulseaudio pulseaudio-utils; do
	dpkg -s "$pkg" >/dev/null 2>&1 || pkgs+=("$pkg")
done
apt_install "${pkgs[@]}"

# The pulse plugin's own configuration (from the pulseaudio package) routes
# ALSA's default device to PulseAudio whenever a server runs; without it,
# route it in ~/.asoundrc.
if [[ ! -e /etc/alsa/conf.d/99-pulse.conf && ! -e "$HOME/.asoundrc" ]]; then
	say "routing ALSA's default device to PulseAudio in $HOME/.asoundrc"
	printf 'pcm.!default { type pulse }\nctl.!default { type pulse }\n' >"$HOME/.asoundrc"
fi

null_sink=(module-null-sink sink_name=warble-loop rate=48000 format=float32le channels=1 norewinds=1
	sink_properties=device.description=warble-loop)

# use_warble_sink loads warble's null sink unless it is there, and makes it
# and its monitor the defaults.
use_warble_sink() {
	if ! pactl list short sinks | cut -f2 | grep -qx warble-loop; then
		pactl load-module "${null_sink[@]}" >/dev/null
	fi
	pactl set-default-sink warble-loop
	pactl set-default-source warble-loop.monitor
}

if pactl info >/dev/null 2>&1; then
	default_sink="$(pactl get-default-sink 2>/dev/null || true)"
	if [[ -z "$(pactl list short sinks 2>/dev/null)" ]]; then
		say "PulseAudio has no sink: adding a null sink (no sound card here)"
		use_warble_sink
	elif pactl list short modules | grep -P "\tmodule-null-sink\t.*sink_name=${default_sink}( |$)" | grep -qv 'norewinds=1'; then
		# A null sink that rewinds re-renders what it had mixed ahead when
		# a stream starts, after its monitor has passed the first version
		# on: what is recorded from the monitor loses pieces of the sound.
		say "the default sink \"$default_sink\" is a null sink that rewinds: using warble's (norewinds=1) instead"
		use_warble_sink
	fi
else
	say "starting PulseAudio with a null sink \"warble-loop\" (its monitor is the default source)"
	args=(--daemonize=yes --exit-idle-time=-1 -n --use-pid-file=yes
		--load=module-native-protocol-unix
		"--load=${null_sink[*]}"
		--load=module-always-sink)
	if [[ $EUID -eq 0 ]]; then
		# As root, pulseaudio warns that it is meant for a user session;
		# run that way it serves root's clients, which is what is wanted.
		pulseaudio "${args[@]}" 2>/dev/null || pulseaudio "${args[@]}"
	else
		pulseaudio "${args[@]}"
	fi
	for _ in $(seq 50); do
		pactl info >/dev/null 2>&1 && break
		sleep 0.1
	done
	pactl info >/dev/null 2>&1 || die "PulseAudio did not start; try: pulseaudio -vvv -n --load=module-native-protocol-unix"
	pactl set-default-sink warble-loop
	pactl set-default-source warble-loop.monitor
fi
say "PulseAudio $(pactl info | sed -n 's/^Server Version: //p'): default sink $(pactl get-default-sink), default source $(pactl get-default-source)"
