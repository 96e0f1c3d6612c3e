//go:build cgo

package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSendListenTyped sends a Matter code and a text split over three
// frames through the PulseAudio loop; listen prints each by its fields.
func TestSendListenTyped(t *testing.T) {
	needLoop(t)
	text := strings.Repeat("sound carries standard payloads. ", 9)
	l := startListen(t, "-profile", "fast", "-timeout", "60s", "-count", "4", "-json")
	send(t, "-profile", "fast", "-type", "matter", "MT:-24J0AFN00KA0648G00")
	send(t, "-profile", "fast", "-type", "ndef-text", text)
	r := l.wait(t)
	r.want(t, 0, l.args...)
	var got []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var j map[string]any
		if err := json.Unmarshal([]byte(line), &j); err != nil {
			t.Fatalf("listen -json line %q: %v", line, err)
		}
		if p, ok := j["payload"].(map[string]any); ok {
			got = append(got, p)
		}
	}
	if len(got) != 2 || got[0]["type"] != "matter" || got[0]["passcode"] != float64(20202021) || got[0]["vendor_id"] != float64(0xfff1) {
		t.Fatalf("listen printed payloads %v", got)
	}
	recs, _ := got[1]["records"].([]any)
	if got[1]["type"] != "ndef-text" || len(recs) != 1 || recs[0].(map[string]any)["text"] != text {
		t.Fatalf("split text came out as %v", got[1])
	}
}
