//go:build !cgo

package audio

import "context"

// Devices returns [ErrNoCgo]: this build has no sound devices.
func Devices() ([]Device, error) { return nil, ErrNoCgo }

// Play returns [ErrNoCgo]: this build has no sound devices.
func Play(ctx context.Context, samples []float32, rateHz int, opts PlayOptions) error {
	return &DeviceError{Device: opts.Device, Err: ErrNoCgo}
}

// OpenCapture returns [ErrNoCgo]: this build has no sound devices.
func OpenCapture(opts CaptureOptions) (*Capture, error) {
	return nil, &DeviceError{Device: opts.Device, Input: true, Err: ErrNoCgo}
}
