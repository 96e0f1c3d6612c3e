package relay

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

type testSide struct {
	role Role
	name string
}

func (s *testSide) Role() Role { return s.role }

func TestMemoryMailbox(t *testing.T) {
	m, err := NewMemoryMailbox(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1000, 0)
	m.now = func() time.Time { return now }
	host := &testSide{RoleHost, "host"}
	join := &testSide{RoleJoin, "join"}

	if p, err := m.Put("7", host); p != nil || err != nil {
		t.Fatalf("first Put: %v, %v", p, err)
	}
	if _, err := m.Put("7", &testSide{RoleHost, "host2"}); !errors.Is(err, ErrTaken) {
		t.Fatalf("second host: %v, want ErrTaken", err)
	}
	if p, err := m.Put("7", join); p != Side(host) || err != nil {
		t.Fatalf("joiner got %v, %v; want the host", p, err)
	}
	if _, err := m.Put("7", &testSide{RoleJoin, "join2"}); !errors.Is(err, ErrTaken) {
		t.Fatalf("racing joiner: %v, want ErrTaken", err)
	}
	m.Leave("7", &testSide{RoleJoin, "stranger"}, true) // not the pair: nothing
	if _, err := m.Put("7", &testSide{RoleJoin, "join3"}); !errors.Is(err, ErrTaken) {
		t.Fatalf("after a stranger left: %v, want ErrTaken", err)
	}
	m.Leave("7", join, true)
	m.Leave("7", host, true) // the second Leave of the pair does nothing
	if _, err := m.Put("7", &testSide{RoleHost, "again"}); !errors.Is(err, ErrRetired) {
		t.Fatalf("after the pair ended: %v, want ErrRetired", err)
	}
	now = now.Add(time.Minute)
	if m.Len() != 0 {
		t.Fatalf("%d nameplates after the retirement ended, want 0", m.Len())
	}
	again := &testSide{RoleHost, "again"}
	if p, err := m.Put("7", again); p != nil || err != nil {
		t.Fatalf("after the retirement ended: %v, %v", p, err)
	}
	m.Leave("7", again, true) // only waiting: freed, not retired
	if m.Len() != 0 {
		t.Fatal("a side that left while waiting retired its nameplate")
	}

	acc, con := &testSide{RoleAccept, "a"}, &testSide{RoleConnect, "c"}
	m.Put("r", acc)
	if _, err := m.Put("r", &testSide{RoleJoin, "wrong kind"}); !errors.Is(err, ErrTaken) {
		t.Fatalf("a joiner on an accept: %v, want ErrTaken", err)
	}
	if p, _ := m.Put("r", con); p != Side(acc) {
		t.Fatal("connector did not meet the acceptor")
	}
	m.Leave("r", acc, false)
	if m.Len() != 0 {
		t.Fatal("a reconnection channel stayed closed after its session")
	}
	if _, err := NewMemoryMailbox(0); err == nil {
		t.Fatal("a zero retirement period was accepted")
	}
}

func TestMemoryMailboxJoinerNeverWaits(t *testing.T) {
	m, err := NewMemoryMailbox(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Put("7", &testSide{RoleJoin, "squatter"}); !errors.Is(err, ErrNoSuchPairing) {
		t.Fatalf("joiner first: %v, want ErrNoSuchPairing", err)
	}
	if m.Len() != 0 {
		t.Fatal("a refused joiner left a nameplate behind")
	}
	if p, err := m.Put("7", &testSide{RoleHost, "host"}); p != nil || err != nil {
		t.Fatalf("host after the refused joiner: %v, %v", p, err)
	}
}

func TestMemoryMailboxRetiredCapped(t *testing.T) {
	m, err := NewMemoryMailboxMax(time.Hour, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		np := fmt.Sprint(i)
		h, j := &testSide{RoleHost, "h"}, &testSide{RoleJoin, "j"}
		m.Put(np, h)
		m.Put(np, j)
		m.Leave(np, h, true)
	}
	if n := m.Len(); n != 3 {
		t.Fatalf("%d nameplates remembered, want the cap of 3", n)
	}
	// The newest stay retired; the oldest were forgotten.
	if _, err := m.Put("9", &testSide{RoleHost, "h"}); !errors.Is(err, ErrRetired) {
		t.Fatalf("newest: %v, want ErrRetired", err)
	}
	if _, err := m.Put("0", &testSide{RoleHost, "h"}); err != nil {
		t.Fatalf("oldest: %v, want it forgotten", err)
	}
	if _, err := NewMemoryMailboxMax(time.Hour, 0); err == nil {
		t.Fatal("a zero cap was accepted")
	}
}
