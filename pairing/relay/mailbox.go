package relay

import (
	"errors"
	"sync"
	"time"
)

// A Side is one client of the relay as a [Mailbox] sees it.
type Side interface {
	Role() Role
}

// A Mailbox keeps the nameplates: which side waits on each, which are taken
// by a joined pair, and which are retired. A relay instance asks it to match
// sides; a Mailbox shared by many instances lets sides that reached
// different instances meet.
//
// Implementations must be safe for concurrent use.
type Mailbox interface {
	// Put offers s on nameplate. If a side of the other role waits there,
	// Put removes it and returns it, and the nameplate is taken by the
	// pair; otherwise s waits and Put returns nil. A nameplate that is
	// taken, or where a side of the same role waits, gives ErrTaken; a
	// retired one gives ErrRetired. A joiner ([RoleJoin]) never waits: on a
	// nameplate with no host it gets ErrNoSuchPairing, and the nameplate
	// is left as it was.
	Put(nameplate string, s Side) (peer Side, err error)

	// Leave withdraws s from nameplate. If s waits there, the nameplate is
	// free again. If s belongs to the pair that took it, the pair's claim
	// ends: the nameplate is retired when retire is set, freed otherwise.
	// Leave for a side the nameplate no longer knows does nothing.
	Leave(nameplate string, s Side, retire bool)
}

// MemoryMailbox is a [Mailbox] held in one process's memory, for a single
// relay instance. It forgets a retired nameplate after the retirement
// period. The zero value is not usable; call [NewMemoryMailbox]. It is safe
// for concurrent use.
type MemoryMailbox struct {
	retireFor  time.Duration
	maxRetired int
	now        func() time.Time

	mu      sync.Mutex
	plates  map[string]*plate
	retired []retirement // oldest first
}

type plate struct {
	waiting Side
	a, b    Side      // the pair that took the nameplate
	until   time.Time // retired until, when nonzero
}

type retirement struct {
	nameplate string
	until     time.Time
}

// DefaultMaxRetired is how many retired nameplates a [MemoryMailbox] made
// by [NewMemoryMailbox] remembers at most.
const DefaultMaxRetired = 100000

// NewMemoryMailbox returns an empty mailbox that keeps a retired nameplate
// closed for retireFor, remembering at most [DefaultMaxRetired] of them.
func NewMemoryMailbox(retireFor time.Duration) (*MemoryMailbox, error) {
	return NewMemoryMailboxMax(retireFor, DefaultMaxRetired)
}

// NewMemoryMailboxMax is [NewMemoryMailbox] remembering at most maxRetired
// retired nameplates: past that, the oldest retirement ends early, so
// clients that pair and fail over and over cannot grow the list without
// bound. (Only a host reopens a freed nameplate, and a guesser still gets
// one attempt per code.)
func NewMemoryMailboxMax(retireFor time.Duration, maxRetired int) (*MemoryMailbox, error) {
	if retireFor <= 0 {
		return nil, errors.New("relay: retirement period must be positive")
	}
	if maxRetired < 1 {
		return nil, errors.New("relay: retired nameplate limit must be at least 1")
	}
	return &MemoryMailbox{retireFor: retireFor, maxRetired: maxRetired, now: time.Now, plates: map[string]*plate{}}, nil
}

// Put implements [Mailbox].
func (m *MemoryMailbox) Put(nameplate string, s Side) (Side, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expire()
	p := m.plates[nameplate]
	switch {
	case p == nil && s.Role() == RoleJoin:
		return nil, ErrNoSuchPairing
	case p == nil:
		m.plates[nameplate] = &plate{waiting: s}
		return nil, nil
	case !p.until.IsZero():
		return nil, ErrRetired
	case p.waiting == nil || p.waiting.Role() != s.Role().Other():
		return nil, ErrTaken
	}
	peer := p.waiting
	p.waiting, p.a, p.b = nil, peer, s
	return peer, nil
}

// Leave implements [Mailbox].
func (m *MemoryMailbox) Leave(nameplate string, s Side, retire bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.plates[nameplate]
	switch {
	case p == nil:
	case p.waiting != nil && p.waiting == s:
		delete(m.plates, nameplate)
	case p.a != nil && (p.a == s || p.b == s):
		if !retire {
			delete(m.plates, nameplate)
			return
		}
		p.a, p.b = nil, nil
		p.until = m.now().Add(m.retireFor)
		m.retired = append(m.retired, retirement{nameplate, p.until})
		if len(m.retired) > m.maxRetired {
			m.forget(len(m.retired) - m.maxRetired)
		}
	}
}

// Len reports how many nameplates are waiting, taken or retired.
func (m *MemoryMailbox) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expire()
	return len(m.plates)
}

// expire forgets the nameplates whose retirement is over.
func (m *MemoryMailbox) expire() {
	now := m.now()
	n := 0
	for _, r := range m.retired {
		if r.until.After(now) {
			break
		}
		n++
	}
	m.forget(n)
}

// forget ends the n oldest retirements.
func (m *MemoryMailbox) forget(n int) {
	if n <= 0 {
		return
	}
	for _, r := range m.retired[:n] {
		if p := m.plates[r.nameplate]; p != nil && p.until.Equal(r.until) {
			delete(m.plates, r.nameplate)
		}
	}
	m.retired = append(m.retired[:0], m.retired[n:]...)
}
