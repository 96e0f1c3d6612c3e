package pairing

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha512"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gtank/ristretto255"
	"golang.org/x/crypto/chacha20poly1305"
)

// Result is a completed pairing.
type Result struct {
	Peer        Info
	PeerKey     ed25519.PublicKey
	Fingerprint string // [Fingerprint] of PeerKey

	session *session // the key both sides derived, and this side's role
}

// Secure wraps rw, the stream the handshake ran on, in an encrypted,
// authenticated stream keyed by the handshake. Each direction's key comes
// from the session key and the side's role in the handshake, so the two
// ends never seal under the same key. A Result secures one stream only: a
// second call fails, as two streams under one key would reuse nonces.
// Read and Write may be used from two goroutines at once; Close sends a
// close record (the peer reads io.EOF; a stream cut without one reads as
// [ErrTruncated]) and closes rw if it is an [io.Closer], at once if a
// Write is blocked. The stream also has CloseWrite() error, which sends
// the close record only.
func (r *Result) Secure(rw io.ReadWriter) (io.ReadWriteCloser, error) {
	return r.session.secure(rw)
}

// Role labels, in the CPace associated data, the signatures and the
// key schedule.
const (
	roleHost   = "host"
	roleJoiner = "joiner"
)

// cpaceCI is the channel identifier: the protocol, its version, and the
// code's nameplate.
func cpaceCI(version byte, code Code) []byte {
	return lvCat([]byte("warble pairing"), []byte{version}, []byte(code.Nameplate()))
}

// cpaceSID is the CPace session id both sides contributed to, as the draft
// recommends: the host's nonce from its hello, then the joiner's.
func cpaceSID(hostNonce, joinerNonce []byte) []byte {
	return append(append(make([]byte, 0, 2*sidLen), hostNonce...), joinerNonce...)
}

// cpaceAD is a side's CPace associated data: its role, and after challenge
// negotiation the negotiation's binding. ISK, and so key confirmation and
// the signed transcript, covers both sides' AD.
func cpaceAD(role string, bind []byte) []byte {
	if bind == nil {
		return []byte(role)
	}
	return lvCat([]byte(role), bind)
}

// checkAD checks the peer's associated data against what this side
// expects: a peer that negotiated differently, or not at all when this
// side did (or the other way round), fails with [ErrNegotiation].
func checkAD(t msgType, got []byte, role string, bind []byte) error {
	if bytes.Equal(got, cpaceAD(role, bind)) {
		return nil
	}
	if bytes.Equal(got, []byte(role)) || bytes.HasPrefix(got, prependLen(nil, []byte(role))) {
		return &negotiationError{t: t}
	}
	return protoErr(t, "AD is %q, want the role %q", got, role)
}

// negotiationError is a peer's associated data that shows it saw another
// challenge negotiation. It matches [ErrNegotiation] and [ErrProtocol].
type negotiationError struct{ t msgType }

func (e *negotiationError) Error() string {
	return ErrNegotiation.Error() + " (seen in the " + e.t.String() + " message)"
}

func (e *negotiationError) Unwrap() []error { return []error{ErrNegotiation, ErrProtocol} }

// keys is what both sides derive from ISK.
type keys struct {
	macKey     []byte // draft's mac_key = H("CPaceMac" || sid || ISK)
	hostSeal   []byte // host → joiner AEAD key
	joinerSeal []byte // joiner → host AEAD key
	session    []byte
	transcript []byte // SHA-512 of everything CPace exchanged
}

func deriveKeys(isk [64]byte, sid, ya, ada, yb, adb []byte) (*keys, error) {
	mk := sha512.New()
	mk.Write([]byte("CPaceMac"))
	mk.Write(sid)
	mk.Write(isk[:])
	th := sha512.Sum512(lvCat([]byte("warble pairing transcript"), []byte{ProtocolVersion}, sid, ya, ada, yb, adb))
	k := &keys{macKey: mk.Sum(nil), transcript: th[:]}
	for _, d := range []struct {
		dst  *[]byte
		info string
	}{{&k.hostSeal, "warble pairing v2 seal host"}, {&k.joinerSeal, "warble pairing v2 seal joiner"}, {&k.session, "warble pairing v2 session"}} {
		b, err := hkdf.Key(sha512.New, isk[:], sid, d.info, 32)
		if err != nil {
			return nil, fmt.Errorf("pairing: key schedule: %w", err)
		}
		*d.dst = b
	}
	return k, nil
}

func (k *keys) tag(y, ad []byte) []byte {
	m := hmac.New(sha512.New, k.macKey)
	m.Write(lvCat(y, ad))
	return m.Sum(nil)
}

// seal and open protect one message of the capability exchange; each key
// seals exactly one message per role, so nonce n is fixed per message.
func seal(key []byte, n byte, ad, plain []byte) []byte {
	a, _ := chacha20poly1305.New(key)
	nonce := make([]byte, a.NonceSize())
	nonce[len(nonce)-1] = n
	return a.Seal(nil, nonce, plain, ad)
}

func open(t msgType, key []byte, n byte, ad, sealed []byte) ([]byte, error) {
	a, _ := chacha20poly1305.New(key)
	nonce := make([]byte, a.NonceSize())
	nonce[len(nonce)-1] = n
	p, err := a.Open(nil, nonce, sealed, ad)
	if err != nil {
		return nil, protoErr(t, "sealed part fails authentication (tampered)")
	}
	return p, nil
}

// signed is what an identity signs: the role, the CPace transcript, and
// the signer's Info.
func signed(role string, transcript []byte, info []byte) []byte {
	return lvCat([]byte("warble pairing v2 identity"), []byte(role), transcript, info)
}

func makeCaps(self *Identity, info Info, role string, transcript []byte) []byte {
	ib := info.marshal()
	c := capabilities{info: info, pub: self.Public, sig: self.Sign(signed(role, transcript, ib))}
	return c.marshal()
}

// checkCaps opens and verifies the peer's capabilities.
func checkCaps(t msgType, plain []byte, peerRole string, transcript []byte) (capabilities, error) {
	c, err := parseCapabilities(t, plain)
	if err != nil {
		return c, err
	}
	if !ed25519.Verify(c.pub, signed(peerRole, transcript, c.info.marshal()), c.sig) {
		return c, protoErr(t, "identity signature does not verify")
	}
	return c, nil
}

// watch ends blocked reads and writes on rw when ctx ends, by setting a
// past deadline if rw has SetDeadline, else by closing it if it can be.
// The returned stop must be called when the handshake is over.
func watch(ctx context.Context, rw any) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		select {
		case <-ctx.Done():
			if dl, ok := rw.(interface{ SetDeadline(time.Time) error }); ok {
				dl.SetDeadline(time.Unix(1, 0))
			} else if c, ok := rw.(io.Closer); ok {
				c.Close()
			}
		case <-done:
		}
	}()
	return func() {
		close(done)
		<-finished
		if dl, ok := rw.(interface{ SetDeadline(time.Time) error }); ok {
			dl.SetDeadline(time.Time{})
		}
	}
}

// ctxErr prefers the context's reason for an error that its end caused.
func ctxErr(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("pairing: %w (%v)", context.Cause(ctx), err)
	}
	return err
}

// abortFor sends the peer the reason for err, best effort.
func abortFor(w io.Writer, err error) {
	var ve *versionError
	var ae *AbortError
	switch {
	case errors.As(err, &ae):
		return // the peer already knows
	case errors.Is(err, ErrWrongCode):
		writeFrame(w, msgAbort, marshalAbort(AbortWrongCode, ""))
	case errors.Is(err, ErrNegotiation):
		writeFrame(w, msgAbort, marshalAbort(AbortNegotiation, ""))
	case errors.As(err, &ve):
		writeFrame(w, msgAbort, marshalAbort(AbortVersion, ve.Error()))
	case errors.Is(err, ErrProtocol):
		writeFrame(w, msgAbort, marshalAbort(AbortProtocol, ""))
	case errors.Is(err, ErrPeerGone):
	default:
		writeFrame(w, msgAbort, marshalAbort(AbortCanceled, ""))
	}
}

func randomScalar() (*ristretto255.Scalar, error) {
	var b [64]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("pairing: %w", err)
	}
	return ristretto255.NewScalar().FromUniformBytes(b[:]), nil
}

// Join runs the joiner's side of the pairing handshake over rw with the
// code the user entered. On any failure — a wrong code, a tampered,
// replayed, reordered, truncated or oversized message, the peer leaving,
// ctx ending — it returns an error, tells the peer why when it can, and
// returns no Result: a caller that records only Results never records a
// failed pairing. A wrong code gives an error matching [ErrWrongCode].
func Join(ctx context.Context, rw io.ReadWriter, code Code, self *Identity, info Info) (*Result, error) {
	return joinCtx(ctx, rw, nil, nil, code, self, info)
}

// JoinNegotiated is [Join] after [Offer] on the same stream: the
// negotiation n goes into the CPace associated data, so that if the host
// saw a different offer or made a different choice than n records, both
// sides fail (with an error matching [ErrNegotiation] or [ErrWrongCode])
// and neither returns a Result.
//
// A code for a challenge nobody types must carry the host's view of the
// negotiation ([Code.WithNegotiation]); when that view differs from n,
// JoinNegotiated tells the host and fails with [ErrNegotiation] before the
// handshake starts, so the code is not spent on an attacker.
func JoinNegotiated(ctx context.Context, rw io.ReadWriter, n Negotiation, code Code, self *Identity, info Info) (*Result, error) {
	if err := n.check(); err != nil {
		return nil, err
	}
	return joinCtx(ctx, rw, n.binding(), n.checkCarried(code), code, self, info)
}

// joinCtx runs the joiner's side; a non-nil refuse (a negotiation the
// code contradicts) ends it after the host's hello, before anything of
// the code is used, and tells the host why.
func joinCtx(ctx context.Context, rw io.ReadWriter, bind []byte, refuse error, code Code, self *Identity, info Info) (*Result, error) {
	if err := checkArgs(code, self, &info); err != nil {
		return nil, err
	}
	stop := watch(ctx, rw)
	defer stop()
	res, err := join(rw, bind, refuse, code, self, info)
	if err != nil {
		abortFor(rw, err)
		return nil, ctxErr(ctx, err)
	}
	return res, nil
}

// Host runs the host's side of the pairing handshake over rw with the
// code it made and showed; see [Join] for what failures do. A code must
// be used for one Host run only: after a failure it is retired.
func Host(ctx context.Context, rw io.ReadWriter, code Code, self *Identity, info Info) (*Result, error) {
	return hostCtx(ctx, rw, nil, code, self, info)
}

// HostNegotiated is [Host] after [Choose] on the same stream, binding the
// negotiation n into the handshake as [JoinNegotiated] does.
func HostNegotiated(ctx context.Context, rw io.ReadWriter, n Negotiation, code Code, self *Identity, info Info) (*Result, error) {
	if err := n.check(); err != nil {
		return nil, err
	}
	return hostCtx(ctx, rw, n.binding(), code, self, info)
}

func hostCtx(ctx context.Context, rw io.ReadWriter, bind []byte, code Code, self *Identity, info Info) (*Result, error) {
	if err := checkArgs(code, self, &info); err != nil {
		return nil, err
	}
	stop := watch(ctx, rw)
	defer stop()
	res, err := host(rw, bind, code, self, info)
	if err != nil {
		abortFor(rw, err)
		return nil, ctxErr(ctx, err)
	}
	return res, nil
}

func checkArgs(code Code, self *Identity, info *Info) error {
	if code.IsZero() {
		return errors.New("pairing: no code")
	}
	if self == nil || len(self.Private) != ed25519.PrivateKeySize {
		return errors.New("pairing: no identity")
	}
	if info.Version == 0 {
		info.Version = ProtocolVersion
	}
	return info.Check()
}

func join(rw io.ReadWriter, bind []byte, refuse error, code Code, self *Identity, info Info) (*Result, error) {
	p, err := expect(rw, msgHello)
	if err != nil {
		return nil, err
	}
	hello, err := parseHostHello(p)
	if err != nil {
		return nil, err
	}
	if refuse != nil {
		return nil, refuse
	}
	mine := make([]byte, sidLen)
	if _, err := rand.Read(mine); err != nil {
		return nil, fmt.Errorf("pairing: %w", err)
	}
	sid := cpaceSID(hello.nonce, mine)
	ci := cpaceCI(ProtocolVersion, code)
	g := cpaceGenerator(code.prs(), ci, sid)
	y, err := randomScalar()
	if err != nil {
		return nil, err
	}
	ya := ristretto255.NewElement().ScalarMult(y, g).Encode(nil)
	ada := cpaceAD(roleJoiner, bind)
	a := cpaceA{version: ProtocolVersion, sid: mine, ya: ya, ad: ada}
	if err := writeFrame(rw, msgCPaceA, a.marshal()); err != nil {
		return nil, err
	}

	p, err = expect(rw, msgCPaceB)
	if err != nil {
		return nil, err
	}
	b, err := parseCPaceB(p)
	if err != nil {
		return nil, err
	}
	if err := checkAD(msgCPaceB, b.ad, roleHost, bind); err != nil {
		return nil, err
	}
	k, err := cpaceScalarMultVfy(y, b.yb)
	if err != nil {
		return nil, protoErr(msgCPaceB, "%v", err)
	}
	isk := cpaceISK(sid, k, ya, ada, b.yb, b.ad)
	ks, err := deriveKeys(isk, sid, ya, ada, b.yb, b.ad)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(b.tag, ks.tag(b.yb, b.ad)) {
		return nil, ErrWrongCode
	}
	plain, err := open(msgCPaceB, ks.hostSeal, 1, ks.transcript, b.sealed)
	if err != nil {
		return nil, err
	}
	hc, err := checkCaps(msgCPaceB, plain, roleHost, ks.transcript)
	if err != nil {
		return nil, err
	}

	msg := append(ks.tag(ya, ada), seal(ks.joinerSeal, 1, ks.transcript, makeCaps(self, info, roleJoiner, ks.transcript))...)
	if err := writeFrame(rw, msgConfirmA, msg); err != nil {
		return nil, err
	}
	p, err = expect(rw, msgDone)
	if err != nil {
		return nil, err
	}
	if _, err := open(msgDone, ks.hostSeal, 2, ks.transcript, p); err != nil {
		return nil, err
	}
	if err := writeFrame(rw, msgAck, seal(ks.joinerSeal, 2, ks.transcript, nil)); err != nil {
		return nil, err
	}
	return &Result{Peer: hc.info, PeerKey: hc.pub, Fingerprint: Fingerprint(hc.pub), session: &session{key: ks.session, initiator: true}}, nil
}

func host(rw io.ReadWriter, bind []byte, code Code, self *Identity, info Info) (*Result, error) {
	nonce := make([]byte, sidLen)
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("pairing: %w", err)
	}
	if err := writeFrame(rw, msgHello, hostHello{version: ProtocolVersion, nonce: nonce}.marshal()); err != nil {
		return nil, err
	}
	p, err := expect(rw, msgCPaceA)
	if err != nil {
		return nil, err
	}
	a, err := parseCPaceA(p)
	if err != nil {
		return nil, err
	}
	if err := checkAD(msgCPaceA, a.ad, roleJoiner, bind); err != nil {
		return nil, err
	}
	sid := cpaceSID(nonce, a.sid)
	ci := cpaceCI(ProtocolVersion, code)
	g := cpaceGenerator(code.prs(), ci, sid)
	y, err := randomScalar()
	if err != nil {
		return nil, err
	}
	k, err := cpaceScalarMultVfy(y, a.ya)
	if err != nil {
		return nil, protoErr(msgCPaceA, "%v", err)
	}
	yb := ristretto255.NewElement().ScalarMult(y, g).Encode(nil)
	adb := cpaceAD(roleHost, bind)
	isk := cpaceISK(sid, k, a.ya, a.ad, yb, adb)
	ks, err := deriveKeys(isk, sid, a.ya, a.ad, yb, adb)
	if err != nil {
		return nil, err
	}
	b := cpaceB{yb: yb, ad: adb, tag: ks.tag(yb, adb), sealed: seal(ks.hostSeal, 1, ks.transcript, makeCaps(self, info, roleHost, ks.transcript))}
	if err := writeFrame(rw, msgCPaceB, b.marshal()); err != nil {
		return nil, err
	}

	p, err = expect(rw, msgConfirmA)
	if err != nil {
		return nil, err
	}
	c, err := parseConfirmA(p)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(c.tag, ks.tag(a.ya, a.ad)) {
		return nil, ErrWrongCode
	}
	plain, err := open(msgConfirmA, ks.joinerSeal, 1, ks.transcript, c.sealed)
	if err != nil {
		return nil, err
	}
	jc, err := checkCaps(msgConfirmA, plain, roleJoiner, ks.transcript)
	if err != nil {
		return nil, err
	}
	if err := writeFrame(rw, msgDone, seal(ks.hostSeal, 2, ks.transcript, nil)); err != nil {
		return nil, err
	}
	p, err = expect(rw, msgAck)
	if err != nil {
		return nil, err
	}
	if _, err := open(msgAck, ks.joinerSeal, 2, ks.transcript, p); err != nil {
		return nil, err
	}
	return &Result{Peer: jc.info, PeerKey: jc.pub, Fingerprint: Fingerprint(jc.pub), session: &session{key: ks.session}}, nil
}
