package pairing

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// A secure stream carries records:
//
//	length (4, big endian) | ChaCha20-Poly1305(kind (1) | data)
//
// Each direction has its own key, derived from the session key and the
// side's role in the handshake that made it (never from a caller's flag,
// so two ends can never seal under the same key), and a 64-bit record
// counter as the nonce, so a replayed, reordered, dropped or altered
// record fails authentication. Every [RekeyRecords] records a direction's
// key is replaced by one derived from it, so no key seals more than that
// many. A close record ends the stream; a stream that ends without one is
// truncated.
const (
	// MaxRecord is the largest plaintext of one record, in bytes.
	MaxRecord = 16 << 10

	recordData  = 0
	recordClose = 1
)

// RekeyRecords is how many records one key seals before both ends move on
// to the next key, derived from it.
const RekeyRecords = 1 << 24

// rekeyRecords is RekeyRecords, lowered by tests.
var rekeyRecords uint64 = RekeyRecords

// closeWait bounds how long Close waits to send the close record to a
// peer that does not read.
const closeWait = 2 * time.Second

// ErrTampered is matched by the error of a record that fails
// authentication: altered, replayed, reordered or dropped in transit.
var ErrTampered = errors.New("pairing: secure stream record fails authentication (tampered, replayed or reordered)")

// ErrTruncated is matched when the stream ends without its close record.
var ErrTruncated = errors.New("pairing: secure stream ended without a close record (truncated)")

// errSecured is the error of a second Secure on the same session.
var errSecured = errors.New("pairing: this session already secures a stream; a session key seals one stream only")

// session is the key material a handshake leaves a side with, for one
// secure stream.
type session struct {
	key       []byte
	initiator bool // the joiner of a pairing, the initiator of a reconnection
	used      atomic.Bool
}

// secure wraps rw in the stream this session keys, once.
func (s *session) secure(rw io.ReadWriter) (io.ReadWriteCloser, error) {
	if s == nil || len(s.key) == 0 {
		return nil, errors.New("pairing: no session")
	}
	if s.used.Swap(true) {
		return nil, errSecured
	}
	return newSecureConn(rw, s.key, s.initiator)
}

// direction is one direction's key schedule.
type direction struct {
	key  []byte
	aead cipher.AEAD
	seq  uint64
}

func newDirection(key []byte) direction {
	a, _ := chacha20poly1305.New(key)
	return direction{key: key, aead: a}
}

// next returns the nonce for the next record, moving to the next key
// every rekeyRecords records.
func (d *direction) next() ([]byte, error) {
	if d.seq == math.MaxUint64 {
		return nil, errors.New("pairing: secure stream record counter exhausted")
	}
	if d.seq > 0 && d.seq%rekeyRecords == 0 {
		k, err := hkdf.Key(sha512.New, d.key, nil, "warble stream v1 rekey", chacha20poly1305.KeySize)
		if err != nil {
			return nil, err
		}
		d.key = k
		d.aead, _ = chacha20poly1305.New(k)
	}
	n := nonce(d.seq)
	d.seq++
	return n, nil
}

type secureConn struct {
	rw     io.ReadWriter
	closed atomic.Bool // Close was called

	rmu   sync.Mutex
	in    direction
	rbuf  []byte
	rerr  error
	rhead [4]byte

	wmu       sync.Mutex
	out       direction
	wroteLast bool // the close record went out
}

// newSecureConn wraps rw, on which both sides hold the same 32-byte key,
// into an encrypted, authenticated stream; one side is the initiator, the
// other not. Read and Write may be used from two goroutines at once;
// Close sends the close record (waiting at most a moment for a peer that
// does not read) and closes rw if it is an [io.Closer]; a Close while a
// Write is blocked closes rw first, so the Write ends. The value also has
// CloseWrite() error, which sends the close record only.
func newSecureConn(rw io.ReadWriter, key []byte, initiator bool) (io.ReadWriteCloser, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("pairing: secure stream key is %d bytes, want 32", len(key))
	}
	i2r, err := hkdf.Key(sha512.New, key, nil, "warble stream v1 initiator", chacha20poly1305.KeySize)
	if err != nil {
		return nil, err
	}
	r2i, err := hkdf.Key(sha512.New, key, nil, "warble stream v1 responder", chacha20poly1305.KeySize)
	if err != nil {
		return nil, err
	}
	if !initiator {
		i2r, r2i = r2i, i2r
	}
	return &secureConn{rw: rw, out: newDirection(i2r), in: newDirection(r2i)}, nil
}

func nonce(seq uint64) []byte {
	n := make([]byte, chacha20poly1305.NonceSize)
	binary.BigEndian.PutUint64(n[4:], seq)
	return n
}

// sealRecord seals one record for writing; the caller holds wmu.
func (s *secureConn) sealRecord(kind byte, p []byte) ([]byte, error) {
	n, err := s.out.next()
	if err != nil {
		return nil, err
	}
	plain := make([]byte, 1+len(p))
	plain[0] = kind
	copy(plain[1:], p)
	buf := make([]byte, 4, 4+len(plain)+s.out.aead.Overhead())
	binary.BigEndian.PutUint32(buf, uint32(len(plain)+s.out.aead.Overhead()))
	var hdr [4]byte
	copy(hdr[:], buf)
	return s.out.aead.Seal(buf, n, plain, hdr[:]), nil
}

func (s *secureConn) writeRecord(kind byte, p []byte) error {
	buf, err := s.sealRecord(kind, p)
	if err != nil {
		return err
	}
	_, err = s.rw.Write(buf)
	return err
}

func (s *secureConn) Write(p []byte) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.wroteLast || s.closed.Load() {
		return 0, errors.New("pairing: write on closed secure stream")
	}
	n := 0
	for len(p) > 0 {
		chunk := p[:min(len(p), MaxRecord)]
		if err := s.writeRecord(recordData, chunk); err != nil {
			return n, err
		}
		n += len(chunk)
		p = p[len(chunk):]
	}
	return n, nil
}

func (s *secureConn) Read(p []byte) (int, error) {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	for len(s.rbuf) == 0 {
		if s.rerr != nil {
			return 0, s.rerr
		}
		s.rerr = s.readRecord()
	}
	n := copy(p, s.rbuf)
	s.rbuf = s.rbuf[n:]
	return n, nil
}

// readRecord reads one record into rbuf; it returns io.EOF after the close
// record.
func (s *secureConn) readRecord() error {
	if _, err := io.ReadFull(s.rw, s.rhead[:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return ErrTruncated
		}
		return err
	}
	n := binary.BigEndian.Uint32(s.rhead[:])
	if n < uint32(1+s.in.aead.Overhead()) || n > uint32(1+MaxRecord+s.in.aead.Overhead()) {
		return fmt.Errorf("%w: record length %d out of range", ErrTampered, n)
	}
	ct := make([]byte, n)
	if _, err := io.ReadFull(s.rw, ct); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return ErrTruncated
		}
		return err
	}
	seq := s.in.seq
	nc, err := s.in.next()
	if err != nil {
		return err
	}
	plain, err := s.in.aead.Open(ct[:0], nc, ct, s.rhead[:])
	if err != nil {
		return fmt.Errorf("%w: record %d", ErrTampered, seq)
	}
	switch plain[0] {
	case recordData:
		s.rbuf = plain[1:]
		return nil
	case recordClose:
		if len(plain) != 1 {
			return fmt.Errorf("%w: close record with data", ErrTampered)
		}
		return io.EOF
	}
	return fmt.Errorf("%w: record kind %d", ErrTampered, plain[0])
}

// CloseWrite sends the close record, so the peer reads io.EOF, and keeps
// the stream open for reading. The value [Result.Secure] returns has it.
func (s *secureConn) CloseWrite() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.wroteLast {
		return nil
	}
	s.wroteLast = true
	return s.writeRecord(recordClose, nil)
}

// Close sends the close record if no Write is under way, waiting at most
// closeWait for the transport to take it, then closes rw if it is an
// [io.Closer]. A Write blocked in the transport does not hold Close up: rw
// is closed first, which ends the Write.
func (s *secureConn) Close() error {
	c, canClose := s.rw.(io.Closer)
	if s.closed.Swap(true) {
		if canClose {
			return c.Close()
		}
		return nil
	}
	var err error
	if s.wmu.TryLock() {
		if !s.wroteLast {
			s.wroteLast = true
			err = s.sendBounded(c, canClose)
		}
		s.wmu.Unlock()
	}
	if canClose {
		if cerr := c.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// sendBounded writes the close record, giving up after closeWait (by
// closing rw) if the peer does not take it. The caller holds wmu.
func (s *secureConn) sendBounded(c io.Closer, canClose bool) error {
	buf, err := s.sealRecord(recordClose, nil)
	if err != nil {
		return err
	}
	if !canClose {
		_, err := s.rw.Write(buf)
		return err
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.rw.Write(buf)
		done <- err
	}()
	t := time.NewTimer(closeWait)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		c.Close()
		<-done
		return errors.New("pairing: the peer did not take the close record")
	}
}
