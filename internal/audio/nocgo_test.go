//go:build !cgo

package audio

import (
	"context"
	"errors"
	"testing"
)

func TestWithoutCgo(t *testing.T) {
	if _, err := Devices(); !errors.Is(err, ErrNoCgo) {
		t.Errorf("Devices: %v, want ErrNoCgo", err)
	}
	if err := Play(context.Background(), nil, 48000, PlayOptions{}); !errors.Is(err, ErrNoCgo) {
		t.Errorf("Play: %v, want ErrNoCgo", err)
	}
	if _, err := OpenCapture(CaptureOptions{}); !errors.Is(err, ErrNoCgo) {
		t.Errorf("OpenCapture: %v, want ErrNoCgo", err)
	}
}
