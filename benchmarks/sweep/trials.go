package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"warble/internal/channel"
)

// payloadBytes is the payload length of every trial.
const payloadBytes = 16

// payloadCount is how many distinct payloads each transmitter sends in
// turn; each is encoded once and cached.
const payloadCount = 24

// payload returns the j-th payload: 16 bytes of a hash, so every system
// sends the same ones.
func payload(j int) []byte {
	h := sha256.Sum256([]byte("warble sweep payload " + strconv.Itoa(j)))
	return h[:payloadBytes]
}

// kind is what a sweep varies.
type kind string

const (
	kindSNR   kind = "snr"   // full-band SNR in dB
	kindSkew  kind = "skew"  // transmitter clock skew in percent, at a fixed SNR
	kindCodec kind = "codec" // noise at an SNR in dB, then a speech codec
)

// point is one setting of the channel.
type point struct {
	Kind  kind
	Value float64 // dB for snr and codec, percent for skew
	Codec string  // the codec's key, for codec
}

func (p point) String() string {
	switch p.Kind {
	case kindSkew:
		return fmt.Sprintf("skew %+g%%", p.Value)
	case kindCodec:
		return fmt.Sprintf("%s at %+g dB", p.Codec, p.Value)
	}
	return fmt.Sprintf("%+g dB", p.Value)
}

// tally is the cached outcome of a point: trials run, payloads received,
// and extra output (frames never sent, or stray bytes for minimodem).
type tally struct {
	Version string `json:"version"`
	Trials  int    `json:"trials"`
	OK      int    `json:"ok"`
	Extra   int    `json:"extra"`
}

func (t tally) rate() float64 {
	if t.Trials == 0 {
		return math.NaN()
	}
	return float64(t.OK) / float64(t.Trials)
}

// sweeper runs trials and keeps their tallies in a cache directory, one
// file per system and point, so an interrupted sweep resumes where it
// stopped.
type sweeper struct {
	cacheDir string
	skewSNR  float64 // SNR of the skew sweep, dB
	batch    int     // trials per peer process call

	mu      sync.Mutex
	tx      map[string][][]float32 // encoded payloads by signal
	txLocks map[string]*sync.Mutex
}

func newSweeper(cacheDir string, skewSNR float64, batch int) *sweeper {
	return &sweeper{cacheDir: cacheDir, skewSNR: skewSNR, batch: max(batch, 1),
		tx: map[string][][]float32{}, txLocks: map[string]*sync.Mutex{}}
}

func (sw *sweeper) tallyPath(s system, p point) string {
	dir := string(p.Kind)
	switch p.Kind {
	case kindSkew:
		dir = fmt.Sprintf("skew-at-%gdB", sw.skewSNR)
	case kindCodec:
		dir = "codec-" + p.Codec
	}
	return filepath.Join(sw.cacheDir, dir, s.Key, strconv.FormatFloat(p.Value, 'f', -1, 64)+".json")
}

// cached returns the tally on disk for s at p, or a zero one when there is
// none or it was made by another version.
func (sw *sweeper) cached(s system, p point) tally {
	b, err := os.ReadFile(sw.tallyPath(s, p))
	if err != nil {
		return tally{Version: s.Version}
	}
	var t tally
	if json.Unmarshal(b, &t) != nil || t.Version != s.Version {
		return tally{Version: s.Version}
	}
	return t
}

// latest returns the tally on disk for s at p whatever version made it,
// and whether that was another version than s's.
func (sw *sweeper) latest(s system, p point) (tally, bool) {
	b, err := os.ReadFile(sw.tallyPath(s, p))
	if err != nil {
		return tally{}, false
	}
	var t tally
	if json.Unmarshal(b, &t) != nil {
		return tally{}, false
	}
	return t, t.Version != s.Version
}

func (sw *sweeper) store(s system, p point, t tally) error {
	path := sw.tallyPath(s, p)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, _ := json.Marshal(t)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// transmissions returns the encoded payloads of s's transmitter, from the
// cache directory when they are there.
func (sw *sweeper) transmissions(ctx context.Context, s system) ([][]float32, error) {
	sw.mu.Lock()
	if x, ok := sw.tx[s.Signal]; ok {
		sw.mu.Unlock()
		return x, nil
	}
	l, ok := sw.txLocks[s.Signal]
	if !ok {
		l = &sync.Mutex{}
		sw.txLocks[s.Signal] = l
	}
	sw.mu.Unlock()
	l.Lock()
	defer l.Unlock()
	sw.mu.Lock()
	x, ok := sw.tx[s.Signal]
	sw.mu.Unlock()
	if ok {
		return x, nil
	}
	ver := fnv.New64a()
	fmt.Fprint(ver, s.TxVersion)
	dir := filepath.Join(sw.cacheDir, "tx", s.Signal, fmt.Sprintf("%016x", ver.Sum64()))
	out := make([][]float32, payloadCount)
	for j := range out {
		path := filepath.Join(dir, strconv.Itoa(j)+".f32")
		if b, err := os.ReadFile(path); err == nil && len(b)%4 == 0 && len(b) > 0 {
			out[j] = make([]float32, len(b)/4)
			for i := range out[j] {
				out[j][i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
			}
			continue
		}
		y, err := s.Encode(ctx, payload(j))
		if err != nil {
			return nil, fmt.Errorf("%s: encode: %w", s.Name, err)
		}
		out[j] = trim(y)
		b := make([]byte, 0, 4*len(out[j]))
		for _, v := range out[j] {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
		if err := os.MkdirAll(dir, 0o755); err == nil {
			_ = os.WriteFile(path, b, 0o644)
		}
	}
	sw.mu.Lock()
	sw.tx[s.Signal] = out
	sw.mu.Unlock()
	return out, nil
}

// trim cuts silence before and after a transmission, so every system's
// trial holds the same silence around its signal.
func trim(x []float32) []float32 {
	sp := activeSpan(x)
	if sp.Len() == 0 {
		return x
	}
	return x[sp.Start:sp.End]
}

// trial returns trial i of s at p: the transmission of one payload, skewed
// if p says so, between 0.2–0.4 s of silence before and 0.3 s after, with
// white Gaussian noise over all of it at the point's full-band SNR
// (measured over the transmission). A codec point's codec is applied by
// runTrials, after the noise, as a phone's microphone hears the room. The payload and noise depend only on
// the signal, the point and i, so systems sharing a signal hear the same
// recordings.
func (sw *sweeper) trial(tx [][]float32, s system, p point, i int) ([]float32, []byte) {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%s|%g", s.Signal, p.Kind, p.Value)
	if p.Kind == kindCodec {
		fmt.Fprintf(h, "|%s", p.Codec)
	}
	rng := rand.New(rand.NewPCG(h.Sum64(), uint64(i)))
	j := (i + int(h.Sum64()%payloadCount)) % payloadCount
	x := tx[j]
	snr := p.Value
	if p.Kind == kindSkew {
		x = channel.Skew(x, p.Value*1e4)
		snr = sw.skewSNR
	}
	lead := rate/5 + rng.IntN(rate/5)
	tail := rate * 3 / 10
	seg := make([]float32, lead+len(x)+tail)
	copy(seg[lead:], x)
	sp := activeSpan(x)
	y := channel.AddNoise(seg[:0], seg, snr, channel.Span{Start: lead + sp.Start, End: lead + sp.End}, rng)
	return y, payload(j)
}

// run brings s at p up to n trials, running only those not cached, and
// returns the tally. done reports trials as they finish.
func (sw *sweeper) run(ctx context.Context, s system, p point, n int, done func(int)) (tally, error) {
	t := sw.cached(s, p)
	if t.Trials >= n {
		return t, nil
	}
	tx, err := sw.transmissions(ctx, s)
	if err != nil {
		return t, err
	}
	step := sw.batch
	if s.InProcess {
		step = 10 // cache granularity only
	}
	for t.Trials < n {
		if err := ctx.Err(); err != nil {
			return t, err
		}
		from, to := t.Trials, min(t.Trials+step, n)
		ok, extra, err := sw.runTrials(ctx, tx, s, p, from, to)
		if err != nil {
			return t, fmt.Errorf("%s at %s: %w", s.Name, p, err)
		}
		t.Trials, t.OK, t.Extra = to, t.OK+ok, t.Extra+extra
		if err := sw.store(s, p, t); err != nil {
			return t, err
		}
		done(to - from)
	}
	return t, nil
}

// runTrials runs trials [from, to) and counts payloads received and extra
// output.
func (sw *sweeper) runTrials(ctx context.Context, tx [][]float32, s system, p point, from, to int) (ok, extra int, err error) {
	var recs [][]float32
	var want [][]byte
	for i := from; i < to; i++ {
		y, w := sw.trial(tx, s, p, i)
		if p.Kind == kindCodec {
			c, found := codecByKey(p.Codec)
			if !found {
				return 0, 0, fmt.Errorf("unknown codec %q", p.Codec)
			}
			if y, err = c.apply(ctx, y); err != nil {
				return 0, 0, err
			}
		}
		recs = append(recs, y)
		want = append(want, w)
	}
	hs, err := s.Decode(ctx, recs)
	if err != nil {
		return 0, 0, err
	}
	if len(hs) != len(recs) {
		return 0, 0, fmt.Errorf("%d results for %d recordings", len(hs), len(recs))
	}
	for i, h := range hs {
		w := [][]byte{want[i]}
		ok += h.Count(w)
		extra += h.FalseCount(w)
	}
	return ok, extra, nil
}

// clearCache removes the cached tallies and results, keeping the encoded
// transmissions.
func clearCache(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, e := range entries {
		if e.Name() == "tx" {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}
