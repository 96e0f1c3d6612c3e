package pairing

import (
	"errors"
	"strings"
	"testing"
)

func TestURIRoundTrip(t *testing.T) {
	audio, err := NewAudioCode()
	if err != nil {
		t.Fatal(err)
	}
	typed, err := NewCode()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []URI{
		{Code: audio, Via: ViaLAN},
		{Code: typed, Via: "ws://127.0.0.1:4000"},
		{Code: audio, Via: "wss://relay.example.org/warble"},
		{Code: audio, Via: "ws://[::1]:80/a/b"},
	} {
		s := u.String()
		got, err := ParseURI(s)
		if err != nil {
			t.Errorf("ParseURI(%q): %v", s, err)
			continue
		}
		if got.Code.String() != u.Code.String() || got.Via != u.Via {
			t.Errorf("ParseURI(%q) = %+v, want %+v", s, got, u)
		}
	}
}

func TestURIExample(t *testing.T) {
	u, err := ParseURI("warble:pair?via=ws%3A%2F%2Frelay.example%3A4000&code=7-mfrggzdfmztwq2lknnwg23tpob")
	if err != nil || u.Code.String() != "7-mfrggzdfmztwq2lknnwg23tpob" || u.Via != "ws://relay.example:4000" {
		t.Fatalf("%+v, %v", u, err)
	}
	if s := (URI{Code: u.Code, Via: ViaLAN}).String(); s != "warble:pair?code=7-mfrggzdfmztwq2lknnwg23tpob&via=lan" {
		t.Errorf("String = %q", s)
	}
}

func TestURIRejects(t *testing.T) {
	const c = "7-mfrggzdfmztwq2lknnwg23tpob"
	for _, s := range []string{
		"",
		"7-mfrggzdfmztwq2lknnwg23tpob",
		"https://example.org/?code=" + c + "&via=lan",
		"warble:pair",
		"warble:pair?",
		"WARBLE:pair?code=" + c + "&via=lan",
		"warble://pair?code=" + c + "&via=lan",
		"warble:unpair?code=" + c + "&via=lan",
		"warble:pair?code=" + c,
		"warble:pair?via=lan",
		"warble:pair?code=" + c + "&via=lan&x=1",
		"warble:pair?code=" + c + "&code=" + c + "&via=lan",
		"warble:pair?code=" + c + "&via=lan&via=lan",
		"warble:pair?code=" + c + "&via",
		"warble:pair?code=" + c + "&via=lan&",
		"warble:pair?code=" + c + "&via=lan#frag",
		"warble:pair?code=7-Mfrggzdfmztwq2lknnwg23tpob&via=lan",
		"warble:pair?code=7%2Dmfrggzdfmztwq2lknnwg23tpob&via=lan",
		"warble:pair?code=7 mfrggzdfmztwq2lknnwg23tpob&via=lan",
		"warble:pair?code=0-abc&via=lan",
		"warble:pair?code=" + c + "&via=LAN",
		"warble:pair?code=" + c + "&via=http%3A%2F%2Fx",
		"warble:pair?code=" + c + "&via=ws%3A%2F%2F",
		"warble:pair?code=" + c + "&via=ws%3A%2F%2Fu%40x",
		"warble:pair?code=" + c + "&via=ws%3A%2F%2Fx%3Fq%3D1",
		"warble:pair?code=" + c + "&via=ws%3A%2F%2Fx%23f",
		"warble:pair?code=" + c + "&via=%zz",
		"warble:pair?code=" + c + "&via=ws%3A%2F%2F" + strings.Repeat("x", MaxURILen),
	} {
		if u, err := ParseURI(s); !errors.Is(err, ErrBadURI) {
			t.Errorf("ParseURI(%q) = %+v, %v; want ErrBadURI", s, u, err)
		}
	}
}

func FuzzParseURI(f *testing.F) {
	f.Add("warble:pair?code=7-mfrggzdfmztwq2lknnwg23tpob&via=lan")
	f.Add("warble:pair?code=7-guitar-kitten-maple&via=ws%3A%2F%2F127.0.0.1%3A4000")
	f.Add("warble:pair?via=wss%3A%2F%2Fa%2Fb&code=1-x")
	f.Add("warble:pair?code=7-mfrggzdfmztwq2lknnwg23tpoa&via=lan&neg=qr.1a2b3c4d")
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURI(s)
		if err != nil {
			if !errors.Is(err, ErrBadURI) {
				t.Fatalf("ParseURI(%q): error %v does not match ErrBadURI", s, err)
			}
			return
		}
		again, err := ParseURI(u.String())
		if err != nil || again.Code != u.Code || again.Via != u.Via {
			t.Fatalf("ParseURI(%q) = %+v, which does not round-trip: %+v, %v", s, u, again, err)
		}
	})
}
