package channel

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SpeedOfSound is the speed of sound in air at about 20 °C, in m/s, used for
// every propagation delay in a [Room].
const SpeedOfSound = 343.0

// Room is a shoebox room: a rectangular box whose six walls reflect sound
// with one frequency-independent pressure reflection coefficient, chosen so
// that the room's reverberation time is RT60. Rooms are simulated by the
// image-source method (Allen and Berkley, 1979): every mirror image of the
// source in the walls is a point source of amplitude
//
//	a = β^k / r
//
// where β is the reflection coefficient, k the number of walls the path
// crosses and r the image's distance to the microphone (1/r spreading, no air
// absorption), arriving after r / [SpeedOfSound] seconds. Each image is
// placed at its exact fractional delay by a windowed-sinc kernel.
//
// β starts from Eyring's formula,
//
//	RT60 = 0.161·V / (−S·ln(1−α)),   β = sqrt(1−α),
//
// for volume V and surface S, and is then refined until the reverberation
// time of the generated response, measured by Schroeder backward integration
// (T20, from −5 to −25 dB), is within 2% of RT60. Every response is
// highpassed at 20 Hz (4th-order Butterworth), as Allen and Berkley advise:
// the images all have positive amplitudes and would otherwise pile up into
// a slowly decaying offset that no loudspeaker radiates. (Eyring alone overshoots in
// a mirror-image room, whose perfectly specular walls never diffuse the
// sound.)
//
// A Room is a plain value and safe for concurrent use.
type Room struct {
	Name  string        // e.g. "living-room"; free text, only for display
	SizeM [3]float64    // length, width and height, in metres
	RT60  time.Duration // reverberation time (60 dB decay)
}

// The named rooms of warble's range benchmark.
var (
	SmallOffice = Room{Name: "small-office", SizeM: [3]float64{4, 3, 2.7}, RT60: 400 * time.Millisecond}
	LivingRoom  = Room{Name: "living-room", SizeM: [3]float64{6, 5, 2.6}, RT60: 600 * time.Millisecond}
	Hall        = Room{Name: "hall", SizeM: [3]float64{12, 10, 4}, RT60: time.Second}
)

// Rooms returns the named rooms, smallest first.
func Rooms() []Room { return []Room{SmallOffice, LivingRoom, Hall} }

// LookupRoom returns the named room called name.
func LookupRoom(name string) (Room, error) {
	var names []string
	for _, r := range Rooms() {
		if r.Name == name {
			return r, nil
		}
		names = append(names, r.Name)
	}
	return Room{}, fmt.Errorf("channel: no room named %q (have %s)", name, strings.Join(names, ", "))
}

// ParseRoomSize parses a room size written LxWxH in metres, such as
// "5x4x2.5".
func ParseRoomSize(s string) ([3]float64, error) {
	var size [3]float64
	parts := strings.Split(strings.ToLower(s), "x")
	if len(parts) != 3 {
		return size, fmt.Errorf("channel: room size %q is not LxWxH in metres", s)
	}
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return size, fmt.Errorf("channel: room size %q is not LxWxH in metres", s)
		}
		size[i] = v
	}
	return size, nil
}

// Bounds on rooms, so that a simulation stays meaningful and affordable.
const (
	minRoomM       = 1.5
	maxRoomM       = 100
	maxRT60        = 3 * time.Second
	maxImages      = 4_000_000 // image sources within the response length
	minRT60        = 50 * time.Millisecond
	roomHighPassHz = 20   // corner of the highpass on every room response
	placeWallM     = 0.5  // the source's distance from its wall
	farMarginM     = 0.25 // the nearest the microphone comes to the far wall
	micRiseM       = 0.2  // the microphone sits this much higher than the source
	sourceHighM    = 1.0  // the source's height (for a room at least 2.2 m high)
)

// Validate reports whether r can be simulated, naming the first bad value.
func (r Room) Validate() error {
	for i, v := range r.SizeM {
		if !(v >= minRoomM && v <= maxRoomM) {
			return fmt.Errorf("channel: room %s: %s %v m is outside %v … %v m", r.label(), [3]string{"length", "width", "height"}[i], v, minRoomM, maxRoomM)
		}
	}
	if r.RT60 < minRT60 || r.RT60 > maxRT60 {
		return fmt.Errorf("channel: room %s: RT60 %v is outside %v … %v", r.label(), r.RT60, minRT60, maxRT60)
	}
	v := r.volume()
	reach := SpeedOfSound * r.RT60.Seconds()
	if n := 4.0 / 3 * math.Pi * reach * reach * reach / v; n > maxImages {
		return fmt.Errorf("channel: room %s: RT60 %v needs %.2g image sources (limit %.2g); shorten RT60 or enlarge the room", r.label(), r.RT60, n, float64(maxImages))
	}
	return nil
}

func (r Room) label() string {
	dims := fmt.Sprintf("%gx%gx%g", r.SizeM[0], r.SizeM[1], r.SizeM[2])
	if r.Name == "" {
		return dims
	}
	return r.Name + " (" + dims + ")"
}

func (r Room) String() string { return fmt.Sprintf("%s, RT60 %v", r.label(), r.RT60) }

func (r Room) volume() float64 { return r.SizeM[0] * r.SizeM[1] * r.SizeM[2] }

func (r Room) surface() float64 {
	x, y, z := r.SizeM[0], r.SizeM[1], r.SizeM[2]
	return 2 * (x*y + x*z + y*z)
}

// eyringAlpha is the absorption coefficient Eyring's formula gives.
func eyringAlpha(v, s, rt60 float64) float64 {
	return 1 - math.Exp(-0.161*v/(s*rt60))
}

// axes returns the indices of the room's long and short horizontal axes.
func (r Room) axes() (long, short int) {
	if r.SizeM[1] > r.SizeM[0] {
		return 1, 0
	}
	return 0, 1
}

// MaxDistanceM returns the farthest the microphone can be from the source
// (see [Room.Positions]): a quarter metre short of the far wall.
func (r Room) MaxDistanceM() float64 {
	long, _ := r.axes()
	run := r.SizeM[long] - placeWallM - farMarginM
	return math.Hypot(run, r.rise())
}

// rise is how much higher the microphone is than the source.
func (r Room) rise() float64 {
	src, mic := r.heights()
	return mic - src
}

func (r Room) heights() (src, mic float64) {
	h := r.SizeM[2]
	if h >= 2.2 {
		return sourceHighM, sourceHighM + micRiseM
	}
	return 0.45 * h, 0.45*h + micRiseM*h/2.2
}

// Positions returns where the source and the microphone stand for a
// distance of distanceM metres between them. The source is half a metre
// from the wall at one end of the room's long axis, 1.0 m high and at 40% of
// the room's width (off its symmetry lines); the microphone faces it along
// the long axis at the same 40% of the width, 0.2 m higher (rooms lower than
// 2.2 m scale both heights). distanceM must lie in [0.25, MaxDistanceM].
func (r Room) Positions(distanceM float64) (src, mic [3]float64, err error) {
	if err := r.Validate(); err != nil {
		return src, mic, err
	}
	rise := r.rise()
	lo := math.Max(0.25, rise)
	if !(distanceM >= lo && distanceM <= r.MaxDistanceM()) {
		return src, mic, fmt.Errorf("channel: distance %v m is outside %.2f … %.2f m in room %s", distanceM, lo, r.MaxDistanceM(), r.label())
	}
	long, short := r.axes()
	hs, hm := r.heights()
	src[long], src[short], src[2] = placeWallM, 0.4*r.SizeM[short], hs
	mic = src
	mic[long] += math.Sqrt(distanceM*distanceM - rise*rise)
	mic[2] = hm
	return src, mic, nil
}

// image is one image source: its delay in samples, its distance in metres
// and the number of wall reflections on its path.
type image struct {
	delay float64
	dist  float64
	order int32
}

// images lists every image source of src heard at mic within n samples at
// fs Hz, with the highest reflection order among them.
func (r Room) images(src, mic [3]float64, fs float64, n int) ([]image, int) {
	reach := float64(n) / fs * SpeedOfSound // farthest image distance
	var lim [3]int
	for i, l := range r.SizeM {
		lim[i] = int(math.Ceil(reach/(2*l))) + 1
	}
	var out []image
	maxOrder := 0
	// Per axis: image coordinate (1−2q)·s + 2·m·L, crossing |m−q| + |m| walls
	// (q ∈ {0, 1}: mirrored or not; m: which period of the mirror lattice).
	type axisImage struct {
		d     float64 // offset from the microphone along the axis
		order int
	}
	var axis [3][]axisImage
	for i, l := range r.SizeM {
		for m := -lim[i]; m <= lim[i]; m++ {
			for q := 0; q <= 1; q++ {
				c := float64(1-2*q)*src[i] + 2*float64(m)*l
				d := c - mic[i]
				if math.Abs(d) > reach+l {
					continue
				}
				axis[i] = append(axis[i], axisImage{d, iabs(m-q) + iabs(m)})
			}
		}
	}
	r2 := reach * reach
	for _, a := range axis[0] {
		for _, b := range axis[1] {
			ab := a.d*a.d + b.d*b.d
			if ab > r2 {
				continue
			}
			for _, c := range axis[2] {
				d2 := ab + c.d*c.d
				if d2 > r2 {
					continue
				}
				dist := math.Sqrt(d2)
				k := a.order + b.order + c.order
				maxOrder = max(maxOrder, k)
				out = append(out, image{dist / SpeedOfSound * fs, dist, int32(k)})
			}
		}
	}
	return out, maxOrder
}

func iabs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// fracTable is the fractional-delay kernel that places each image: a
// Kaiser-windowed sinc (β = 8, 16 taps each side, cutoff 0.9 of Nyquist)
// tabulated at 256 fractional offsets and normalised to unit DC gain. Row
// p, tap k is the kernel's value at (k − fracHalf + 1) − p/fracPhases.
const (
	fracHalf   = 16
	fracPhases = 256
	fracBeta   = 8.0
	fracCutoff = 0.9
)

var fracTable = sync.OnceValue(func() []float32 {
	taps := 2 * fracHalf
	coef := make([]float32, (fracPhases+1)*taps)
	i0 := besselI0(fracBeta)
	row := make([]float64, taps)
	for p := 0; p <= fracPhases; p++ {
		frac := float64(p) / fracPhases
		var sum float64
		for k := range row {
			tau := float64(k-fracHalf+1) - frac
			u := tau / fracHalf
			var h float64
			if math.Abs(u) < 1 {
				h = fracCutoff * sinc(fracCutoff*tau) * besselI0(fracBeta*math.Sqrt(1-u*u)) / i0
			}
			row[k] = h
			sum += h
		}
		for k, h := range row {
			coef[p*taps+k] = float32(h / sum)
		}
	}
	return coef
})

// render returns the impulse response of n samples made by the images with
// reflection coefficient beta, amplitudes relative to a source heard at
// 1 m. Taps that would fall before index 0 are dropped.
func render(ims []image, maxOrder int, beta float64, n int) []float32 {
	pow := powers(beta, maxOrder)
	tab := fracTable()
	taps := 2 * fracHalf
	h := make([]float32, n)
	for _, im := range ims {
		a := float32(pow[im.order] / im.dist)
		fl := math.Floor(im.delay)
		p := int(math.Round((im.delay - fl) * fracPhases))
		row := tab[p*taps : (p+1)*taps]
		start := int(fl) - fracHalf + 1
		lo, hi := max(0, -start), min(taps, n-start)
		for k := lo; k < hi; k++ {
			h[start+k] += a * row[k]
		}
	}
	return h
}

func powers(beta float64, n int) []float64 {
	pow := make([]float64, n+1)
	pow[0] = 1
	for k := 1; k <= n; k++ {
		pow[k] = pow[k-1] * beta
	}
	return pow
}

// energyDecay returns the reverberation time (T20 of the Schroeder curve) of
// the response the images make with reflection coefficient beta, from the
// energy each image brings to its arrival sample.
func energyDecay(ims []image, maxOrder int, beta, fs float64, n int) float64 {
	pow := powers(beta*beta, maxOrder)
	e := make([]float64, n)
	for _, im := range ims {
		i := int(im.delay)
		if i < n {
			e[i] += pow[im.order] / (im.dist * im.dist)
		}
	}
	return schroederT20(e, fs)
}

// schroederT20 returns the reverberation time of an energy response e (at fs
// Hz) from its backward-integrated energy decay curve: three times the time
// it takes to fall from −5 to −25 dB. It returns NaN if the curve never
// reaches −25 dB.
func schroederT20(e []float64, fs float64) float64 {
	edc := make([]float64, len(e))
	var sum float64
	for i := len(e) - 1; i >= 0; i-- {
		sum += e[i]
		edc[i] = sum
	}
	t5, t25 := math.NaN(), math.NaN()
	l5, l25 := sum*math.Pow(10, -0.5), sum*math.Pow(10, -2.5)
	for i, v := range edc {
		if math.IsNaN(t5) && v < l5 {
			t5 = float64(i) / fs
		}
		if v < l25 {
			t25 = float64(i) / fs
			break
		}
	}
	return 3 * (t25 - t5)
}

// roomResponse is a room's impulse response between two points, with the
// fitted reflection coefficient.
type roomResponse struct {
	h    []float32
	beta float64
	rt60 float64 // measured on the energy response, seconds
}

// response builds the room's impulse response from src to mic at fs Hz,
// RT60 plus the direct delay long, with β fitted to the room's RT60.
func (r Room) response(src, mic [3]float64, fs int) roomResponse {
	direct := dist(src, mic) / SpeedOfSound
	n := int(math.Ceil((direct+r.RT60.Seconds())*float64(fs))) + fracHalf
	ims, maxOrder := r.images(src, mic, float64(fs), n)
	target := r.RT60.Seconds()
	// The decay rate in dB/s is proportional to −ln β: rescale ln β by the
	// ratio of measured to target RT60 until they agree.
	lnBeta := 0.5 * math.Log(1-eyringAlpha(r.volume(), r.surface(), target))
	got := math.NaN()
	for range 12 {
		got = energyDecay(ims, maxOrder, math.Exp(lnBeta), float64(fs), n)
		if math.IsNaN(got) || got <= 0 {
			lnBeta *= 0.5 // the curve did not decay 25 dB: absorb more
			continue
		}
		if math.Abs(got/target-1) < 0.01 {
			break
		}
		lnBeta *= got / target
	}
	// Then refine on the response itself: every image has a positive
	// amplitude, so the dense late images add up coherently at the lowest
	// frequencies and ring on. A loudspeaker radiates no DC; as Allen and
	// Berkley advise, the response is highpassed (at 20 Hz), which removes
	// that build-up, and the decay is measured on what remains.
	var h []float32
	for range 6 {
		h = render(ims, maxOrder, math.Exp(lnBeta), n)
		for _, q := range butterworthQ {
			newBiquad(true, float64(fs), roomHighPassHz, q).run(h)
		}
		e := make([]float64, len(h))
		for i, v := range h {
			e[i] = float64(v) * float64(v)
		}
		got = schroederT20(e, float64(fs))
		if math.IsNaN(got) || got <= 0 || math.Abs(got/target-1) < 0.02 {
			break
		}
		lnBeta *= got / target
	}
	return roomResponse{h: h, beta: math.Exp(lnBeta), rt60: got}
}

func dist(a, b [3]float64) float64 {
	return math.Sqrt((a[0]-b[0])*(a[0]-b[0]) + (a[1]-b[1])*(a[1]-b[1]) + (a[2]-b[2])*(a[2]-b[2]))
}
