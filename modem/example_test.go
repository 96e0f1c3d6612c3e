package modem_test

import (
	"fmt"
	"log"
	"time"

	"warble/modem"
)

// Encode a token as sound and hear it back: the receiver takes the samples
// in chunks of any size, and Flush finishes a frame that ends the stream.
func Example() {
	const rate = 48000
	enc, err := modem.NewEncoder(modem.Audible, rate)
	if err != nil {
		log.Fatal(err)
	}
	samples := make([]float32, rate/10) // 100 ms of silence first
	samples, err = enc.Encode(samples, []byte("hello"))
	if err != nil {
		log.Fatal(err)
	}

	rx, err := modem.NewReceiver(rate) // every profile that fits 48 kHz
	if err != nil {
		log.Fatal(err)
	}
	var frames []modem.Frame
	for len(samples) > 0 {
		n := min(4096, len(samples))
		frames = rx.Receive(frames, samples[:n])
		samples = samples[n:]
	}
	frames = rx.Flush(frames)
	for _, f := range frames {
		fmt.Printf("%s %q at %v\n", f.Profile, f.Payload, f.Start.Round(time.Millisecond))
	}
	// Output:
	// audible "hello" at 100ms
}
