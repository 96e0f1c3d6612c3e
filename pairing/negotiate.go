package pairing

import (
	"context"
	"crypto/sha512"
	"errors"
	"fmt"
	"io"
	"slices"
)

// ErrNoChallenge is matched when host and joiner share no out-of-band
// challenge.
var ErrNoChallenge = errors.New("pairing: no out-of-band challenge both sides can use")

// ErrNegotiation is matched when the two sides of a handshake saw different
// challenge negotiations: someone between them changed the offer or the
// choice (to steer the code onto a channel they can read, say).
var ErrNegotiation = errors.New("pairing: the two sides saw different challenge negotiations (tampered with on the way)")

// Negotiation is what [Offer] and [Choose] agreed on. [JoinNegotiated] and
// [HostNegotiated] bind it into the handshake, so a pairing completes only
// if both sides saw the same offer and the same choice.
type Negotiation struct {
	Offered []string // the joiner's offer, in its order of preference
	Chosen  string   // the challenge the host chose: one of Offered
}

// IsZero reports whether n is the zero Negotiation, which binds nothing.
func (n Negotiation) IsZero() bool { return n.Chosen == "" && len(n.Offered) == 0 }

// binding is the digest of n that goes into both sides' CPace associated
// data: SHA-512 of the offer as it travelled and the chosen challenge.
func (n Negotiation) binding() []byte {
	h := sha512.Sum512(lvCat([]byte("warble pairing negotiation"), []byte{ProtocolVersion}, marshalOffer(n.Offered), []byte(n.Chosen)))
	return h[:]
}

// negTagLen is the length of the negotiation tag a code carries out of
// band: enough that a changed negotiation is told from a wrong code. The
// full binding still goes into the handshake, so a forger of a matching
// tag gains nothing but a different error message.
const negTagLen = 4

// tag is what a code carries out of band of n: the start of its binding.
func (n Negotiation) tag() []byte { return n.binding()[:negTagLen] }

// checkCarried compares n, the joiner's view, with the host's view that
// code carried out of band. A code for a challenge nobody types must carry
// the same choice and tag; a typed code carries nothing and is checked by
// the handshake alone.
func (n Negotiation) checkCarried(code Code) error {
	if code.neg == "" {
		if n.Chosen == ChallengeCode {
			return nil
		}
		return fmt.Errorf("%w: this side saw the host choose %q, but the code that came by it does not say so (the host was told of another offer)", ErrNegotiation, n.Chosen)
	}
	chosen := carriedKind(code.neg[0])
	if chosen != n.Chosen {
		return fmt.Errorf("%w: the host chose %q, this side was told %q", ErrNegotiation, chosen, n.Chosen)
	}
	if string(n.tag()) != code.neg[1:] {
		return fmt.Errorf("%w: the host saw another offer than the %q this side made", ErrNegotiation, n.Offered)
	}
	return nil
}

func (n Negotiation) check() error {
	if n.Chosen == "" || !slices.Contains(n.Offered, n.Chosen) {
		return fmt.Errorf("pairing: negotiation chose %q, which is not among the offered %q", n.Chosen, n.Offered)
	}
	return nil
}

// Offer is the joiner's side of challenge negotiation, run on a
// connection opened before any code exists: it tells the host which
// challenges it can take (in order of preference: [ChallengeCode],
// [ChallengeAudio], [ChallengeQR], [ChallengeFlash]) and returns the
// negotiation, whose Chosen field is the one the host chose. Then the code
// arrives out of band and [JoinNegotiated] runs on the same connection.
func Offer(ctx context.Context, rw io.ReadWriter, canTake []string) (Negotiation, error) {
	if len(canTake) == 0 || len(canTake) > maxChallenges {
		return Negotiation{}, fmt.Errorf("pairing: offer 1 to %d challenges, not %d", maxChallenges, len(canTake))
	}
	for _, k := range canTake {
		if k == "" || checkText(k, MaxTransportLen, "challenge") != nil {
			return Negotiation{}, fmt.Errorf("pairing: bad challenge name %q", k)
		}
	}
	stop := watch(ctx, rw)
	defer stop()
	if err := writeFrame(rw, msgOffer, marshalOffer(canTake)); err != nil {
		return Negotiation{}, ctxErr(ctx, err)
	}
	p, err := expect(rw, msgChallenge)
	if err != nil {
		var ae *AbortError
		if errors.As(err, &ae) && ae.Reason == AbortNoChallenge {
			err = fmt.Errorf("%w: %v", ErrNoChallenge, ae)
		}
		return Negotiation{}, ctxErr(ctx, err)
	}
	k, err := parseChallenge(p)
	if err != nil {
		abortFor(rw, err)
		return Negotiation{}, ctxErr(ctx, err)
	}
	if !slices.Contains(canTake, k) {
		err := protoErr(msgChallenge, "host chose %q, which was not offered", k)
		abortFor(rw, err)
		return Negotiation{}, err
	}
	return Negotiation{Offered: slices.Clone(canTake), Chosen: k}, nil
}

// Choose is the host's side of challenge negotiation: it reads the
// joiner's offer, picks the first of canGive (the host's order of
// preference) that the joiner can take, tells the joiner, and returns the
// negotiation for [HostNegotiated]. With none in common it tells the joiner
// so and returns an error matching [ErrNoChallenge].
func Choose(ctx context.Context, rw io.ReadWriter, canGive []string) (Negotiation, error) {
	stop := watch(ctx, rw)
	defer stop()
	p, err := expect(rw, msgOffer)
	if err != nil {
		abortFor(rw, err)
		return Negotiation{}, ctxErr(ctx, err)
	}
	offered, err := parseOffer(p)
	if err != nil {
		abortFor(rw, err)
		return Negotiation{}, err
	}
	for _, k := range canGive {
		if slices.Contains(offered, k) {
			if err := writeFrame(rw, msgChallenge, prependLen(nil, []byte(k))); err != nil {
				return Negotiation{}, ctxErr(ctx, err)
			}
			return Negotiation{Offered: offered, Chosen: k}, nil
		}
	}
	writeFrame(rw, msgAbort, marshalAbort(AbortNoChallenge, ""))
	return Negotiation{}, fmt.Errorf("%w: the joiner can take %q, this host can give %q", ErrNoChallenge, offered, canGive)
}
