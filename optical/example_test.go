package optical_test

import (
	"fmt"
	"log"
	"strings"

	"warble/optical"
)

// A token flashed in safe mode, read back from a CSV trace of an ideal
// sensor sampling at 600 Hz, ten samples per refresh.
func Example() {
	levels, err := optical.Safe.Levels(nil, []byte("hello"))
	if err != nil {
		log.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString("t,lux\n")
	for i := range 600 { // 1 s of idle white
		fmt.Fprintf(&csv, "%.5f,1\n", float64(i)/600)
	}
	for i, l := range levels {
		for j := range 10 {
			fmt.Fprintf(&csv, "%.5f,%g\n", 1+float64(10*i+j)/600, l)
		}
	}
	frames, err := optical.DecodeTrace(strings.NewReader(csv.String()), 60)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range frames {
		fmt.Printf("%s %q at %.2f s\n", f.Profile, f.Payload, f.Start.Seconds())
	}
	// Output:
	// safe "hello" at 1.00 s
}
