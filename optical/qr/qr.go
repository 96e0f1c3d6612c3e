// Package qr writes and reads QR codes carrying a string, such as a warble
// pairing URI: [PNG] and [Terminal] encode with github.com/skip2/go-qrcode,
// [Decode] reads with github.com/makiuchi-d/gozxing, first with its hybrid
// (local threshold) binarizer and then, for images that defeat it, with its
// global-histogram binarizer. The functions are safe for concurrent use.
package qr

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // readable inputs
	_ "image/jpeg"
	_ "image/png"
	"io"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	qrcode "github.com/skip2/go-qrcode"
)

// MaxText is the longest text encoded, in bytes, at medium error correction.
const MaxText = 2331

// ErrNotFound is returned when an image holds no readable QR code.
var ErrNotFound = errors.New("qr: no QR code found")

func code(text string) (*qrcode.QRCode, error) {
	if text == "" {
		return nil, errors.New("qr: text is empty")
	}
	if len(text) > MaxText {
		return nil, fmt.Errorf("qr: text is %d bytes, at most %d fit", len(text), MaxText)
	}
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	return q, nil
}

// PNG returns a PNG image of text as a QR code, size pixels square (at
// least 21 times 1 module per pixel, with the quiet zone; go-qrcode grows
// smaller sizes to fit).
func PNG(text string, size int) ([]byte, error) {
	if size < 1 || size > 8192 {
		return nil, fmt.Errorf("qr: size %d is outside 1..8192", size)
	}
	q, err := code(text)
	if err != nil {
		return nil, err
	}
	return q.PNG(size)
}

// Terminal returns text as a QR code drawn with Unicode half blocks, two
// modules per character cell, dark on a light terminal background.
func Terminal(text string) (string, error) {
	q, err := code(text)
	if err != nil {
		return "", err
	}
	return q.ToSmallString(false), nil
}

// Decode reads the QR code in the image from r (PNG, JPEG or GIF).
func Decode(r io.Reader) (string, error) {
	img, _, err := image.Decode(r)
	if err != nil {
		return "", fmt.Errorf("qr: not a PNG, JPEG or GIF image: %w", err)
	}
	return DecodeImage(img)
}

// DecodeBytes is [Decode] of an image held in memory.
func DecodeBytes(b []byte) (string, error) { return Decode(bytes.NewReader(b)) }

// DecodeImage reads the QR code in img.
func DecodeImage(img image.Image) (string, error) {
	src := gozxing.NewLuminanceSourceFromImage(img)
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	var lastErr error
	for _, bin := range []gozxing.Binarizer{gozxing.NewHybridBinarizer(src), gozxing.NewGlobalHistgramBinarizer(src)} {
		bmp, err := gozxing.NewBinaryBitmap(bin)
		if err != nil {
			lastErr = err
			continue
		}
		res, err := zxqr.NewQRCodeReader().Decode(bmp, hints)
		if err == nil {
			return res.GetText(), nil
		}
		lastErr = err
	}
	return "", fmt.Errorf("%w (%v)", ErrNotFound, lastErr)
}
