package modem

import (
	"bytes"
	"testing"

	"warble/internal/peers"
)

func needMinimodem(t *testing.T) {
	t.Helper()
	if err := peers.MinimodemAvailable(); err != nil {
		t.Skip(err)
	}
}

func bellBaud(p Profile) int { return int(p.Bell.Baud) }

// TestBellFromPeer decodes minimodem's transmissions at 48 kHz, its default
// rate (0) and 44.1 kHz.
func TestBellFromPeer(t *testing.T) {
	needMinimodem(t)
	ctx := peerContext(t)
	payload := []byte("hello warble, from minimodem\n")
	for _, p := range BellProfiles() {
		for _, rate := range []int{0, 48000, 44100} {
			x, err := peers.MinimodemEncode(ctx, bellBaud(p), payload, rate)
			if err != nil {
				t.Fatal(err)
			}
			if rate == 0 {
				rate = peers.MinimodemDefaultRate
			}
			x = append(append(make([]float32, rate/4), x...), make([]float32, rate/4)...)
			fr := decodeAll(t, rate, x, 1000, p)
			if len(fr) != 1 || !bytes.Equal(fr[0].Payload, payload) || !fr[0].Unverified || fr[0].Profile != p.Name {
				t.Errorf("%s at %d Hz: got %s", p.Name, rate, describe(fr))
			}
		}
	}
}

// TestBellToPeer has minimodem decode warble's transmissions.
func TestBellToPeer(t *testing.T) {
	needMinimodem(t)
	ctx := peerContext(t)
	payload := []byte("hello minimodem, from warble\n")
	for _, p := range BellProfiles() {
		for _, rate := range []int{48000, 44100} {
			x := transmit(t, p, rate, payload, rate/4, rate/4)
			got, err := peers.MinimodemDecode(ctx, bellBaud(p), x, rate)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, payload) {
				t.Errorf("%s at %d Hz: minimodem got %q", p.Name, rate, got)
			}
		}
	}
}
