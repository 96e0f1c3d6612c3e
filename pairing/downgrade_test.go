package pairing

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// oobPair runs a negotiated pairing through m in which, as in the CLI, the
// host makes its code after the negotiation and sends it out of band (a
// channel the attacker does not reach): a 128-bit code carrying the
// host's view of the negotiation, or a typed code.
func oobPair(t *testing.T, m *mitm, take, give []string) (host, join outcome) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	oob := make(chan Code, 1)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer m.host.Close()
		n, err := Choose(ctx, m.host, give)
		if err != nil {
			close(oob)
			host.err = err
			return
		}
		code := mustCode(t, "7-guitar-kitten-maple")
		if n.Chosen != ChallengeCode {
			if code, err = audioCode(t).WithNegotiation(n); err != nil {
				t.Error(err)
			}
		}
		oob <- code
		host.res, host.err = HostNegotiated(ctx, m.host, n, code, testIdentity(t, 1), Info{Name: "host"})
	}()
	go func() {
		defer wg.Done()
		defer m.join.Close()
		n, err := Offer(ctx, m.join, take)
		if err != nil {
			join.err = err
			return
		}
		code, ok := <-oob
		if !ok {
			join.err = errors.New("no code came")
			return
		}
		join.res, join.err = JoinNegotiated(ctx, m.join, n, code, testIdentity(t, 2), Info{Name: "joiner"})
	}()
	wg.Wait()
	return host, join
}

// audioCode is a 128-bit code in canonical form.
func audioCode(t *testing.T) Code {
	t.Helper()
	c, err := ParseCompact(append([]byte{0, 7}, []byte("0123456789abcdef")...))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// rewriteAD makes each side's CPace associated data what the other side
// expects, so that only the keys can tell the views apart.
func rewriteAD(t *testing.T, hostView, joinView Negotiation, f frame) frame {
	switch f.t {
	case msgCPaceA:
		a, err := parseCPaceA(f.p)
		if err != nil {
			t.Error(err)
			return f
		}
		a.ad = cpaceAD(roleJoiner, hostView.binding())
		f.p = a.marshal()
	case msgCPaceB:
		b, err := parseCPaceB(f.p)
		if err != nil {
			t.Error(err)
			return f
		}
		b.ad = cpaceAD(roleHost, joinView.binding())
		f.p = b.marshal()
	}
	return f
}

// A man in the middle who strips the strong challenge from the offer and
// rewrites both sides' view of the negotiation is caught as a negotiation
// failure, not mistaken for a wrong code: the code that came out of band
// says what the host chose.
func TestDowngradeCaughtOutOfBand(t *testing.T) {
	take := []string{ChallengeAudio, ChallengeQR}
	give := []string{ChallengeAudio, ChallengeQR, ChallengeCode}
	host, join := oobPair(t, newMITM(passThrough), take, give)
	if host.err != nil || join.err != nil {
		t.Fatalf("untouched negotiation: host %v, joiner %v", host.err, join.err)
	}

	// Audio stripped: the host, seeing only QR, chooses it.
	hostView := Negotiation{Offered: []string{ChallengeQR}, Chosen: ChallengeQR}
	joinView := Negotiation{Offered: take, Chosen: ChallengeQR}
	stripped := newMITM(func(m *mitm, f frame) []frame {
		if f.t == msgOffer {
			f.p = marshalOffer(hostView.Offered)
		}
		return []frame{rewriteAD(t, hostView, joinView, f)}
	})
	host, join = oobPair(t, stripped, take, give)
	bothFail(t, "offer stripped, AD rewritten", host, join)
	if !errors.Is(join.err, ErrNegotiation) || errors.Is(join.err, ErrWrongCode) {
		t.Errorf("offer stripped: joiner %v, want ErrNegotiation", join.err)
	}
	if !errors.Is(host.err, ErrNegotiation) {
		t.Errorf("offer stripped: host %v, want ErrNegotiation", host.err)
	}

	// Offer replaced by a typed code, choice rewritten back to audio: the
	// host shows a typed code, which carries no negotiation, while the
	// joiner waits for a 128-bit one.
	hostView = Negotiation{Offered: []string{ChallengeCode}, Chosen: ChallengeCode}
	joinView = Negotiation{Offered: take, Chosen: ChallengeAudio}
	downgraded := newMITM(func(m *mitm, f frame) []frame {
		switch f.t {
		case msgOffer:
			f.p = marshalOffer(hostView.Offered)
		case msgChallenge:
			f.p = prependLen(nil, []byte(ChallengeAudio))
		}
		return []frame{rewriteAD(t, hostView, joinView, f)}
	})
	host, join = oobPair(t, downgraded, take, give)
	bothFail(t, "downgraded to a typed code", host, join)
	if !errors.Is(join.err, ErrNegotiation) || errors.Is(join.err, ErrWrongCode) {
		t.Errorf("downgraded: joiner %v, want ErrNegotiation", join.err)
	}
}

func TestCodeCarriesNegotiation(t *testing.T) {
	n := Negotiation{Offered: []string{ChallengeAudio, ChallengeQR}, Chosen: ChallengeAudio}
	code := audioCode(t)
	c, err := code.WithNegotiation(n)
	if err != nil {
		t.Fatal(err)
	}
	if c.String() != code.String() {
		t.Fatalf("the text form changed: %q", c)
	}
	back, err := ParseCompact(c.Compact())
	if err != nil || back != c {
		t.Fatalf("compact round trip: %v, %v", back, err)
	}
	u, err := ParseURI(URI{Code: c, Via: ViaLAN}.String())
	if err != nil || u.Code != c {
		t.Fatalf("URI round trip: %+v, %v (%s)", u, err, URI{Code: c, Via: ViaLAN})
	}
	if err := n.checkCarried(c); err != nil {
		t.Fatalf("own negotiation: %v", err)
	}
	other := Negotiation{Offered: []string{ChallengeQR}, Chosen: ChallengeAudio}
	if err := other.checkCarried(c); !errors.Is(err, ErrNegotiation) {
		t.Fatalf("another offer: %v, want ErrNegotiation", err)
	}
	if err := n.checkCarried(code); !errors.Is(err, ErrNegotiation) {
		t.Fatalf("a code that carries none: %v, want ErrNegotiation", err)
	}
	if _, err := mustCode(t, "7-guitar-kitten-maple").WithNegotiation(n); err == nil {
		t.Fatal("a typed code took a negotiation it cannot carry")
	}
	if _, err := code.WithNegotiation(Negotiation{Offered: []string{ChallengeCode}, Chosen: ChallengeCode}); err == nil {
		t.Fatal("a negotiation that chose a typed code was carried by a 128-bit one")
	}
}
