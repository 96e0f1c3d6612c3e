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
// its own. Each side sends an ephemeral X25519 key and its Ed25519
// identity, and signs the transcript of both ephemeral keys and both
// identities (a signed Diffie-Hellman in the SIGMA family); HMAC tags
// under the derived key confirm it both ways.
//
//	initiator → responder: version, eI, idI
//	responder → initiator: eR, idR, sign_R(transcript), tag_R
//	initiator → responder: sign_I(transcript), tag_I
//
// allowed decides which peer identities are acceptable (the paired peers,
// or one pinned peer); the responder checks before it answers. Failures
// end in an error and no key.
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
			writeFrame(rw, msgAbort, marshalAbort(AbortRejected, ""))
		} else {
			abortFor(rw, err)
		}
		return nil, ctxErr(ctx, err)
	}
	return res, nil
}

type reconKeys struct {
	transcript []byte
	tagI, tagR []byte
	key        []byte
}

func reconDerive(shared, eI, idI, eR, idR []byte) (*reconKeys, error) {
	th := sha512.Sum512(lvCat([]byte("warble reconnect v1 transcript"), eI, idI, eR, idR))
	k := &reconKeys{transcript: th[:]}
	mac, err := hkdf.Key(sha512.New, shared, th[:], "warble reconnect v1 confirm", 32)
	if err != nil {
		return nil, err
	}
	k.key, err = hkdf.Key(sha512.New, shared, th[:], "warble reconnect v1 session", 32)
	if err != nil {
		return nil, err
	}
	tag := func(role string) []byte {
		m := hmac.New(sha512.New, mac)
		m.Write([]byte(role))
		m.Write(th[:])
		return m.Sum(nil)
	}
	k.tagI, k.tagR = tag("initiator"), tag("responder")
	return k, nil
}

func reconSigned(role string, transcript []byte) []byte {
	return lvCat([]byte("warble reconnect v1 identity"), []byte(role), transcript)
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

func reconnectInitiator(rw io.ReadWriter, self *Identity, allowed func(ed25519.PublicKey) bool) (*Reconnected, error) {
	e, err := ephemeral()
	if err != nil {
		return nil, err
	}
	eI := e.PublicKey().Bytes()
	msg := append([]byte{ProtocolVersion}, eI...)
	msg = append(msg, self.Public...)
	if err := writeFrame(rw, msgReconA, msg); err != nil {
		return nil, err
	}
	p, err := expect(rw, msgReconB)
	if err != nil {
		return nil, err
	}
	r := &reader{t: msgReconB, b: p}
	eR := r.bytes(32, "ephemeral key")
	idR := ed25519.PublicKey(slices.Clone(r.bytes(ed25519.PublicKeySize, "identity")))
	sigR := r.bytes(ed25519.SignatureSize, "signature")
	tagR := r.bytes(tagLen, "tag")
	if err := r.end(); err != nil {
		return nil, err
	}
	if !allowed(idR) {
		return nil, fmt.Errorf("%w: %s", ErrNotPaired, Fingerprint(idR))
	}
	shared, err := dh(e, msgReconB, eR)
	if err != nil {
		return nil, err
	}
	ks, err := reconDerive(shared, eI, self.Public, eR, idR)
	if err != nil {
		return nil, err
	}
	if !ed25519.Verify(idR, reconSigned("responder", ks.transcript), sigR) {
		return nil, protoErr(msgReconB, "identity signature does not verify")
	}
	if !hmac.Equal(tagR, ks.tagR) {
		return nil, protoErr(msgReconB, "key confirmation fails")
	}
	msg = append(self.Sign(reconSigned("initiator", ks.transcript)), ks.tagI...)
	if err := writeFrame(rw, msgReconC, msg); err != nil {
		return nil, err
	}
	return &Reconnected{PeerKey: idR, Fingerprint: Fingerprint(idR), session: &session{key: ks.key, initiator: true}}, nil
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
	eI := r.bytes(32, "ephemeral key")
	idI := ed25519.PublicKey(slices.Clone(r.bytes(ed25519.PublicKeySize, "identity")))
	if err := r.end(); err != nil {
		return nil, err
	}
	if !allowed(idI) {
		return nil, fmt.Errorf("%w: %s", ErrNotPaired, Fingerprint(idI))
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
	ks, err := reconDerive(shared, eI, idI, eR, self.Public)
	if err != nil {
		return nil, err
	}
	msg := append(slices.Clone(eR), self.Public...)
	msg = append(msg, self.Sign(reconSigned("responder", ks.transcript))...)
	msg = append(msg, ks.tagR...)
	if err := writeFrame(rw, msgReconB, msg); err != nil {
		return nil, err
	}
	p, err = expect(rw, msgReconC)
	if err != nil {
		return nil, err
	}
	r = &reader{t: msgReconC, b: p}
	sigI := r.bytes(ed25519.SignatureSize, "signature")
	tagI := r.bytes(tagLen, "tag")
	if err := r.end(); err != nil {
		return nil, err
	}
	if !ed25519.Verify(idI, reconSigned("initiator", ks.transcript), sigI) {
		return nil, protoErr(msgReconC, "identity signature does not verify")
	}
	if !hmac.Equal(tagI, ks.tagI) {
		return nil, protoErr(msgReconC, "key confirmation fails")
	}
	return &Reconnected{PeerKey: idI, Fingerprint: Fingerprint(idI), session: &session{key: ks.key}}, nil
}

// RendezvousName is what two paired devices both derive to meet at a relay
// without a code: the hex SHA-512/256 of both fingerprints in sorted order.
func RendezvousName(a, b string) string {
	if b < a {
		a, b = b, a
	}
	h := sha512.Sum512_256([]byte("warble rendezvous v1\x00" + a + "\x00" + b))
	return fmt.Sprintf("%x", h[:16])
}
