package pairing

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// negotiatedPair runs Offer then JoinNegotiated on m's joiner end and Choose
// then HostNegotiated on its host end, the code going from host to joiner
// out of band, as [oobPair] does.
func negotiatedPair(t *testing.T, m *mitm, take, give []string) (host, join outcome) {
	t.Helper()
	return oobPair(t, m, take, give)
}

func passThrough(m *mitm, f frame) []frame { return []frame{f} }

func TestNegotiationBound(t *testing.T) {
	take := []string{ChallengeAudio, ChallengeQR, ChallengeCode}
	give := []string{ChallengeAudio, ChallengeCode}
	host, join := negotiatedPair(t, newMITM(passThrough), take, give)
	if host.err != nil || join.err != nil {
		t.Fatalf("untouched negotiation: host %v, joiner %v", host.err, join.err)
	}

	// The attacker takes the microphone out of the offer, so the host
	// falls back to a code shown on its screen.
	stripped := newMITM(func(m *mitm, f frame) []frame {
		if f.t == msgOffer {
			f.p = marshalOffer([]string{ChallengeQR, ChallengeCode})
		}
		return []frame{f}
	})
	host, join = negotiatedPair(t, stripped, take, give)
	bothFail(t, "offer stripped", host, join)
	if !errors.Is(host.err, ErrNegotiation) || !errors.Is(join.err, ErrNegotiation) {
		t.Errorf("offer stripped: host %v, joiner %v; want both ErrNegotiation", host.err, join.err)
	}

	// The attacker changes the host's choice to another offered challenge.
	switched := newMITM(func(m *mitm, f frame) []frame {
		if f.t == msgChallenge {
			f.p = prependLen(nil, []byte(ChallengeCode))
		}
		return []frame{f}
	})
	host, join = negotiatedPair(t, switched, take, give)
	bothFail(t, "choice switched", host, join)
	if !errors.Is(host.err, ErrNegotiation) || !errors.Is(join.err, ErrNegotiation) {
		t.Errorf("choice switched: host %v, joiner %v; want both ErrNegotiation", host.err, join.err)
	}

	// The attacker strips the offer and also rewrites each side's CPace
	// associated data to what the other side expects: the keys then differ.
	hostView := Negotiation{Offered: []string{ChallengeCode}, Chosen: ChallengeCode}
	joinView := Negotiation{Offered: take, Chosen: ChallengeCode}
	covered := newMITM(func(m *mitm, f frame) []frame {
		switch f.t {
		case msgOffer:
			f.p = marshalOffer(hostView.Offered)
		case msgCPaceA:
			a, err := parseCPaceA(f.p)
			if err != nil {
				t.Error(err)
				return nil
			}
			a.ad = cpaceAD(roleJoiner, hostView.binding())
			f.p = a.marshal()
		case msgCPaceB:
			b, err := parseCPaceB(f.p)
			if err != nil {
				t.Error(err)
				return nil
			}
			b.ad = cpaceAD(roleHost, joinView.binding())
			f.p = b.marshal()
		}
		return []frame{f}
	})
	host, join = negotiatedPair(t, covered, take, give)
	bothFail(t, "offer stripped, AD rewritten", host, join)

	// One side negotiated, the other ran the plain handshake (the attacker
	// answered the offer itself).
	code := mustCode(t, "7-mfrggzdfmztwq2lknnwg23tpob")
	for _, hostNegotiates := range []bool{true, false} {
		h := newMITM(passThrough)
		n := Negotiation{Offered: take, Chosen: ChallengeCode}
		var host, join outcome
		var wg sync.WaitGroup
		wg.Add(2)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		go func() {
			defer wg.Done()
			defer h.host.Close()
			if hostNegotiates {
				host.res, host.err = HostNegotiated(ctx, h.host, n, code, testIdentity(t, 1), Info{Name: "host"})
			} else {
				host.res, host.err = Host(ctx, h.host, code, testIdentity(t, 1), Info{Name: "host"})
			}
		}()
		go func() {
			defer wg.Done()
			defer h.join.Close()
			if hostNegotiates {
				join.res, join.err = Join(ctx, h.join, code, testIdentity(t, 2), Info{Name: "joiner"})
			} else {
				join.res, join.err = JoinNegotiated(ctx, h.join, n, code, testIdentity(t, 2), Info{Name: "joiner"})
			}
		}()
		wg.Wait()
		cancel()
		bothFail(t, "one side negotiated", host, join)
		if !errors.Is(host.err, ErrNegotiation) || !errors.Is(join.err, ErrNegotiation) {
			t.Errorf("host negotiated %v: host %v, joiner %v; want both ErrNegotiation", hostNegotiates, host.err, join.err)
		}
	}
}

func TestNegotiationChecked(t *testing.T) {
	code := mustCode(t, "7-guitar-kitten-maple")
	for _, n := range []Negotiation{{}, {Offered: []string{ChallengeCode}}, {Offered: []string{ChallengeCode}, Chosen: ChallengeQR}} {
		ctx := context.Background()
		if _, err := JoinNegotiated(ctx, nil, n, code, testIdentity(t, 2), Info{}); err == nil {
			t.Errorf("JoinNegotiated with %+v: no error", n)
		}
		if _, err := HostNegotiated(ctx, nil, n, code, testIdentity(t, 1), Info{}); err == nil {
			t.Errorf("HostNegotiated with %+v: no error", n)
		}
	}
	a := Negotiation{Offered: []string{ChallengeAudio, ChallengeCode}, Chosen: ChallengeCode}
	for _, b := range []Negotiation{
		{Offered: []string{ChallengeCode, ChallengeAudio}, Chosen: ChallengeCode},
		{Offered: []string{ChallengeAudio, ChallengeCode}, Chosen: ChallengeAudio},
		{Offered: []string{ChallengeAudio, ChallengeCode, ChallengeQR}, Chosen: ChallengeCode},
	} {
		if slices.Equal(a.binding(), b.binding()) {
			t.Errorf("%+v and %+v bind the same", a, b)
		}
	}
}
