package main

import (
	"testing"
)

// TestGGWaveProfilesCLI encodes with -profile ggwave-… and finds each with
// -profile auto, reporting the protocol.
func TestGGWaveProfilesCLI(t *testing.T) {
	for _, c := range []struct{ profile, rate string }{
		{"ggwave-fastest", "48000"},
		{"ggwave-u-normal", "44100"},
		{"ggwave-dt-fast", "16000"},
	} {
		path := encodeFile(t, nil, "-profile", c.profile, "-rate", c.rate, "hi ggwave")
		frames, r := decodeJSON(t, nil, path)
		r.want(t, 0, "decode", path)
		if len(frames) != 1 || frames[0]["profile"] != c.profile || frames[0]["text"] != "hi ggwave" {
			t.Errorf("%s at %s Hz: got %v", c.profile, c.rate, frames)
		}
		if _, ok := frames[0]["unverified"]; ok {
			t.Errorf("%s: ggwave frame marked unverified", c.profile)
		}
	}
}

// TestBellCLI encodes bell202 and decodes it only when asked for by name,
// with "unverified": true in the JSON.
func TestBellCLI(t *testing.T) {
	for _, p := range []string{"bell103", "bell202"} {
		path := encodeFile(t, nil, "-profile", p, "hello bell")
		frames, r := decodeJSON(t, nil, "-profile", p, path)
		r.want(t, 0, "decode", "-profile", p, path)
		if len(frames) != 1 || frames[0]["profile"] != p || frames[0]["text"] != "hello bell" || frames[0]["unverified"] != true {
			t.Errorf("%s: got %v", p, frames)
		}
		_, r = decodeJSON(t, nil, path)
		r.want(t, 1, "decode", path)
	}
}

func TestPeerProfilesBadInput(t *testing.T) {
	long := make([]byte, 141)
	for i := range long {
		long[i] = 'a'
	}
	r := warble(t, nil, "encode", "-profile", "ggwave-fast", string(long))
	r.want(t, 2, "encode", "-profile", "ggwave-fast", "(141 bytes)")
	r = warble(t, nil, "encode", "-profile", "ggwave-u-fast", "-rate", "16000", "x")
	r.want(t, 2, "encode", "-profile", "ggwave-u-fast", "-rate", "16000", "x")
	r = warble(t, nil, "encode", "-profile", "bell9600", "x")
	r.want(t, 2, "encode", "-profile", "bell9600", "x")
}
