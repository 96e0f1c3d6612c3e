package pairing

import (
	"crypto/sha512"
	"encoding/binary"
	"errors"

	"github.com/gtank/ristretto255"
)

// This file is CPace on ristretto255 with SHA-512, as draft-irtf-cfrg-cpace
// defines it: the generator from the password-related string, the
// messages, and the intermediate session key ISK for the
// initiator-responder setting. Names follow the draft.

const (
	cpaceDSI       = "CPaceRistretto255"
	cpaceSInBytes  = 128 // SHA-512 input block size
	cpacePointSize = 32
)

// errIdentityPoint is the abort of scalar_mult_vfy: a received point that
// is invalid or makes the neutral element.
var errIdentityPoint = errors.New("pairing: peer sent an invalid CPace point")

// prependLen is the draft's prepend_len: the LEB128 length, then data.
func prependLen(dst, data []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(data)))
	return append(dst, data...)
}

// lvCat is the draft's lv_cat: each argument with prependLen.
func lvCat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = prependLen(out, p)
	}
	return out
}

// generatorString is the draft's generator_string(DSI, PRS, CI, sid, s_in_bytes).
func generatorString(dsi, prs, ci, sid []byte, sInBytes int) []byte {
	zpad := sInBytes - len(prependLen(nil, prs)) - len(prependLen(nil, dsi)) - 1
	if zpad < 0 {
		zpad = 0
	}
	return lvCat(dsi, prs, make([]byte, zpad), ci, sid)
}

// cpaceGenerator is calculate_generator for ristretto255: the element
// derived from the 64-byte SHA-512 of the generator string.
func cpaceGenerator(prs, ci, sid []byte) *ristretto255.Element {
	h := sha512.Sum512(generatorString([]byte(cpaceDSI), prs, ci, sid, cpaceSInBytes))
	return ristretto255.NewElement().FromUniformBytes(h[:])
}

// cpaceScalarMultVfy is scalar_mult_vfy: decode the point, multiply, and
// abort on a bad encoding or the neutral element.
func cpaceScalarMultVfy(y *ristretto255.Scalar, enc []byte) ([]byte, error) {
	if len(enc) != cpacePointSize {
		return nil, errIdentityPoint
	}
	p := ristretto255.NewElement()
	if err := p.Decode(enc); err != nil {
		return nil, errIdentityPoint
	}
	k := ristretto255.NewElement().ScalarMult(y, p)
	if k.Equal(ristretto255.NewElement().Zero()) == 1 {
		return nil, errIdentityPoint
	}
	return k.Encode(nil), nil
}

// transcriptIR is transcript_ir(Ya, ADa, Yb, ADb).
func transcriptIR(ya, ada, yb, adb []byte) []byte {
	return append(lvCat(ya, ada), lvCat(yb, adb)...)
}

// cpaceISK is the ISK for the initiator-responder setting:
// H(lv_cat(DSI || "_ISK", sid, K) || transcript_ir(Ya, ADa, Yb, ADb)).
func cpaceISK(sid, k, ya, ada, yb, adb []byte) [64]byte {
	h := sha512.New()
	h.Write(lvCat([]byte(cpaceDSI+"_ISK"), sid, k))
	h.Write(transcriptIR(ya, ada, yb, adb))
	var out [64]byte
	h.Sum(out[:0])
	return out
}
