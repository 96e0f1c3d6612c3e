package modem

// resize returns s with length n, reusing its array when it has room and
// otherwise growing it, keeping s's elements. The elements past the old
// length are not cleared when the array is reused: callers overwrite them.
func resize[S ~[]E, E any](s S, n int) S {
	if cap(s) < n {
		s = append(s[:cap(s)], make(S, n-cap(s))...)
	}
	return s[:n]
}
