package optical

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // camera frames
	_ "image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Trace is a light sensor's readings: V[i] was read at T[i] seconds by the
// sensor's clock. Times must not decrease; the sample rate may vary.
type Trace struct {
	T, V []float64
}

// ErrTrace is wrapped by every error about malformed trace input.
var ErrTrace = errors.New("optical: bad trace")

// TraceError reports malformed trace input and where it is.
type TraceError struct {
	Where string // "line 12", "frame0042.png", …
	Msg   string
}

func (e *TraceError) Error() string {
	if e.Where == "" {
		return "optical: bad trace: " + e.Msg
	}
	return "optical: bad trace: " + e.Where + ": " + e.Msg
}

// Unwrap makes errors.Is(err, ErrTrace) hold.
func (e *TraceError) Unwrap() error { return ErrTrace }

func traceErr(where, format string, args ...any) error {
	return &TraceError{Where: where, Msg: fmt.Sprintf(format, args...)}
}

// maxSamples bounds the traces read, about 2.8 hours at 1 kHz.
const maxSamples = 10_000_000

func (tr Trace) check() error {
	if len(tr.T) != len(tr.V) {
		return traceErr("", "%d times but %d values", len(tr.T), len(tr.V))
	}
	if len(tr.T) < 2 {
		return traceErr("", "%d samples, need at least 2", len(tr.T))
	}
	for i := range tr.T {
		if math.IsNaN(tr.T[i]) || math.IsInf(tr.T[i], 0) || math.IsNaN(tr.V[i]) || math.IsInf(tr.V[i], 0) {
			return traceErr(fmt.Sprintf("sample %d", i+1), "not a finite number")
		}
		if i > 0 && tr.T[i] < tr.T[i-1] {
			return traceErr(fmt.Sprintf("sample %d", i+1), "time %g s is before the previous %g s", tr.T[i], tr.T[i-1])
		}
	}
	if !(tr.T[len(tr.T)-1] > tr.T[0]) {
		return traceErr("", "all samples have the same time")
	}
	return nil
}

// ReadTrace reads a CSV trace: one "t,value" line per sample, t in seconds,
// values in any unit. Fields may also be separated by a semicolon, a tab or
// spaces. A first line that is not two numbers is taken as a header; blank
// lines and lines starting with # are skipped.
func ReadTrace(r io.Reader) (Trace, error) {
	var tr Trace
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<16)
	line, header := 0, false
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if line == 1 {
			s = strings.TrimPrefix(s, "\ufeff")
		}
		if s == "" || s[0] == '#' {
			continue
		}
		f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\t' || r == ' ' })
		where := fmt.Sprintf("line %d", line)
		var t, v float64
		var errT, errV error
		if len(f) == 2 {
			t, errT = strconv.ParseFloat(f[0], 64)
			v, errV = strconv.ParseFloat(f[1], 64)
		}
		if len(f) != 2 || errT != nil || errV != nil {
			if !header && len(tr.T) == 0 {
				header = true
				continue
			}
			if len(f) != 2 {
				return Trace{}, traceErr(where, "want 2 fields (t,value), got %d", len(f))
			}
			return Trace{}, traceErr(where, "%.40q is not a time and a value", s)
		}
		if math.IsNaN(t) || math.IsInf(t, 0) || math.IsNaN(v) || math.IsInf(v, 0) {
			return Trace{}, traceErr(where, "%q is not finite", s)
		}
		if n := len(tr.T); n > 0 && t < tr.T[n-1] {
			return Trace{}, traceErr(where, "time %g s is before the previous %g s", t, tr.T[n-1])
		}
		if len(tr.T) == maxSamples {
			return Trace{}, traceErr(where, "more than %d samples", maxSamples)
		}
		tr.T = append(tr.T, t)
		tr.V = append(tr.V, v)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return Trace{}, traceErr(fmt.Sprintf("line %d", line+1), "line too long")
		}
		return Trace{}, err
	}
	if err := tr.check(); err != nil {
		return Trace{}, err
	}
	return tr, nil
}

// ReadFrames reads a folder of camera frames (PNG or JPEG, in the order of
// their names, numbers compared by value) taken at fps frames per second.
// Each frame is cut into a 16×16 grid of blocks; the trace is the mean
// linear luminance of the blocks that vary most over time, those with a
// standard deviation of at least half the largest.
func ReadFrames(dir string, fps float64) (Trace, error) {
	if !(fps > 0 && fps <= 10000) {
		return Trace{}, fmt.Errorf("optical: frame rate %g is outside 0..10000", fps)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return Trace{}, err
	}
	var names []string
	for _, e := range ents {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".png", ".jpg", ".jpeg":
			if !e.IsDir() {
				names = append(names, e.Name())
			}
		}
	}
	if len(names) < 2 {
		return Trace{}, traceErr(dir, "%d PNG or JPEG frames, need at least 2", len(names))
	}
	if len(names) > maxSamples {
		return Trace{}, traceErr(dir, "more than %d frames", maxSamples)
	}
	sort.Slice(names, func(i, j int) bool { return naturalLess(names[i], names[j]) })
	const grid = 16
	var blocks [][grid * grid]float64
	var size image.Point
	for i, name := range names {
		b, sz, err := frameBlocks(filepath.Join(dir, name), grid)
		if err != nil {
			return Trace{}, traceErr(name, "%v", err)
		}
		if i == 0 {
			size = sz
		} else if sz != size {
			return Trace{}, traceErr(name, "frame is %dx%d, the first was %dx%d", sz.X, sz.Y, size.X, size.Y)
		}
		blocks = append(blocks, b)
	}
	var sd [grid * grid]float64
	top := 0.0
	for k := range sd {
		var s, ss float64
		for _, b := range blocks {
			s += b[k]
			ss += b[k] * b[k]
		}
		n := float64(len(blocks))
		sd[k] = math.Sqrt(max(0, ss/n-(s/n)*(s/n)))
		top = max(top, sd[k])
	}
	tr := Trace{T: make([]float64, len(blocks)), V: make([]float64, len(blocks))}
	for i, b := range blocks {
		var s float64
		var n int
		for k, v := range b {
			if sd[k] >= 0.5*top {
				s += v
				n++
			}
		}
		tr.T[i] = float64(i) / fps
		tr.V[i] = s / float64(n)
	}
	return tr, nil
}

// frameBlocks returns the mean linear luminance of each block of a grid×grid
// division of the image in file.
func frameBlocks(file string, grid int) (out [16 * 16]float64, size image.Point, err error) {
	f, err := os.Open(file)
	if err != nil {
		return out, size, err
	}
	defer f.Close()
	img, _, err := image.Decode(bufio.NewReader(f))
	if err != nil {
		return out, size, fmt.Errorf("not a PNG or JPEG image: %v", err)
	}
	r := img.Bounds()
	size = r.Size()
	if size.X < grid || size.Y < grid {
		return out, size, fmt.Errorf("frame is %dx%d, need at least %dx%d", size.X, size.Y, grid, grid)
	}
	var cnt [16 * 16]int
	// Sample at most about 256×256 pixels.
	sx, sy := max(1, size.X/256), max(1, size.Y/256)
	for y := r.Min.Y; y < r.Max.Y; y += sy {
		by := (y - r.Min.Y) * grid / size.Y
		for x := r.Min.X; x < r.Max.X; x += sx {
			bx := (x - r.Min.X) * grid / size.X
			cr, cg, cb, _ := img.At(x, y).RGBA()
			l := 0.2126*srgbLinear[cr>>8] + 0.7152*srgbLinear[cg>>8] + 0.0722*srgbLinear[cb>>8]
			out[by*grid+bx] += l
			cnt[by*grid+bx]++
		}
	}
	for k := range grid * grid {
		if cnt[k] > 0 {
			out[k] /= float64(cnt[k])
		}
	}
	return out, size, nil
}

// srgbLinear maps an 8-bit sRGB value to linear light.
var srgbLinear = func() (t [256]float64) {
	for i := range t {
		c := float64(i) / 255
		if c <= 0.04045 {
			t[i] = c / 12.92
		} else {
			t[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return t
}()

// naturalLess orders names with runs of digits compared by value, so
// frame9.png comes before frame10.png.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na := strings.TrimLeft(a[:da], "0")
			nb := strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func digitRun(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// DecodeTrace reads a CSV trace from r (see [ReadTrace]) and decodes it with
// every profile, for a display refreshing at refreshHz.
func DecodeTrace(r io.Reader, refreshHz float64) ([]Frame, error) {
	tr, err := ReadTrace(r)
	if err != nil {
		return nil, err
	}
	return Decode(tr, refreshHz)
}
