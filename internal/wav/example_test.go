package wav_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"warble/internal/wav"
)

func Example() {
	var file bytes.Buffer
	if err := wav.Encode(&file, []float32{0, 0.5, -0.25, 1}, 8000); err != nil {
		panic(err)
	}
	samples, rate, err := wav.ReadAll(&file)
	fmt.Println(rate, samples, err)
	// Output: 8000 [0 0.5 -0.25 0.9999695] <nil>
}

func ExampleReader() {
	var file bytes.Buffer
	stereo := [][]float32{{0.5, 0.5, 0.5}, {0, -0.5, -1}}
	if err := wav.EncodeFormat(&file, stereo, 44100, wav.Format{Bits: 24}); err != nil {
		panic(err)
	}
	r, err := wav.NewReader(&file)
	if err != nil {
		panic(err)
	}
	fmt.Println(r.SampleRate(), r.Channels(), r.BitsPerSample(), r.Frames())
	buf := make([]float32, 2)
	for {
		n, err := r.Read(buf)
		fmt.Println(buf[:n])
		if err == io.EOF {
			break
		}
	}
	// Output:
	// 44100 2 24 3
	// [0.25 0]
	// [-0.25]
	// []
}

func ExampleTruncatedError() {
	var file bytes.Buffer
	if err := wav.Encode(&file, make([]float32, 100), 48000); err != nil {
		panic(err)
	}
	cut := file.Bytes()[:file.Len()-51]
	samples, _, err := wav.ReadAll(bytes.NewReader(cut))
	fmt.Println(len(samples))
	fmt.Println(err)
	var te *wav.TruncatedError
	fmt.Println(errors.Is(err, wav.ErrTruncated), errors.As(err, &te) && te.Offset == int64(len(cut)))
	// Output:
	// 74
	// wav: truncated data chunk at byte offset 193 (declared 200 bytes, found 149)
	// true true
}
