//go:build race

package modem

// raceEnabled shrinks the slowest tests, which the race detector slows
// tenfold.
const raceEnabled = true
