package pairing

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
)

var codeForm = regexp.MustCompile(`^[1-9][0-9]{0,3}(-[a-z0-9]+)+$`)

func TestNewCode(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c, err := NewCode()
		if err != nil {
			t.Fatal(err)
		}
		s := c.String()
		if !codeForm.MatchString(s) || strings.Count(s, "-") != TypedWords || c.Typo() || c.Audio() {
			t.Fatalf("NewCode gave %q", s)
		}
		p, err := ParseCode(s)
		if err != nil || p != c {
			t.Fatalf("ParseCode(%q) = %v, %v", s, p, err)
		}
		if !strings.HasPrefix(s, c.Nameplate()+"-") {
			t.Fatalf("%q does not start with its nameplate %q", s, c.Nameplate())
		}
		seen[s] = true
	}
	if len(seen) < 190 {
		t.Errorf("200 codes, only %d distinct", len(seen))
	}
}

func TestNewAudioCode(t *testing.T) {
	c, err := NewAudioCode()
	if err != nil {
		t.Fatal(err)
	}
	s := c.String()
	if !codeForm.MatchString(s) || !c.Audio() || c.Typo() {
		t.Fatalf("NewAudioCode gave %q", s)
	}
	b, err := audioEncoding.DecodeString(c.secret)
	if err != nil || len(b)*8 != AudioBits {
		t.Fatalf("audio secret %q: %d bytes, %v", c.secret, len(b), err)
	}
	if p, err := ParseCode(strings.ToUpper(s)); err != nil || p != c {
		t.Fatalf("ParseCode(%q) = %v, %v", s, p, err)
	}
}

func TestParseCode(t *testing.T) {
	good := map[string]string{
		"7-guitar-kitten-maple":    "7-guitar-kitten-maple",
		" 7 guitar kitten maple\n": "7-guitar-kitten-maple",
		"7_Guitar_Kitten_Maple":    "7-guitar-kitten-maple",
		"9999-a":                   "9999-a",
		"12-guitar-kitten-mapel":   "12-guitar-kitten-mapel",
	}
	for in, want := range good {
		c, err := ParseCode(in)
		if err != nil || c.String() != want {
			t.Errorf("ParseCode(%q) = %q, %v; want %q", in, c, err, want)
		}
	}
	if c, _ := ParseCode("12-guitar-kitten-mapel"); !c.Typo() {
		t.Error("a misspelt word is not reported as a typo")
	}
	bad := []string{"", "7", "guitar-kitten", "0-a", "07-a", "10000-a", "7--a", "7-a-", "7-gu!tar", "7-kätzchen", "-7-a", strings.Repeat("7-a", 50)}
	for _, in := range bad {
		if c, err := ParseCode(in); err == nil || !errors.Is(err, ErrBadCode) {
			t.Errorf("ParseCode(%q) = %q, %v; want ErrBadCode", in, c, err)
		}
	}
	var zero Code
	if !zero.IsZero() || zero.String() != "" {
		t.Error("zero code")
	}
}

func TestCompact(t *testing.T) {
	for range 20 {
		c, err := NewAudioCode()
		if err != nil {
			t.Fatal(err)
		}
		b := c.Compact()
		if len(b) != CompactLen {
			t.Fatalf("%s: compact form is %d bytes", c, len(b))
		}
		again, err := ParseCompact(b)
		if err != nil || again != c {
			t.Fatalf("%s: compact form reads back as %s, %v", c, again, err)
		}
	}
	typed, _ := NewCode()
	if b := mustCode(t, "7-mfrggzdfmztwq2lknnwg23tpoa").Compact(); string(b) != "\x00\x07abcdefghijklmnop" {
		t.Errorf("compact form %q", b)
	}
	// The last letter of a canonical secret leaves its low 2 bits zero.
	for _, c := range []Code{typed, {}, mustCode(t, "7-mfrggzdfmztwq2lknnwg23tpob"), mustCode(t, "7-mfrggzdfmztwq2lknnwg23tpo7")} {
		b := c.Compact()
		if b != nil {
			t.Errorf("%q has a compact form %x; only canonical audio codes do", c, b)
		}
	}
	for _, b := range [][]byte{nil, make([]byte, CompactLen), append([]byte{0x27, 0x10}, make([]byte, 16)...), make([]byte, CompactLen+1)} {
		if c, err := ParseCompact(b); !errors.Is(err, ErrBadCode) {
			t.Errorf("ParseCompact(%x) = %s, %v; want ErrBadCode", b, c, err)
		}
	}
}

func FuzzParseCompact(f *testing.F) {
	f.Add(append([]byte{0, 7}, make([]byte, 16)...))
	f.Add(append(append([]byte{0, 7}, make([]byte, 16)...), 2, 0xde, 0xad, 0xbe, 0xef)) // with a negotiation
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCompact(b)
		if err != nil {
			return
		}
		if !c.Audio() || !bytes.Equal(c.Compact(), b) {
			t.Fatalf("ParseCompact(%x) = %s, whose compact form is %x", b, c, c.Compact())
		}
		// The text form carries the code, not the negotiation.
		if again, err := ParseCode(c.String()); err != nil || again.String() != c.String() || again.neg != "" {
			t.Fatalf("ParseCompact(%x) = %s, which reparses as %s, %v", b, c, again, err)
		}
	})
}
