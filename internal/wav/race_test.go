//go:build race

package wav

// raceEnabled shrinks the long-stream test, which the race detector slows
// tenfold.
const raceEnabled = true
