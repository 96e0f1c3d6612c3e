package relay

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// NATSMailbox is a [Mailbox] kept on a NATS system, shared by every relay
// instance connected to it, so a host on one instance and a joiner on
// another meet. It is safe for concurrent use.
//
// Claims on nameplates live in a JetStream key-value bucket: a side waits
// by creating its nameplate's key (which fails if the key exists, so a claim
// is exclusive across instances), and a side of the other role takes the
// nameplate by updating that key at the revision it read (compare and
// swap). Retired nameplates are keys of a second bucket whose entries
// expire after the retirement period, so a retirement made on one instance
// is refused on every other.
//
// Each side of this instance has a NATS subject, its inbox; the claim
// names it. A joiner's instance tells the waiting side's instance that the
// joiner came with a request to that inbox: no responder means the host's
// instance has lost it, and the joiner is refused at once with
// [ErrHostLeft]. After that, the two instances forward the sides' messages
// to each other's inboxes, as core NATS messages: at most once, so a pair
// whose messages were in flight through a NATS server that died waits
// until its clients give up.
//
// Writes go through each bucket's leader, but a replicated bucket may
// serve a read from a follower a few milliseconds behind: a nameplate
// retired that recently may be missed by a host claiming it again at once
// on another instance. (Hosts pick nameplates at random, so this needs a
// host to pick the same one within those milliseconds.)
type NATSMailbox struct {
	nc       *nats.Conn
	claims   jetstream.KeyValue
	retired  jetstream.KeyValue
	instance string        // this instance's part of inbox subjects
	timeout  time.Duration // bound on each NATS operation

	mu    sync.Mutex
	subs  map[Side]*nats.Subscription
	inbox map[Side]string
	peers map[Side]string // the inbox of each joined side's peer on another instance
	next  uint64

	ping *nats.Subscription // answers other instances asking whether this one lives
	stop chan struct{}      // closed by Close
	once sync.Once
}

var _ Mailbox = (*NATSMailbox)(nil)

// NATS bucket names and the subject prefix of inboxes.
const (
	natsClaimsBucket  = "warble_relay_claims"
	natsRetiredBucket = "warble_relay_retired"
	natsInboxPrefix   = "warble.relay."
	// natsClaimAge bounds how long a claim outlives an instance that died
	// without withdrawing it.
	natsClaimAge = 24 * time.Hour
)

// ErrHostLeft is a joiner's claim on a nameplate whose host was gone by
// the time the joiner came: its relay instance no longer serves it.
var ErrHostLeft = errors.New("relay: host left")

// NewNATSMailbox returns a mailbox on the NATS connection nc, creating its
// key-value buckets if they do not exist. A used nameplate stays retired
// for retireFor. The connection stays the caller's to close, after
// the servers using the mailbox have shut down.
func NewNATSMailbox(ctx context.Context, nc *nats.Conn, retireFor time.Duration) (*NATSMailbox, error) {
	return NewNATSMailboxReplicas(ctx, nc, retireFor, 1)
}

// NewNATSMailboxReplicas is [NewNATSMailbox] keeping the buckets it
// creates on replicas servers of a JetStream cluster (1 to 5), so the
// mailbox outlives a server's loss when replicas is 3 or more. Buckets
// that exist keep their replica count.
func NewNATSMailboxReplicas(ctx context.Context, nc *nats.Conn, retireFor time.Duration, replicas int) (*NATSMailbox, error) {
	if retireFor <= 0 {
		return nil, errors.New("relay: retirement period must be positive")
	}
	if replicas < 1 || replicas > 5 {
		return nil, fmt.Errorf("relay: nats replicas %d outside [1, 5]", replicas)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("relay: jetstream: %w", err)
	}
	claims, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: natsClaimsBucket, Description: "warble relay: who waits on or holds each nameplate",
		History: 1, TTL: natsClaimAge, Replicas: replicas,
	})
	if errors.Is(err, jetstream.ErrBucketExists) {
		claims, err = js.KeyValue(ctx, natsClaimsBucket)
	}
	if err != nil {
		return nil, fmt.Errorf("relay: claims bucket: %w", err)
	}
	retired, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: natsRetiredBucket, Description: "warble relay: used nameplates, closed for the retirement period",
		History: 1, TTL: retireFor, Replicas: replicas,
	})
	if errors.Is(err, jetstream.ErrBucketExists) {
		// Made by another instance, perhaps with another -retire: the
		// bucket's own period holds for every instance.
		retired, err = js.KeyValue(ctx, natsRetiredBucket)
	}
	if err != nil {
		return nil, fmt.Errorf("relay: retired bucket: %w", err)
	}
	var id [8]byte
	rand.Read(id[:])
	m := &NATSMailbox{
		nc: nc, claims: claims, retired: retired, instance: hex.EncodeToString(id[:]),
		timeout: 5 * time.Second, subs: map[Side]*nats.Subscription{}, inbox: map[Side]string{},
		peers: map[Side]string{}, stop: make(chan struct{}),
	}
	m.ping, err = nc.Subscribe(natsInboxPrefix+m.instance+".ping", func(msg *nats.Msg) { msg.Respond([]byte{natsAck}) })
	if err != nil {
		return nil, fmt.Errorf("relay: nats subscribe: %w", err)
	}
	go m.watchPeers(natsPeerCheck)
	return m, nil
}

// natsPeerCheck is how often a mailbox checks that the instances serving
// its sides' peers still live.
const natsPeerCheck = 2 * time.Second

// Close stops the mailbox's watch over other instances. The sides still
// open are not told; shut the servers using it down first.
func (m *NATSMailbox) Close() {
	m.once.Do(func() {
		close(m.stop)
		m.ping.Unsubscribe()
	})
}

// watchPeers ends, with a "relay instance lost" reason, the local sides
// whose peer's instance no longer answers: one that crashed, or lost NATS
// for good, cannot say that its sides left.
func (m *NATSMailbox) watchPeers(every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-tick.C:
		}
		if !m.nc.IsConnected() {
			continue // the silence is ours, not theirs
		}
		m.mu.Lock()
		byInstance := map[string][]Side{}
		for s, inbox := range m.peers {
			inst := instanceOf(inbox)
			byInstance[inst] = append(byInstance[inst], s)
		}
		m.mu.Unlock()
		for inst, sides := range byInstance {
			_, err := m.nc.Request(natsInboxPrefix+inst+".ping", nil, m.timeout)
			if !errors.Is(err, nats.ErrNoResponders) {
				continue // alive, or not known to be dead
			}
			for _, s := range sides {
				m.mu.Lock()
				_, still := m.peers[s]
				delete(m.peers, s)
				m.mu.Unlock()
				if ls, ok := s.(localSide); ok && still {
					ls.remoteEnded(false, "")
				}
			}
		}
	}
}

// instanceOf is the instance part of an inbox subject.
func instanceOf(inbox string) string {
	rest := strings.TrimPrefix(inbox, natsInboxPrefix)
	inst, _, _ := strings.Cut(rest, ".")
	return inst
}

// A claim is the value of a nameplate's key: a waiting side, or the pair
// that took the nameplate.
type claim struct {
	waiting bool
	role    Role   // of the waiting side
	a, b    string // inboxes: the waiting side's, and the joining side's when taken
}

func (c claim) marshal() []byte {
	if c.waiting {
		return fmt.Appendf(nil, "w %d %s", c.role, c.a)
	}
	return fmt.Appendf(nil, "t %s %s", c.a, c.b)
}

func parseClaim(b []byte) (claim, error) {
	f := strings.Fields(string(b))
	switch {
	case len(f) == 3 && f[0] == "w" && len(f[1]) == 1 && Role(f[1][0]-'0').valid():
		return claim{waiting: true, role: Role(f[1][0] - '0'), a: f[2]}, nil
	case len(f) == 3 && f[0] == "t":
		return claim{a: f[1], b: f[2]}, nil
	}
	return claim{}, fmt.Errorf("relay: corrupt claim %q in the nats bucket", clip(string(b), 40))
}

// natsKey maps a mailbox key (any bytes) to a key-value key.
func natsKey(nameplate string) string { return "k" + hex.EncodeToString([]byte(nameplate)) }

// Remote peer messages, the first byte of a message on an inbox.
const (
	natsJoined = 'J' // a request: the body is the joiner's inbox
	natsData   = 'D' // a client's data message, as the client sent it
	natsFail   = 'F' // the peer failed; the body is its reason
	natsLeft   = 'L' // the peer left
	natsAck    = 'A' // the answer to natsJoined: the waiting side took the joiner
)

// A local side is one this instance serves, which messages from a peer on
// another instance reach.
type localSide interface {
	Side
	// remoteJoined makes p the side's peer and tells its client; false if
	// the side is already leaving.
	remoteJoined(p *remotePeer) bool
	// remoteMessage passes on a data message from the peer.
	remoteMessage(b []byte)
	// remoteEnded ends the side because its peer failed (with a reason)
	// or left.
	remoteEnded(failed bool, reason string)
}

// remotePeer is a side served by another relay instance.
type remotePeer struct {
	m     *NATSMailbox
	role  Role
	inbox string
}

// Role implements [Side].
func (p *remotePeer) Role() Role { return p.role }

func (p *remotePeer) send(b []byte) error {
	msg := make([]byte, 0, len(b))
	msg = append(msg, b...) // data messages already start with natsData ('D')
	return p.m.nc.Publish(p.inbox, msg)
}

func (p *remotePeer) end(failed bool, reason string) {
	if failed {
		p.m.nc.Publish(p.inbox, append([]byte{natsFail}, reason...))
		return
	}
	p.m.nc.Publish(p.inbox, []byte{natsLeft})
}

// subscribe gives s an inbox on this instance.
func (m *NATSMailbox) subscribe(s Side) (string, error) {
	ls, ok := s.(localSide)
	if !ok {
		return "", fmt.Errorf("relay: nats mailbox: %T is not a side of this relay", s)
	}
	m.mu.Lock()
	m.next++
	inbox := fmt.Sprintf("%s%s.%d", natsInboxPrefix, m.instance, m.next)
	m.mu.Unlock()
	sub, err := m.nc.Subscribe(inbox, func(msg *nats.Msg) {
		if len(msg.Data) == 0 {
			return
		}
		switch msg.Data[0] {
		case natsJoined:
			p := &remotePeer{m: m, role: s.Role().Other(), inbox: string(msg.Data[1:])}
			m.mu.Lock()
			m.peers[s] = p.inbox
			m.mu.Unlock()
			if ls.remoteJoined(p) {
				msg.Respond([]byte{natsAck})
			} else {
				msg.Respond([]byte{natsLeft})
			}
		case natsData:
			ls.remoteMessage(msg.Data)
		case natsFail:
			ls.remoteEnded(true, string(msg.Data[1:]))
		case natsLeft:
			ls.remoteEnded(false, "")
		}
	})
	if err != nil {
		return "", fmt.Errorf("relay: nats subscribe: %w", err)
	}
	m.mu.Lock()
	m.subs[s], m.inbox[s] = sub, inbox
	m.mu.Unlock()
	return inbox, nil
}

func (m *NATSMailbox) unsubscribe(s Side) string {
	m.mu.Lock()
	sub, inbox := m.subs[s], m.inbox[s]
	delete(m.subs, s)
	delete(m.inbox, s)
	delete(m.peers, s)
	m.mu.Unlock()
	if sub != nil {
		sub.Unsubscribe()
	}
	return inbox
}

// Put implements [Mailbox]. The peer it returns is a side on another
// instance (a *remotePeer): even two sides of one instance meet through
// NATS, so every instance treats them alike.
func (m *NATSMailbox) Put(nameplate string, s Side) (Side, error) {
	ctx, cancel := context.WithTimeout(context.Background(), m.timeout)
	defer cancel()
	inbox, err := m.subscribe(s)
	if err != nil {
		return nil, err
	}
	peer, err := m.put(ctx, natsKey(nameplate), s, inbox)
	if err != nil || peer == nil && s.Role() == RoleJoin {
		m.unsubscribe(s)
	}
	return peer, err
}

func (m *NATSMailbox) put(ctx context.Context, key string, s Side, inbox string) (Side, error) {
	for attempt := 0; attempt < 8; attempt++ {
		if s.Role() != RoleJoin {
			_, err := m.claims.Create(ctx, key, claim{waiting: true, role: s.Role(), a: inbox}.marshal())
			if err == nil {
				// A retirement is written before the claim that ended
				// is deleted, so a claim created after it sees it.
				if retired, err := m.isRetired(ctx, key); err != nil || retired {
					m.claims.Delete(ctx, key)
					if err != nil {
						return nil, err
					}
					return nil, ErrRetired
				}
				return nil, nil
			}
			if !errors.Is(err, jetstream.ErrKeyExists) {
				return nil, fmt.Errorf("relay: nats claim: %w", err)
			}
		}
		e, err := m.getClaim(ctx, key, s.Role() == RoleJoin)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			if s.Role() == RoleJoin {
				if retired, err := m.isRetired(ctx, key); err != nil || retired {
					if err != nil {
						return nil, err
					}
					return nil, ErrRetired
				}
				return nil, ErrNoSuchPairing
			}
			continue // freed in between: claim it again
		}
		if err != nil {
			return nil, fmt.Errorf("relay: nats claim: %w", err)
		}
		c, err := parseClaim(e.Value())
		if err != nil {
			return nil, err
		}
		if !c.waiting || c.role != s.Role().Other() {
			return nil, ErrTaken
		}
		if _, err := m.claims.Update(ctx, key, claim{a: c.a, b: inbox}.marshal(), e.Revision()); err != nil {
			if errors.Is(err, jetstream.ErrKeyExists) {
				continue // someone else changed it first: look again
			}
			return nil, fmt.Errorf("relay: nats claim: %w", err)
		}
		// The nameplate is ours; tell the waiting side.
		reply, err := m.nc.RequestWithContext(ctx, c.a, append([]byte{natsJoined}, inbox...))
		if err != nil || len(reply.Data) == 0 || reply.Data[0] != natsAck {
			// The waiting side is gone with its instance, or leaving:
			// free the nameplate, as when a host leaves unjoined.
			m.claims.Delete(ctx, key)
			if err != nil && !errors.Is(err, nats.ErrNoResponders) {
				return nil, fmt.Errorf("relay: nats: %w", err)
			}
			return nil, ErrHostLeft
		}
		m.mu.Lock()
		m.peers[s] = c.a
		m.mu.Unlock()
		return &remotePeer{m: m, role: c.role, inbox: c.a}, nil
	}
	return nil, ErrTaken // contended past reason
}

// getClaim reads key's claim. On a replicated bucket a read may be served
// by a server a few milliseconds behind, so a joiner, who is refused when
// there is no claim, looks again a few times before it believes that.
func (m *NATSMailbox) getClaim(ctx context.Context, key string, again bool) (jetstream.KeyValueEntry, error) {
	for i := 0; ; i++ {
		e, err := m.claims.Get(ctx, key)
		if !again || i == 3 || !errors.Is(err, jetstream.ErrKeyNotFound) {
			return e, err
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func (m *NATSMailbox) isRetired(ctx context.Context, key string) (bool, error) {
	_, err := m.retired.Get(ctx, key)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("relay: nats retired: %w", err)
	}
	return true, nil
}

// Leave implements [Mailbox].
func (m *NATSMailbox) Leave(nameplate string, s Side, retire bool) {
	inbox := m.unsubscribe(s)
	if inbox == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.timeout)
	defer cancel()
	key := natsKey(nameplate)
	e, err := m.claims.Get(ctx, key)
	if err != nil {
		return
	}
	c, err := parseClaim(e.Value())
	switch {
	case err != nil:
	case c.waiting && c.a == inbox:
		m.claims.Delete(ctx, key, jetstream.LastRevision(e.Revision()))
	case !c.waiting && (c.a == inbox || c.b == inbox):
		if retire {
			m.retired.Put(ctx, key, []byte("r"))
		}
		m.claims.Delete(ctx, key, jetstream.LastRevision(e.Revision()))
	}
}

// Connected reports whether the NATS connection is up.
func (m *NATSMailbox) Connected() bool { return m.nc.IsConnected() }
