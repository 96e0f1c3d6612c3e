package modem

// bandEnergies sets row[j] = |buf[idx[j]]|² and returns the sum and the
// largest of them (at least 0). Every idx[j] must be below len(buf): the
// lane builds idx from its FFT's bins once.
func bandEnergies(row []float32, buf []complex64, idx []int32) (sum, mx float32) {
	return bandEnergiesSSE(row, buf, idx[:len(row)])
}

// scaleClip sets row[j] *= inv and clipped[j] = min(row[j], clip); clipped
// holds at least len(row).
func scaleClip(row, clipped []float32, inv, clip float32) {
	scaleClipSSE(row, clipped[:len(row)], inv, clip)
}

//go:noescape
func bandEnergiesSSE(row []float32, buf []complex64, idx []int32) (sum, mx float32)

//go:noescape
func scaleClipSSE(row, clipped []float32, inv, clip float32)
