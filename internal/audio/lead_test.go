package audio

import (
	"testing"
	"time"
)

// leadEnd feeds a leadWatch the consumption consumed(t) every 2 ms from t0
// and returns when it lets the lead end.
func leadEnd(consumed func(t time.Duration) int64) time.Duration {
	w := leadWatch{rate: 48000}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for t := time.Duration(0); ; t += 2 * time.Millisecond {
		if w.done(t0.Add(t), consumed(t)) {
			return t
		}
	}
}

// chunked is real-time consumption from start on, in chunks of 4096
// samples, as the ALSA pulse plugin takes it.
func chunked(start time.Duration) func(time.Duration) int64 {
	return func(t time.Duration) int64 {
		if t < start {
			return 0
		}
		n := int64((t - start).Seconds() * 48000)
		return n / 4096 * 4096
	}
}

func TestAdaptiveLead(t *testing.T) {
	// A sound card takes its buffer at once and then in real time: the
	// lead ends soon after.
	if got := leadEnd(chunked(10 * time.Millisecond)); got < leadSteady || got > leadSteady+150*time.Millisecond {
		t.Errorf("sound card: lead ends at %v", got)
	}
	// A rewinding null sink takes 1.5 s of stream in 100 ms, then real
	// time: the lead lasts until the burst is well over.
	burst := func(t time.Duration) int64 {
		switch {
		case t < 300*time.Millisecond:
			return 0
		case t < 400*time.Millisecond:
			return int64((t - 300*time.Millisecond).Seconds() * 15 * 48000)
		}
		return 72000 + chunked(400*time.Millisecond)(t)
	}
	if got := leadEnd(burst); got < 500*time.Millisecond || got > time.Second {
		t.Errorf("rewinding sink: lead ends at %v", got)
	}
	// An output that never takes anything is given up on.
	if got := leadEnd(func(time.Duration) int64 { return 0 }); got != leadMax {
		t.Errorf("stalled output: lead ends at %v, want %v", got, leadMax)
	}
	// Nor does a stall after the first buffer count as real time.
	stall := func(t time.Duration) int64 { return min(chunked(0)(t), 8192) }
	if got := leadEnd(stall); got != leadMax {
		t.Errorf("stall: lead ends at %v, want %v", got, leadMax)
	}
}
