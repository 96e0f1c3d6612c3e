package lan

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"

	"warble/pairing"
)

// ErrNotPinned is matched when the peer's TLS certificate carries a key
// other than the one pinned.
var ErrNotPinned = errors.New("lan: the peer's key is not the pinned one")

// A Pin accepts or refuses the Ed25519 identity key a peer presents.
type Pin func(peer ed25519.PublicKey) error

// PinKey accepts only key.
func PinKey(key ed25519.PublicKey) Pin {
	want := append(ed25519.PublicKey(nil), key...)
	return func(peer ed25519.PublicKey) error {
		if len(peer) != len(want) || subtle.ConstantTimeCompare(peer, want) != 1 {
			return fmt.Errorf("%w: got %s, want %s", ErrNotPinned, pairing.Fingerprint(peer), pairing.Fingerprint(want))
		}
		return nil
	}
}

// PinFingerprint accepts a key whose [pairing.Fingerprint] is one of fps,
// as an acceptor that answers any of its paired peers does.
func PinFingerprint(fps ...string) Pin {
	set := map[string]bool{}
	for _, fp := range fps {
		set[fp] = true
	}
	return func(peer ed25519.PublicKey) error {
		if fp := pairing.Fingerprint(peer); !set[fp] {
			return fmt.Errorf("%w: %s is not a paired peer", ErrNotPinned, fp)
		}
		return nil
	}
}

// Certificate is a self-signed X.509 certificate for id's Ed25519 key.
// Only the key matters to the peer, which pins it; the names and dates are
// there because X.509 wants them.
func Certificate(id *pairing.Identity) (tls.Certificate, error) {
	if id == nil || len(id.Private) != ed25519.PrivateKeySize {
		return tls.Certificate{}, errors.New("lan: no identity")
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("lan: certificate serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "warble " + id.Fingerprint()[:16]},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, id.Public, id.Private)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("lan: certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("lan: certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: id.Private, Leaf: leaf}, nil
}

// peerKey is the Ed25519 key in the first of the raw certificates.
func peerKey(raw [][]byte) (ed25519.PublicKey, error) {
	if len(raw) == 0 {
		return nil, errors.New("lan: the peer sent no certificate")
	}
	cert, err := x509.ParseCertificate(raw[0])
	if err != nil {
		return nil, fmt.Errorf("lan: the peer's certificate: %w", err)
	}
	key, ok := cert.PublicKey.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("lan: the peer's certificate has a %T key, want Ed25519", cert.PublicKey)
	}
	return key, nil
}

// Config is the TLS 1.3 configuration of a side holding id that accepts
// a peer pin accepts: its certificate from [Certificate], the peer's
// certificate demanded both ways, and verification by the pin alone (no
// certificate authorities, no names). Session resumption is off, so every
// connection checks the pin.
func Config(id *pairing.Identity, pin Pin) (*tls.Config, error) {
	if pin == nil {
		return nil, errors.New("lan: no pin")
	}
	cert, err := Certificate(id)
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion:             tls.VersionTLS13,
		MaxVersion:             tls.VersionTLS13,
		Certificates:           []tls.Certificate{cert},
		ClientAuth:             tls.RequireAnyClientCert,
		InsecureSkipVerify:     true, // the pin below is the verification
		SessionTicketsDisabled: true,
		ServerName:             "warble",
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			key, err := peerKey(raw)
			if err != nil {
				return err
			}
			return pin(key)
		},
	}, nil
}

// Server runs the TLS server's side over conn (the host or acceptor) and
// returns the connection and the peer's key once the handshake is done.
// ctx bounds the handshake.
func Server(ctx context.Context, conn net.Conn, id *pairing.Identity, pin Pin) (*tls.Conn, ed25519.PublicKey, error) {
	cfg, err := Config(id, pin)
	if err != nil {
		return nil, nil, err
	}
	return finish(ctx, tls.Server(conn, cfg))
}

// Client runs the TLS client's side over conn (the joiner or connector).
func Client(ctx context.Context, conn net.Conn, id *pairing.Identity, pin Pin) (*tls.Conn, ed25519.PublicKey, error) {
	cfg, err := Config(id, pin)
	if err != nil {
		return nil, nil, err
	}
	return finish(ctx, tls.Client(conn, cfg))
}

func finish(ctx context.Context, tc *tls.Conn) (*tls.Conn, ed25519.PublicKey, error) {
	if err := tc.HandshakeContext(ctx); err != nil {
		tc.Close()
		return nil, nil, fmt.Errorf("lan: TLS handshake: %w", err)
	}
	st := tc.ConnectionState()
	if st.Version != tls.VersionTLS13 || len(st.PeerCertificates) == 0 {
		tc.Close()
		return nil, nil, errors.New("lan: TLS handshake did not give TLS 1.3 with a peer certificate")
	}
	key, ok := st.PeerCertificates[0].PublicKey.(ed25519.PublicKey)
	if !ok {
		tc.Close()
		return nil, nil, errors.New("lan: the peer's certificate has no Ed25519 key")
	}
	return tc, key, nil
}
