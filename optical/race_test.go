//go:build race

package optical

// raceEnabled trims the round-trip sweeps, single-goroutine loops where the
// race detector only adds time.
const raceEnabled = true
