package codec_test

import (
	"fmt"
	"log"

	"warble/codec"
)

// A 16-FSK round trip over a perfect channel: the detector's tone
// log-likelihoods become bit LLRs, the header gives the length, and the frame
// decodes.
func Example() {
	c, err := codec.New(codec.Config{BitsPerSymbol: 4, Rate: codec.Rate12})
	if err != nil {
		log.Fatal(err)
	}
	syms, err := c.Encode(nil, []byte("warble"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("symbols:", len(syms), "header symbols:", c.HeaderSymbols())

	// A detector would measure these; here the sent tone is 20 nats likelier.
	var llr []float32
	loglik := make([]float32, 16)
	for _, s := range syms {
		clear(loglik)
		loglik[s] = 20
		llr = codec.SymbolLLRs(llr, loglik, 4)
	}

	d := c.NewDecoder()
	n, err := d.DecodeHeader(llr[:c.HeaderSymbols()*4])
	if err != nil {
		log.Fatal(err)
	}
	payload, err := d.Decode(nil, llr[:c.Symbols(n)*4], n)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d bytes: %s\n", n, payload)
	// Output:
	// symbols: 51 header symbols: 28
	// 6 bytes: warble
}
