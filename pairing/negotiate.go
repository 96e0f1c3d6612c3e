package pairing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
)

// ErrNoChallenge is matched when host and joiner share no out-of-band
// challenge.
var ErrNoChallenge = errors.New("pairing: no out-of-band challenge both sides can use")

// Offer is the joiner's side of challenge negotiation, run on a
// connection opened before any code exists: it tells the host which
// challenges it can take (in order of preference: [ChallengeCode],
// [ChallengeAudio], [ChallengeQR], [ChallengeFlash]) and returns the one
// the host chose. Then the code arrives out of band and [Join] runs on
// the same connection.
func Offer(ctx context.Context, rw io.ReadWriter, canTake []string) (string, error) {
	if len(canTake) == 0 || len(canTake) > maxChallenges {
		return "", fmt.Errorf("pairing: offer 1 to %d challenges, not %d", maxChallenges, len(canTake))
	}
	for _, k := range canTake {
		if k == "" || checkText(k, MaxTransportLen, "challenge") != nil {
			return "", fmt.Errorf("pairing: bad challenge name %q", k)
		}
	}
	stop := watch(ctx, rw)
	defer stop()
	if err := writeFrame(rw, msgOffer, marshalOffer(canTake)); err != nil {
		return "", ctxErr(ctx, err)
	}
	p, err := expect(rw, msgChallenge)
	if err != nil {
		var ae *AbortError
		if errors.As(err, &ae) && ae.Reason == AbortNoChallenge {
			err = fmt.Errorf("%w: %v", ErrNoChallenge, ae)
		}
		return "", ctxErr(ctx, err)
	}
	k, err := parseChallenge(p)
	if err != nil {
		abortFor(rw, err)
		return "", ctxErr(ctx, err)
	}
	if !slices.Contains(canTake, k) {
		err := protoErr(msgChallenge, "host chose %q, which was not offered", k)
		abortFor(rw, err)
		return "", err
	}
	return k, nil
}

// Choose is the host's side of challenge negotiation: it reads the
// joiner's offer, picks the first of canGive (the host's order of
// preference) that the joiner can take, and tells the joiner. With none in
// common it tells the joiner so and returns an error matching
// [ErrNoChallenge].
func Choose(ctx context.Context, rw io.ReadWriter, canGive []string) (string, error) {
	stop := watch(ctx, rw)
	defer stop()
	p, err := expect(rw, msgOffer)
	if err != nil {
		abortFor(rw, err)
		return "", ctxErr(ctx, err)
	}
	offered, err := parseOffer(p)
	if err != nil {
		abortFor(rw, err)
		return "", err
	}
	for _, k := range canGive {
		if slices.Contains(offered, k) {
			if err := writeFrame(rw, msgChallenge, prependLen(nil, []byte(k))); err != nil {
				return "", ctxErr(ctx, err)
			}
			return k, nil
		}
	}
	writeFrame(rw, msgAbort, marshalAbort(AbortNoChallenge, ""))
	return "", fmt.Errorf("%w: the joiner can take %q, this host can give %q", ErrNoChallenge, offered, canGive)
}
