package modem

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors for [errors.Is]: every error of the matching type below
// is one of these.
var (
	// ErrUnknownProfile: no profile has the name asked for.
	ErrUnknownProfile = errors.New("modem: unknown profile")
	// ErrUnsupportedRate: the sample rate is out of range, or no profile
	// asked for fits it.
	ErrUnsupportedRate = errors.New("modem: unsupported sample rate")
	// ErrPayloadLength: a payload is empty or longer than the profile
	// carries.
	ErrPayloadLength = errors.New("modem: payload length out of range")
)

// UnknownProfileError is returned by [Lookup] for a name no profile has.
type UnknownProfileError struct {
	Name  string   // the name asked for
	Known []string // every profile name, in the order of [Lookup]'s search
}

func (e *UnknownProfileError) Error() string {
	return fmt.Sprintf("modem: unknown profile %q (have %s)", e.Name, strings.Join(e.Known, ", "))
}

// Is reports whether target is [ErrUnknownProfile].
func (e *UnknownProfileError) Is(target error) bool { return target == ErrUnknownProfile }

// RateError is returned for a sample rate the modem cannot work at: outside
// Min..Max Hz, or, when NoProfile is set, one that none of the profiles a
// [Receiver] was asked for fits.
type RateError struct {
	Rate      int // sample rate, Hz
	Min, Max  int // range of sample rates the modem takes, Hz
	NoProfile bool
}

func (e *RateError) Error() string {
	if e.NoProfile {
		return fmt.Sprintf("modem: no profile fits a sample rate of %d Hz", e.Rate)
	}
	return fmt.Sprintf("modem: sample rate %d Hz is outside %d..%d", e.Rate, e.Min, e.Max)
}

// Is reports whether target is [ErrUnsupportedRate].
func (e *RateError) Is(target error) bool { return target == ErrUnsupportedRate }

// Sample rates the modem takes, Hz.
const (
	minRate = 8000
	maxRate = 192000
)

// checkRate returns a [*RateError] if rate is outside minRate..maxRate.
func checkRate(rate int) error {
	if rate < minRate || rate > maxRate {
		return &RateError{Rate: rate, Min: minRate, Max: maxRate}
	}
	return nil
}

// PayloadLengthError is returned for a payload of Len bytes where a profile
// carries 1..Max.
type PayloadLengthError struct {
	Len, Max int
}

func (e *PayloadLengthError) Error() string {
	return fmt.Sprintf("modem: payload of %d bytes is outside 1..%d", e.Len, e.Max)
}

// Is reports whether target is [ErrPayloadLength].
func (e *PayloadLengthError) Is(target error) bool { return target == ErrPayloadLength }

// checkPayload returns a [*PayloadLengthError] if n is outside 1..max.
func checkPayload(n, max int) error {
	if n < 1 || n > max {
		return &PayloadLengthError{Len: n, Max: max}
	}
	return nil
}
