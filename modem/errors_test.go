package modem

import (
	"errors"
	"strings"
	"testing"
)

func TestTypedErrors(t *testing.T) {
	_, err := Lookup("loud")
	var up *UnknownProfileError
	if !errors.Is(err, ErrUnknownProfile) || !errors.As(err, &up) || up.Name != "loud" || len(up.Known) != len(allProfiles()) {
		t.Errorf("Lookup(loud) = %v, want an UnknownProfileError", err)
	}
	if !strings.Contains(err.Error(), `modem: unknown profile "loud" (have room, `) {
		t.Errorf("message %q", err)
	}

	for _, rate := range []int{0, 7999, 192001} {
		_, err := NewReceiver(rate)
		var re *RateError
		if !errors.Is(err, ErrUnsupportedRate) || !errors.As(err, &re) || re.Rate != rate || re.NoProfile {
			t.Errorf("NewReceiver(%d) = %v, want a RateError", rate, err)
		}
		if errors.Is(err, ErrPayloadLength) || errors.Is(err, ErrUnknownProfile) {
			t.Errorf("NewReceiver(%d): %v matches another sentinel", rate, err)
		}
	}
	// A profile that cannot work at a rate in range is a bad profile, not a
	// bad rate.
	if _, err := NewReceiver(8000, Ultrasonic); err == nil || errors.Is(err, ErrUnsupportedRate) || !strings.Contains(err.Error(), "Nyquist") {
		t.Errorf("NewReceiver(8000, Ultrasonic) = %v", err)
	}

	for _, p := range []Profile{Room, GGWaveFast, Bell202} {
		e, err := NewEncoder(p, 48000)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{0, e.MaxPayload() + 1} {
			_, err := e.Encode(nil, make([]byte, n))
			var pe *PayloadLengthError
			if !errors.Is(err, ErrPayloadLength) || !errors.As(err, &pe) || pe.Len != n || pe.Max != e.MaxPayload() {
				t.Errorf("%s: Encode of %d bytes = %v, want a PayloadLengthError", p.Name, n, err)
			}
			if _, err := p.Airtime(n); !errors.Is(err, ErrPayloadLength) {
				t.Errorf("%s: Airtime(%d) = %v, want a PayloadLengthError", p.Name, n, err)
			}
		}
		if got, want := e.Airtime(5), must(p.Airtime(5)); got != want {
			t.Errorf("%s: encoder airtime %v, profile airtime %v", p.Name, got, want)
		}
	}
	if _, err := (Profile{Name: "odd", Family: 7}).Airtime(3); err == nil || !strings.Contains(err.Error(), "unknown family 7") {
		t.Errorf("unknown family: %v", err)
	}
	if err := (Profile{Name: "odd", Family: -1}).Validate(48000); err == nil {
		t.Error("family -1 validated")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Every family's receiver lists its profiles, native lanes first, and
// keeps one set of counters.
func TestReceiverFamilies(t *testing.T) {
	r, err := NewReceiver(48000, GGWaveFast, Bell103, Audible, Room)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range r.Profiles() {
		names = append(names, p.Name)
	}
	if got, want := strings.Join(names, ","), "audible,room,bell103,ggwave-fast"; got != want {
		t.Errorf("profiles %s, want %s", got, want)
	}
}
