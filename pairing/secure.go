package pairing

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"golang.org/x/crypto/chacha20poly1305"
)

// A secure stream carries records:
//
//	length (4, big endian) | ChaCha20-Poly1305(kind (1) | data)
//
// Each direction has its own key, derived from the session key, and a
// 64-bit record counter as the nonce, so a replayed, reordered, dropped or
// altered record fails authentication. A close record ends the stream; a
// stream that ends without one is truncated.
const (
	// MaxRecord is the largest plaintext of one record, in bytes.
	MaxRecord = 16 << 10

	recordData  = 0
	recordClose = 1
)

// ErrTampered is matched by the error of a record that fails
// authentication: altered, replayed, reordered or dropped in transit.
var ErrTampered = errors.New("pairing: secure stream record fails authentication (tampered, replayed or reordered)")

// ErrTruncated is matched when the stream ends without its close record.
var ErrTruncated = errors.New("pairing: secure stream ended without a close record (truncated)")

type secureConn struct {
	rw io.ReadWriter

	rmu   sync.Mutex
	open  cipher.AEAD
	rseq  uint64
	rbuf  []byte
	rerr  error
	rhead [4]byte

	wmu    sync.Mutex
	seal   cipher.AEAD
	wseq   uint64
	closed bool
}

// SecureConn wraps rw, on which both sides hold the same 32-byte key (a
// [Result.SessionKey] or a [Reconnect] key), into an encrypted,
// authenticated stream. One side passes initiator true, the other false.
// Read and Write may be used from two goroutines at once; Close sends the
// close record and closes rw if it is an [io.Closer]. The value also has
// CloseWrite() error, which sends the close record only.
func SecureConn(rw io.ReadWriter, key []byte, initiator bool) (io.ReadWriteCloser, error) {
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
	s := &secureConn{rw: rw}
	s.seal, _ = chacha20poly1305.New(i2r)
	s.open, _ = chacha20poly1305.New(r2i)
	return s, nil
}

func nonce(seq uint64) []byte {
	n := make([]byte, chacha20poly1305.NonceSize)
	binary.BigEndian.PutUint64(n[4:], seq)
	return n
}

func (s *secureConn) writeRecord(kind byte, p []byte) error {
	plain := make([]byte, 1+len(p))
	plain[0] = kind
	copy(plain[1:], p)
	buf := make([]byte, 4, 4+len(plain)+s.seal.Overhead())
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(plain)+s.seal.Overhead()))
	copy(buf, hdr[:])
	buf = s.seal.Seal(buf, nonce(s.wseq), plain, hdr[:])
	s.wseq++
	_, err := s.rw.Write(buf)
	return err
}

func (s *secureConn) Write(p []byte) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
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
	if n < uint32(1+s.open.Overhead()) || n > uint32(1+MaxRecord+s.open.Overhead()) {
		return fmt.Errorf("%w: record length %d out of range", ErrTampered, n)
	}
	ct := make([]byte, n)
	if _, err := io.ReadFull(s.rw, ct); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return ErrTruncated
		}
		return err
	}
	plain, err := s.open.Open(ct[:0], nonce(s.rseq), ct, s.rhead[:])
	if err != nil {
		return fmt.Errorf("%w: record %d", ErrTampered, s.rseq)
	}
	s.rseq++
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
// the stream open for reading. The value [SecureConn] returns has it.
func (s *secureConn) CloseWrite() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.writeRecord(recordClose, nil)
}

func (s *secureConn) Close() error {
	err := s.CloseWrite()
	if c, ok := s.rw.(io.Closer); ok {
		if cerr := c.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
