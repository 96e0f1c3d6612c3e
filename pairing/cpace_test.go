package pairing

import (
	"bufio"
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gtank/ristretto255"
)

// readVectors reads a key: value file; keys ending in -text are text, the
// rest hex. Lines starting with # are comments.
func readVectors(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v := map[string][]byte{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	provenance := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "# provenance:") {
			provenance = true
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("%s: bad line %q", path, line)
		}
		if name, isText := strings.CutSuffix(key, "-text"); isText {
			v[name] = []byte(val)
			continue
		}
		b, err := hex.DecodeString(val)
		if err != nil {
			t.Fatalf("%s: %s: %v", path, key, err)
		}
		v[key] = b
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if !provenance {
		t.Fatalf("%s has no provenance line", path)
	}
	return v
}

func scalar(t *testing.T, b []byte) *ristretto255.Scalar {
	t.Helper()
	s := ristretto255.NewScalar()
	if err := s.Decode(b); err != nil {
		t.Fatalf("scalar %x: %v", b, err)
	}
	return s
}

func TestCPaceVectors(t *testing.T) {
	v := readVectors(t, "testdata/cpace-ristretto255.txt")
	need := func(k string) []byte {
		b, ok := v[k]
		if !ok {
			t.Fatalf("vector %q missing", k)
		}
		return b
	}
	check := func(name string, got, want []byte) {
		t.Helper()
		if !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %x\nwant %x", name, got, want)
		}
	}
	prs, dsi, ci, sid := need("PRS"), need("DSI"), need("CI"), need("sid")
	if string(dsi) != cpaceDSI {
		t.Fatalf("DSI %q, want %q", dsi, cpaceDSI)
	}
	gs := generatorString(dsi, prs, ci, sid, cpaceSInBytes)
	zpad := cpaceSInBytes - len(prependLen(nil, prs)) - len(prependLen(nil, dsi)) - 1
	if got := fmt.Sprint(zpad); got != string(need("ZPAD-length")) {
		t.Errorf("ZPAD length %s, want %s", got, need("ZPAD-length"))
	}
	check("generator_string", gs, need("generator_string"))
	h := sha512.Sum512(gs)
	check("hash", h[:], need("hash"))
	g := cpaceGenerator(prs, ci, sid)
	check("g", g.Encode(nil), need("g"))

	ya, yb := scalar(t, need("ya")), scalar(t, need("yb"))
	Ya := ristretto255.NewElement().ScalarMult(ya, g).Encode(nil)
	Yb := ristretto255.NewElement().ScalarMult(yb, g).Encode(nil)
	check("Ya", Ya, need("Ya"))
	check("Yb", Yb, need("Yb"))
	ka, err := cpaceScalarMultVfy(ya, Yb)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := cpaceScalarMultVfy(yb, Ya)
	if err != nil {
		t.Fatal(err)
	}
	check("K (A)", ka, need("K"))
	check("K (B)", kb, need("K"))
	check("transcript_ir", transcriptIR(Ya, need("ADa"), Yb, need("ADb")), need("transcript_ir"))
	isk := cpaceISK(sid, ka, Ya, need("ADa"), Yb, need("ADb"))
	check("ISK_IR", isk[:], need("ISK_IR"))

	sx, err := cpaceScalarMultVfy(scalar(t, need("valid-s")), need("valid-X"))
	if err != nil {
		t.Fatal(err)
	}
	check("scalar_mult_vfy(s, X)", sx, need("valid-sX"))
	for _, k := range []string{"invalid-Y1", "invalid-Y2"} {
		if _, err := cpaceScalarMultVfy(scalar(t, need("valid-s")), need(k)); err == nil {
			t.Errorf("scalar_mult_vfy(s, %s) did not abort", k)
		}
	}
}

func TestPrependLen(t *testing.T) {
	// prepend_len is LEB128: 127 fits one byte, 128 takes two.
	for _, c := range []struct {
		n    int
		want string
	}{{0, "00"}, {1, "01"}, {127, "7f"}, {128, "8001"}, {300, "ac02"}} {
		got := prependLen(nil, make([]byte, c.n))
		if hex.EncodeToString(got[:len(got)-c.n]) != c.want {
			t.Errorf("prepend_len of %d bytes: %x, want %s", c.n, got[:len(got)-c.n], c.want)
		}
	}
}
