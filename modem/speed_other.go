//go:build !amd64

package modem

// bandEnergies sets row[j] = |buf[idx[j]]|² and returns the sum and the
// largest of them (at least 0). Every idx[j] must be below len(buf).
func bandEnergies(row []float32, buf []complex64, idx []int32) (sum, mx float32) {
	idx = idx[:len(row)]
	for j, i := range idx {
		v := buf[i]
		e := real(v)*real(v) + imag(v)*imag(v)
		row[j] = e
		sum += e
		if e > mx {
			mx = e
		}
	}
	return sum, mx
}

// scaleClip sets row[j] *= inv and clipped[j] = min(row[j], clip); clipped
// holds at least len(row).
func scaleClip(row, clipped []float32, inv, clip float32) {
	clipped = clipped[:len(row)]
	for j := range row {
		e := row[j] * inv
		row[j] = e
		if e > clip {
			e = clip
		}
		clipped[j] = e
	}
}
