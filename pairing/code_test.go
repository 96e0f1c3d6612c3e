package pairing

import (
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
