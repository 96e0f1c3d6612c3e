//go:build !race

package modem

const raceEnabled = false
