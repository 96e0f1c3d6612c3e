//go:build race

package codec

// raceEnabled trims long single-goroutine loops, where the race detector
// only adds time.
const raceEnabled = true
