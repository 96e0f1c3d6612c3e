package audio

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Capture is an open input stream of mono float32 samples. A device callback
// fills a buffer of about two seconds; [Capture.Read] takes from it. Read and
// Close may be called from different goroutines; Read itself is meant for
// one reader.
type Capture struct {
	rate   int
	device string
	closer func() error // stops and closes the device stream

	mu     sync.Mutex
	ring   []float32
	head   int // index of the oldest unread sample
	count  int // unread samples
	stats  Stats
	err    error // the stream failed
	closed bool
	pushes int64         // device callbacks so far
	wake   chan struct{} // a token whenever samples arrive or the state changes
	done   chan struct{} // closed by Close
	first  chan struct{} // closed when the first samples arrive
}

// newCapture returns a capture with room for bufSamples unread samples.
func newCapture(rate int, device string, bufSamples int) *Capture {
	return &Capture{rate: rate, device: device, ring: make([]float32, bufSamples), wake: make(chan struct{}, 1), done: make(chan struct{}), first: make(chan struct{})}
}

// waitFirst waits until the device has delivered samples, for at most d.
func (c *Capture) waitFirst(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.first:
		return true
	case <-t.C:
		return false
	}
}

// watch fails the capture when the device delivers nothing for the given
// time while open: a sound server that went away, a device unplugged.
func (c *Capture) watch(stall time.Duration) {
	t := time.NewTicker(stall)
	defer t.Stop()
	last := int64(-1)
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		c.mu.Lock()
		n := c.pushes
		c.mu.Unlock()
		if n == last {
			c.fail(fmt.Errorf("audio: input device %q delivered no samples for %v", c.device, stall))
			return
		}
		last = n
	}
}

// SampleRate returns the rate of the samples Read delivers, in Hz.
func (c *Capture) SampleRate() int { return c.rate }

// Device returns the name of the device being captured.
func (c *Capture) Device() string { return c.device }

// Stats returns the overruns and dropped samples so far.
func (c *Capture) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// Read waits until samples are available, copies up to len(dst) of them into
// dst and returns how many. It returns ctx's error when ctx is done first,
// [ErrClosed] after Close, and the device's error if the stream failed.
func (c *Capture) Read(ctx context.Context, dst []float32) (int, error) {
	if len(dst) == 0 {
		return 0, nil
	}
	for {
		c.mu.Lock()
		if c.count > 0 {
			n := 0
			for n < len(dst) && c.count > 0 {
				k := copy(dst[n:], c.ring[c.head:min(len(c.ring), c.head+c.count)])
				n += k
				c.head = (c.head + k) % len(c.ring)
				c.count -= k
			}
			c.mu.Unlock()
			return n, nil
		}
		closed, err := c.closed, c.err
		c.mu.Unlock()
		switch {
		case closed:
			return 0, ErrClosed
		case err != nil:
			return 0, err
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-c.wake:
		}
	}
}

// push appends samples from the device, dropping the oldest unread ones when
// the reader has fallen a whole buffer behind. It never blocks for long.
func (c *Capture) push(samples []float32, overrun, underrun bool) {
	c.mu.Lock()
	c.pushes++
	if c.pushes == 1 {
		close(c.first)
	}
	if overrun {
		c.stats.Overruns++
	}
	if underrun {
		c.stats.Underruns++
	}
	if c.closed {
		c.mu.Unlock()
		return
	}
	if len(samples) > len(c.ring) {
		c.stats.DroppedSamples += int64(len(samples) - len(c.ring))
		samples = samples[len(samples)-len(c.ring):]
	}
	if over := c.count + len(samples) - len(c.ring); over > 0 {
		c.stats.DroppedSamples += int64(over)
		c.head = (c.head + over) % len(c.ring)
		c.count -= over
	}
	for len(samples) > 0 {
		tail := (c.head + c.count) % len(c.ring)
		k := copy(c.ring[tail:], samples)
		c.count += k
		samples = samples[k:]
	}
	c.mu.Unlock()
	c.signal()
}

// fail records a stream error for Read to return.
func (c *Capture) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
	c.signal()
}

func (c *Capture) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Close stops the device stream. Samples not yet read are discarded.
func (c *Capture) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.count = 0
	close(c.done)
	closer := c.closer
	c.mu.Unlock()
	c.signal()
	if closer != nil {
		return closer()
	}
	return nil
}
