package modem

import (
	"bytes"
	"context"
	"testing"
	"time"

	"warble/internal/peers"
)

func needGGWave(t *testing.T) {
	t.Helper()
	if err := peers.GGWaveAvailable(); err != nil {
		t.Skip(err)
	}
}

func peerContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// ggPeerName returns the ggwave-cli protocol name of a ggwave profile.
func ggPeerName(p Profile) string { return p.Name[len("ggwave-"):] }

// TestGGWaveFromPeer decodes ggwave's own transmissions of every protocol.
func TestGGWaveFromPeer(t *testing.T) {
	needGGWave(t)
	ctx := peerContext(t)
	payload := []byte("hello warble")
	for _, rate := range []int{48000, 44100} {
		for _, p := range GGWaveProfiles() {
			x, err := peers.GGWaveEncode(ctx, ggPeerName(p), payload, rate)
			if err != nil {
				t.Fatal(err)
			}
			x = append(append(make([]float32, rate/3), x...), make([]float32, rate/5)...)
			fr := decodeAll(t, rate, x, 4096)
			if len(fr) != 1 || !bytes.Equal(fr[0].Payload, payload) || fr[0].Profile != p.Name {
				t.Errorf("%s at %d Hz: got %s", p.Name, rate, describe(fr))
			}
		}
	}
}

// TestGGWaveToPeer has ggwave decode warble's transmissions, fed to it as
// a live capture would be.
func TestGGWaveToPeer(t *testing.T) {
	needGGWave(t)
	ctx := peerContext(t)
	payload := []byte("hello ggwave")
	for _, rate := range []int{48000, 44100} {
		var recs [][]float32
		for _, p := range GGWaveProfiles() {
			recs = append(recs, transmit(t, p, rate, payload, rate/3, rate/5))
		}
		got, err := peers.GGWaveDecodeMany(ctx, recs, rate)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range GGWaveProfiles() {
			if len(got[i]) != 1 || !bytes.Equal(got[i][0], payload) {
				t.Errorf("%s at %d Hz: ggwave got %q", p.Name, rate, got[i])
			}
		}
	}
}
