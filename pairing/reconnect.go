package pairing

import (
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha512"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// ErrNotPaired is matched when the peer's identity is not one allowed.
var ErrNotPaired = errors.New("pairing: the peer's identity is not a paired peer")

// Reconnected is the outcome of [Reconnect].
type Reconnected struct {
	PeerKey     ed25519.PublicKey
	Fingerprint string

	session *session
}

// Secure wraps rw, the stream the exchange ran on, in an encrypted,
// authenticated stream keyed by the exchange, as [Result.Secure] does.
func (r *Reconnected) Secure(rw io.ReadWriter) (io.ReadWriteCloser, error) {
	return r.session.secure(rw)
}

// Reconnect runs an authenticated key exchange between two devices that
// paired before, for a stream such as a relay that carries no security of
// its own. It is a SIGMA-I exchange: ephemeral X25519 keys first, then
// each side's Ed25519 identity, signature and key confirmation sealed
// under keys from the ephemeral exchange, so someone watching the stream
// (the relay) never sees who is talking, and an active attacker never
// learns the initiator's identity:
//
//	initiator → responder: version, eI
//	responder → initiator: eR, seal_R(idR, sign_R(th1, idR), tag_R)
//	initiator → responder: seal_I(idI, sign_I(th2), tag_I)
//	responder → initiator: seal_R(∅)   (idI accepted)
//
// where th1 covers the version and both ephemeral keys, and th2 th1 and
// both identities. allowed decides which peer identities are acceptable
// (the paired peers, or one pinned peer). Failures end in an error and
// no key; an identity allowed refuses gives [ErrNotPaired] on both sides.
func Reconnect(ctx context.Context, rw io.ReadWriter, self *Identity, initiator bool, allowed func(ed25519.PublicKey) bool) (*Reconnected, error) {
	if self == nil || len(self.Private) != ed25519.PrivateKeySize {
		return nil, errors.New("pairing: no identity")
	}
	if allowed == nil {
		return nil, errors.New("pairing: no allowed peers")
	}
	stop := watch(ctx, rw)
	defer stop()
	var res *Reconnected
	var err error
	if initiator {
		res, err = reconnectInitiator(rw, self, allowed)
	} else {
		res, err = reconnectResponder(rw, self, allowed)
	}
	if err != nil {
		if errors.Is(err, ErrNotPaired) {
			var ae *AbortError
			if !errors.As(err, &ae) {
				writeFrame(rw, msgAbort, marshalAbort(AbortRejected, ""))
			}
		} else {
			abortFor(rw, err)
		}
		return nil, ctxErr(ctx, err)
	}
	return res, nil
}

// reconKeys is what both sides derive from the ephemeral exchange.
type reconKeys struct {
	shared       []byte
	th1          []byte
	sealI, sealR []byte // handshake AEAD keys, initiator → responder and back
	mac          []byte
}

func reconDerive(shared, eI, eR []byte) (*reconKeys, error) {
	th := sha512.Sum512(lvCat([]byte("warble reconnect transcript"), []byte{ProtocolVersion}, eI, eR))
	k := &reconKeys{shared: shared, th1: th[:]}
	for _, d := range []struct {
		dst  *[]byte
		info string
	}{{&k.sealI, "warble reconnect v2 initiator"}, {&k.sealR, "warble reconnect v2 responder"}, {&k.mac, "warble reconnect v2 confirm"}} {
		b, err := hkdf.Key(sha512.New, shared, th[:], d.info, 32)
		if err != nil {
			return nil, fmt.Errorf("pairing: key schedule: %w", err)
		}
		*d.dst = b
	}
	return k, nil
}

// th2 is the transcript with both identities.
func (k *reconKeys) th2(idR, idI []byte) []byte {
	th := sha512.Sum512(lvCat([]byte("warble reconnect identities"), k.th1, idR, idI))
	return th[:]
}

func (k *reconKeys) tag(role string, parts ...[]byte) []byte {
	m := hmac.New(sha512.New, k.mac)
	m.Write(lvCat(append([][]byte{[]byte(role)}, parts...)...))
	return m.Sum(nil)
}

func (k *reconKeys) session(th2 []byte) ([]byte, error) {
	return hkdf.Key(sha512.New, k.shared, th2, "warble reconnect v2 session", 32)
}

func reconSigned(role string, parts ...[]byte) []byte {
	return lvCat(append([][]byte{[]byte("warble reconnect v2 identity"), []byte(role)}, parts...)...)
}

func ephemeral() (*ecdh.PrivateKey, error) {
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pairing: %w", err)
	}
	return k, nil
}

func dh(priv *ecdh.PrivateKey, t msgType, peer []byte) ([]byte, error) {
	pub, err := ecdh.X25519().NewPublicKey(peer)
	if err != nil {
		return nil, protoErr(t, "bad ephemeral key")
	}
	s, err := priv.ECDH(pub)
	if err != nil {
		return nil, protoErr(t, "ephemeral key is of low order")
	}
	return s, nil
}

// reconIdentity is the sealed part of reconnect-b and reconnect-c.
func parseReconIdentity(t msgType, plain []byte) (id ed25519.PublicKey, sig, tag []byte, err error) {
	r := &reader{t: t, b: plain}
	id = ed25519.PublicKey(slices.Clone(r.bytes(ed25519.PublicKeySize, "identity")))
	sig = r.bytes(ed25519.SignatureSize, "signature")
	tag = r.bytes(tagLen, "tag")
	return id, sig, tag, r.end()
}

func reconnectInitiator(rw io.ReadWriter, self *Identity, allowed func(ed25519.PublicKey) bool) (*Reconnected, error) {
	e, err := ephemeral()
	if err != nil {
		return nil, err
	}
	eI := e.PublicKey().Bytes()
	if err := writeFrame(rw, msgReconA, append([]byte{ProtocolVersion}, eI...)); err != nil {
		return nil, err
	}
	p, err := expect(rw, msgReconB)
	if err != nil {
		return nil, err
	}
	r := &reader{t: msgReconB, b: p}
	eR := slices.Clone(r.bytes(32, "ephemeral key"))
	sealed := r.rest()
	if r.err != nil {
		return nil, r.err
	}
	shared, err := dh(e, msgReconB, eR)
	if err != nil {
		return nil, err
	}
	ks, err := reconDerive(shared, eI, eR)
	if err != nil {
		return nil, err
	}
	plain, err := open(msgReconB, ks.sealR, 1, ks.th1, sealed)
	if err != nil {
		return nil, err
	}
	idR, sigR, tagR, err := parseReconIdentity(msgReconB, plain)
	if err != nil {
		return nil, err
	}
	if !ed25519.Verify(idR, reconSigned("responder", ks.th1, idR), sigR) {
		return nil, protoErr(msgReconB, "identity signature does not verify")
	}
	if !hmac.Equal(tagR, ks.tag("responder", ks.th1, idR)) {
		return nil, protoErr(msgReconB, "key confirmation fails")
	}
	if !allowed(idR) {
		return nil, fmt.Errorf("%w: %s", ErrNotPaired, Fingerprint(idR))
	}
	th2 := ks.th2(idR, self.Public)
	mine := append(slices.Clone(self.Public), self.Sign(reconSigned("initiator", th2))...)
	mine = append(mine, ks.tag("initiator", th2)...)
	if err := writeFrame(rw, msgReconC, seal(ks.sealI, 1, ks.th1, mine)); err != nil {
		return nil, err
	}
	p, err = expect(rw, msgReconD)
	if err != nil {
		return nil, err
	}
	if _, err := open(msgReconD, ks.sealR, 2, th2, p); err != nil {
		return nil, err
	}
	key, err := ks.session(th2)
	if err != nil {
		return nil, err
	}
	return &Reconnected{PeerKey: idR, Fingerprint: Fingerprint(idR), session: &session{key: key, initiator: true}}, nil
}

func reconnectResponder(rw io.ReadWriter, self *Identity, allowed func(ed25519.PublicKey) bool) (*Reconnected, error) {
	p, err := expect(rw, msgReconA)
	if err != nil {
		return nil, err
	}
	r := &reader{t: msgReconA, b: p}
	if v := r.byte("version"); r.err == nil && v != ProtocolVersion {
		return nil, &versionError{peer: int(v)}
	}
	eI := slices.Clone(r.bytes(32, "ephemeral key"))
	if err := r.end(); err != nil {
		return nil, err
	}
	e, err := ephemeral()
	if err != nil {
		return nil, err
	}
	shared, err := dh(e, msgReconA, eI)
	if err != nil {
		return nil, err
	}
	eR := e.PublicKey().Bytes()
	ks, err := reconDerive(shared, eI, eR)
	if err != nil {
		return nil, err
	}
	mine := append(slices.Clone(self.Public), self.Sign(reconSigned("responder", ks.th1, self.Public))...)
	mine = append(mine, ks.tag("responder", ks.th1, self.Public)...)
	if err := writeFrame(rw, msgReconB, append(slices.Clone(eR), seal(ks.sealR, 1, ks.th1, mine)...)); err != nil {
		return nil, err
	}
	p, err = expect(rw, msgReconC)
	if err != nil {
		return nil, err
	}
	plain, err := open(msgReconC, ks.sealI, 1, ks.th1, p)
	if err != nil {
		return nil, err
	}
	idI, sigI, tagI, err := parseReconIdentity(msgReconC, plain)
	if err != nil {
		return nil, err
	}
	th2 := ks.th2(self.Public, idI)
	if !ed25519.Verify(idI, reconSigned("initiator", th2), sigI) {
		return nil, protoErr(msgReconC, "identity signature does not verify")
	}
	if !hmac.Equal(tagI, ks.tag("initiator", th2)) {
		return nil, protoErr(msgReconC, "key confirmation fails")
	}
	if !allowed(idI) {
		return nil, fmt.Errorf("%w: %s", ErrNotPaired, Fingerprint(idI))
	}
	if err := writeFrame(rw, msgReconD, seal(ks.sealR, 2, th2, nil)); err != nil {
		return nil, err
	}
	key, err := ks.session(th2)
	if err != nil {
		return nil, err
	}
	return &Reconnected{PeerKey: idI, Fingerprint: Fingerprint(idI), session: &session{key: key}}, nil
}

// RendezvousPeriod is how long a rendezvous name lasts: two paired
// devices meet at a relay under a name that changes every period, so the
// relay, which no longer sees their identities, cannot tell that two
// sessions hours apart joined the same pair.
const RendezvousPeriod = time.Hour

// RendezvousName is what two paired devices both derive to meet at a relay
// without a code during the [RendezvousPeriod] that holds at: the hex
// SHA-512/256 of both fingerprints in sorted order and the period's
// number. It is no secret from someone who knows both fingerprints.
func RendezvousName(a, b string, at time.Time) string {
	return rendezvousName(a, b, at.Unix()/int64(RendezvousPeriod/time.Second))
}

func rendezvousName(a, b string, period int64) string {
	if b < a {
		a, b = b, a
	}
	h := sha512.Sum512_256([]byte(fmt.Sprintf("warble rendezvous v2\x00%s\x00%s\x00%d", a, b, period)))
	return fmt.Sprintf("%x", h[:16])
}

// RendezvousNames are the names a caller tries at once at at: the
// current period's, then the neighbouring period nearer to at (the one
// just over, or the one about to start), so that clocks up to half a
// period apart still meet.
func RendezvousNames(a, b string, at time.Time) []string {
	secs := int64(RendezvousPeriod / time.Second)
	p := at.Unix() / secs
	near := p + 1
	if at.Unix()%secs < secs/2 {
		near = p - 1
	}
	return []string{rendezvousName(a, b, p), rendezvousName(a, b, near)}
}

// RendezvousEnds is when the rendezvous name that holds at changes.
func RendezvousEnds(at time.Time) time.Time {
	secs := int64(RendezvousPeriod / time.Second)
	return time.Unix((at.Unix()/secs+1)*secs, 0)
}
