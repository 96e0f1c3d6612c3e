package modem

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestRSGeneratorRoots(t *testing.T) {
	for nsym := 1; nsym <= 8; nsym++ {
		g := rsGenerator(nsym)
		for j := 0; j < nsym; j++ {
			var v byte
			for _, c := range g {
				v = gfMul(v, gfPow(j)) ^ c
			}
			if v != 0 {
				t.Fatalf("nsym %d: g(α^%d) = %d", nsym, j, v)
			}
		}
	}
}

func TestRSCorrectsErrorsAndErasures(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var d rsDecoder
	for trial := 0; trial < 3000; trial++ {
		k := 1 + rng.IntN(60)
		nsym := 2 + rng.IntN(24)
		msg := randPayload(rng, k)
		cw := rsEncode(nil, msg, nsym)
		n := len(cw)
		s := rng.IntN(nsym + 1)
		e := rng.IntN((nsym-s)/2 + 1)
		if s+e > n {
			continue
		}
		perm := rng.Perm(n)
		bad := append([]byte(nil), cw...)
		erase := perm[:s]
		for _, p := range erase {
			bad[p] ^= byte(rng.IntN(256))
		}
		for _, p := range perm[s : s+e] {
			bad[p] ^= byte(1 + rng.IntN(255))
		}
		if _, err := d.decode(bad, nsym, erase, 0); err != nil {
			t.Fatalf("trial %d: k %d nsym %d s %d e %d: %v", trial, k, nsym, s, e, err)
		}
		if !bytes.Equal(bad, cw) {
			t.Fatalf("trial %d: miscorrected", trial)
		}
	}
}

func TestRSRejectsTooManyErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var d rsDecoder
	wrong := 0
	for trial := 0; trial < 500; trial++ {
		msg := randPayload(rng, 16)
		cw := rsEncode(nil, msg, 6)
		bad := append([]byte(nil), cw...)
		for _, p := range rng.Perm(len(cw))[:6] {
			bad[p] ^= byte(1 + rng.IntN(255))
		}
		keep := append([]byte(nil), bad...)
		if _, err := d.decode(bad, 6, nil, 0); err == nil {
			wrong++
		} else if !bytes.Equal(bad, keep) {
			t.Fatal("failed decode changed its input")
		}
	}
	if wrong > 5 {
		t.Fatalf("%d of 500 blocks with 6 errors decoded", wrong)
	}
}

// FuzzRSDecode feeds arbitrary blocks and erasures to the decoder: it must
// never panic, and whatever it accepts must be a codeword.
func FuzzRSDecode(f *testing.F) {
	f.Add([]byte("hello ggwave, hello warble"), uint8(6), []byte{1, 5})
	f.Add([]byte{1, 3, 2}, uint8(2), []byte{})
	f.Fuzz(func(t *testing.T, block []byte, nsym uint8, erase []byte) {
		var d rsDecoder
		pos := make([]int, len(erase))
		for i, e := range erase {
			pos[i] = int(e)
		}
		cw := append([]byte(nil), block...)
		if _, err := d.decode(cw, int(nsym), pos, 0); err != nil {
			if !bytes.Equal(cw, block) {
				t.Fatal("failed decode changed its input")
			}
			return
		}
		want := rsEncode(nil, cw[:len(cw)-int(nsym)], int(nsym))
		if !bytes.Equal(cw, want) {
			t.Fatalf("accepted %x, which is not a codeword (%x)", cw, want)
		}
	})
}
