//go:build cgo

package main

import (
	"path/filepath"
	"testing"

	"warble/pairing"
)

// TestPairAudioThroughRelay chirps the code from the speaker and hears it
// on the microphone, through the PulseAudio null sink that TestMain gives
// this test process (see audiotest.Loop): the host's playback goes to the
// sink, the joiner captures its monitor. The host repeats the chirp until
// the joiner has heard it, so the order in which the two open their
// devices does not matter.
func TestPairAudioThroughRelay(t *testing.T) {
	needLoop(t)
	url := testRelay(t)
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	join := start(t, nil, "pair", "join", "-state", b, "-via", url, "-audio", "-timeout", "30s", "-json")
	host := start(t, nil, "pair", "host", "-state", a, "-via", url, "-audio", "-timeout", "30s", "-json")
	c := host.next(t, "code")
	if c["oob"] != "audio" {
		t.Fatalf("code event %v", c)
	}
	code, err := pairing.ParseCode(c["code"].(string))
	if err != nil || !code.Audio() {
		t.Fatalf("chirped code %v: %v", c, err)
	}
	if heard := join.next(t, "heard"); heard["nameplate"] != code.Nameplate() {
		t.Fatalf("heard %v, chirped %v", heard, c)
	}
	hp, jp := host.next(t, "paired"), join.next(t, "paired")
	if hr, jr := host.wait(t), join.wait(t); hr.code != 0 || jr.code != 0 {
		t.Fatalf("exit host %d (%s), join %d (%s)", hr.code, hr.stderr, jr.code, jr.stderr)
	}
	if hp["peer"] != selfOf(t, b) || jp["peer"] != selfOf(t, a) {
		t.Fatalf("fingerprints: %v, %v", hp, jp)
	}
	if len(peersOf(t, a)) != 1 || len(peersOf(t, b)) != 1 {
		t.Fatal("a side kept no record")
	}
}
