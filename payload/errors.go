package payload

import (
	"errors"
	"fmt"
)

// SyntaxError is malformed input: Format names the encoding (ndef, wifi,
// dpp, matter, bt-oob, ble-oob), Field the part that is wrong, and Offset
// the byte (or, for text forms, character) where it starts.
type SyntaxError struct {
	Format string
	Field  string
	Offset int
	Msg    string
	Err    error // a more precise cause, such as ErrInvalidValue; may be nil
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("payload: %s: %s at byte %d: %s", e.Format, e.Field, e.Offset, e.Msg)
}

// Unwrap lets errors.Is find ErrSyntax, and Err when it is set.
func (e *SyntaxError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrSyntax}
	}
	return []error{ErrSyntax, e.Err}
}

var (
	// ErrSyntax is wrapped by every [*SyntaxError].
	ErrSyntax = errors.New("payload: malformed input")
	// ErrMissingPart is a message split across frames with a part missing.
	ErrMissingPart = errors.New("payload: part of a chunked message is missing")
	// ErrInvalidValue is a well-formed field with a value its
	// specification forbids (a Matter passcode, a key not on its curve).
	ErrInvalidValue = errors.New("payload: invalid value")
	// ErrTooLong is a payload too long for its encoding.
	ErrTooLong = errors.New("payload: too long")
)

func synErr(format, field string, off int, msg string, args ...any) error {
	return &SyntaxError{Format: format, Field: field, Offset: off, Msg: fmt.Sprintf(msg, args...)}
}

func valErr(format, field string, off int, msg string, args ...any) error {
	return &SyntaxError{Format: format, Field: field, Offset: off, Msg: fmt.Sprintf(msg, args...), Err: ErrInvalidValue}
}
