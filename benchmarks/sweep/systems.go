package main

import (
	"warble/benchmarks/internal/bench"
	"warble/internal/channel"
)

// The systems, their decoders' results and the sample rate are shared with
// benchmarks/rooms, in benchmarks/internal/bench.
type (
	system = bench.System
	heard  = bench.Heard
)

const rate = bench.Rate

// activeSpan is where a transmission's energy is: from the first to the
// last sample within 40 dB of its peak.
func activeSpan(x []float32) channel.Span { return channel.ActiveSpan(x, -40) }
