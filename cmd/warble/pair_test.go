package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"warble/pairing"
	"warble/pairing/lan"
	"warble/pairing/relay"
)

// testRelay starts a relay on loopback and returns its ws:// URL.
func testRelay(t *testing.T) string {
	t.Helper()
	mb, err := relay.NewMemoryMailbox(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := relay.NewServer(relay.DefaultLimits, mb, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return "ws" + strings.TrimPrefix(hs.URL, "http")
}

// running is a command running in the background whose JSON events on
// stdout can be read as they come.
type running struct {
	events chan map[string]any
	done   chan result
}

func start(t *testing.T, stdin io.Reader, args ...string) *running {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	pr, pw := io.Pipe()
	r := &running{events: make(chan map[string]any, 16), done: make(chan result, 1)}
	var errOut bytes.Buffer
	go func() {
		code := run(args, stdin, pw, &errOut)
		pw.Close()
		r.done <- result{code: code, stderr: errOut.String()}
	}()
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Errorf("warble %s: stdout line %q is not JSON", strings.Join(args, " "), sc.Text())
				continue
			}
			r.events <- m
		}
		close(r.events)
	}()
	return r
}

// next waits for the next event, which must be of kind.
func (r *running) next(t *testing.T, kind string) map[string]any {
	t.Helper()
	select {
	case m, ok := <-r.events:
		if !ok {
			res := <-r.done
			t.Fatalf("no %s event; exit %d, stderr: %s", kind, res.code, res.stderr)
		}
		if m["event"] != kind {
			t.Fatalf("event %v, want %s", m, kind)
		}
		return m
	case <-time.After(eventWait):
		t.Fatalf("no %s event within %v", kind, eventWait)
	}
	return nil
}

// eventWait bounds how long a test waits for a command's next event or its
// end: generous, since under the race detector on a busy machine decoding a
// flashed or chirped code alone can take most of a minute.
const eventWait = 3 * time.Minute

func (r *running) wait(t *testing.T) result {
	t.Helper()
	select {
	case res := <-r.done:
		return res
	case <-time.After(eventWait):
		t.Fatalf("command did not end within %v", eventWait)
	}
	return result{}
}

func peersOf(t *testing.T, dir string) []map[string]any {
	t.Helper()
	r := warble(t, nil, "peers", "-state", dir, "-json")
	r.want(t, 0, "peers")
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("peers -json line %q: %v", line, err)
		}
		if m["event"] == "peer" {
			out = append(out, m)
		}
	}
	return out
}

func selfOf(t *testing.T, dir string) string {
	t.Helper()
	id, err := pairing.LoadOrCreateIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	return id.Fingerprint()
}

func TestPairThroughRelay(t *testing.T) {
	url := testRelay(t)
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	host := start(t, nil, "pair", "host", "-state", a, "-via", url, "-name", "tv", "-timeout", "20s", "-json")
	code := host.next(t, "code")["code"].(string)
	if _, err := pairing.ParseCode(code); err != nil {
		t.Fatalf("host showed %q: %v", code, err)
	}
	join := start(t, nil, "pair", "join", "-state", b, "-via", url, "-code", code, "-name", "phone", "-timeout", "20s", "-json")
	hp, jp := host.next(t, "paired"), join.next(t, "paired")
	if r := host.wait(t); r.code != 0 {
		t.Fatalf("host exit %d: %s", r.code, r.stderr)
	}
	if r := join.wait(t); r.code != 0 {
		t.Fatalf("join exit %d: %s", r.code, r.stderr)
	}
	fa, fb := selfOf(t, a), selfOf(t, b)
	if hp["self"] != fa || hp["peer"] != fb || jp["self"] != fb || jp["peer"] != fa {
		t.Fatalf("fingerprints disagree: host %v, joiner %v (a %s, b %s)", hp, jp, fa, fb)
	}
	if hp["peer_name"] != "phone" || jp["peer_name"] != "tv" || hp["transport"] != "relay" {
		t.Errorf("paired events: %v, %v", hp, jp)
	}
	pa, pb := peersOf(t, a), peersOf(t, b)
	if len(pa) != 1 || len(pb) != 1 || pa[0]["fingerprint"] != fb || pb[0]["fingerprint"] != fa || pa[0]["relay"] != url {
		t.Fatalf("peers: %v, %v", pa, pb)
	}

	// Reconnect through the relay with no code, both ways.
	type out struct {
		code           int
		stdout, stderr string
	}
	accepted := make(chan out, 1)
	go func() {
		var o, e bytes.Buffer
		c := run([]string{"accept", "-state", a, "-timeout", "20s"}, strings.NewReader("from accept"), &o, &e)
		accepted <- out{c, o.String(), e.String()}
	}()
	var cout, cerr bytes.Buffer
	ccode := run([]string{"connect", "-state", b, "-timeout", "20s", fa[:12]}, strings.NewReader("from connect"), &cout, &cerr)
	ar := <-accepted
	if ccode != 0 || ar.code != 0 {
		t.Fatalf("connect exit %d (%s), accept exit %d (%s)", ccode, cerr.String(), ar.code, ar.stderr)
	}
	if cout.String() != "from accept" || ar.stdout != "from connect" {
		t.Errorf("connect got %q, accept got %q", cout.String(), ar.stdout)
	}
	if !strings.Contains(cerr.String(), `connected to "tv"`) || !strings.Contains(ar.stderr, `"phone"`) {
		t.Errorf("stderr: connect %q, accept %q", cerr.String(), ar.stderr)
	}
}

func TestPairWrongCodeThroughRelay(t *testing.T) {
	url := testRelay(t)
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	host := start(t, nil, "pair", "host", "-state", a, "-via", url, "-timeout", "20s", "-json")
	code := host.next(t, "code")["code"].(string)
	// One letter of the last word changed.
	wrong := code[:len(code)-1] + string(rune('a'+(code[len(code)-1]-'a'+1)%26))
	join := start(t, nil, "pair", "join", "-state", b, "-via", url, "-code", wrong, "-timeout", "20s", "-json")
	hf, jf := host.next(t, "failed"), join.next(t, "failed")
	hr, jr := host.wait(t), join.wait(t)
	if hr.code != 1 || jr.code != 1 {
		t.Fatalf("exit host %d, join %d; want 1 and 1\n%s\n%s", hr.code, jr.code, hr.stderr, jr.stderr)
	}
	for _, s := range []string{hf["reason"].(string), jf["reason"].(string), hr.stderr, jr.stderr} {
		if !strings.Contains(s, "wrong code") {
			t.Errorf("failure does not say wrong code: %q", s)
		}
	}
	if len(peersOf(t, a)) != 0 || len(peersOf(t, b)) != 0 {
		t.Error("a record was written after a wrong code")
	}
	// The code is retired: the right code now fails too.
	r := warble(t, nil, "pair", "join", "-state", b, "-via", url, "-code", code, "-timeout", "5s")
	r.want(t, 1, "pair join with a retired code")
	if len(peersOf(t, b)) != 0 {
		t.Error("a record was written for a retired code")
	}
}

func TestPairSecondJoinerThroughRelay(t *testing.T) {
	url := testRelay(t)
	a := filepath.Join(t.TempDir(), "a")
	host := start(t, nil, "pair", "host", "-state", a, "-via", url, "-timeout", "20s", "-json")
	code := host.next(t, "code")["code"].(string)
	dirs := []string{filepath.Join(t.TempDir(), "b"), filepath.Join(t.TempDir(), "c")}
	joins := []*running{
		start(t, nil, "pair", "join", "-state", dirs[0], "-via", url, "-code", code, "-timeout", "20s", "-json"),
		start(t, nil, "pair", "join", "-state", dirs[1], "-via", url, "-code", code, "-timeout", "20s", "-json"),
	}
	hp := host.next(t, "paired")
	if r := host.wait(t); r.code != 0 {
		t.Fatalf("host exit %d: %s", r.code, r.stderr)
	}
	won := 0
	for i, j := range joins {
		r := j.wait(t)
		recs := peersOf(t, dirs[i])
		switch r.code {
		case 0:
			won++
			if len(recs) != 1 || hp["peer"] != selfOf(t, dirs[i]) {
				t.Errorf("winner %d: records %v, host paired with %v", i, recs, hp["peer"])
			}
		case 1:
			if len(recs) != 0 {
				t.Errorf("loser %d wrote a record", i)
			}
		default:
			t.Errorf("joiner %d exit %d: %s", i, r.code, r.stderr)
		}
	}
	if won != 1 {
		t.Fatalf("%d joiners paired, want 1", won)
	}
}

func TestPairUsage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state") // warble makes it private
	for _, args := range [][]string{
		{"pair"},
		{"pair", "dance"},
		{"pair", "host", "-oob", "smoke", "-state", dir},
		{"pair", "host", "-via", "http://x", "-state", dir},
		{"pair", "host", "-oob", "auto", "-via", "ws://127.0.0.1:1", "-state", dir},
		{"pair", "host", "-timeout", "0s", "-state", dir},
		{"pair", "host", "extra", "-state", dir},
		{"pair", "join", "-code", "guitar", "-state", dir},
		{"pair", "join", "-code", "7-a", "-audio", "-state", dir},
		{"pair", "join", "-via", "ws://127.0.0.1:1", "-state", dir},
		{"unpair", "-state", dir},
		{"connect", "-state", dir},
		{"connect", "-state", dir, "-via", "carrier-pigeon", "x"},
		{"accept", "-state", dir, "extra"},
		{"peers", "-state", dir, "extra"},
	} {
		r := warble(t, nil, args...)
		r.want(t, 2, args...)
		if !strings.Contains(r.stderr, "warble: error:") {
			t.Errorf("warble %s: stderr %q has no error line", strings.Join(args, " "), r.stderr)
		}
	}
}

func TestPeersAndUnpair(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state") // warble makes it private
	r := warble(t, nil, "peers", "-state", dir)
	r.want(t, 0, "peers")
	if !strings.Contains(r.stdout, "no paired peers") || !strings.Contains(r.stdout, selfOf(t, dir)) {
		t.Errorf("peers of a fresh state: %q", r.stdout)
	}
	store, _ := pairing.OpenStore(dir)
	other, _ := pairing.NewIdentity()
	if err := store.AddPeer(pairing.Peer{Fingerprint: other.Fingerprint(), PublicKey: other.Public, Name: "tv", Via: "lan", PairedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	r = warble(t, nil, "peers", "-state", dir)
	if !strings.Contains(r.stdout, other.Fingerprint()) || !strings.Contains(r.stdout, "tv") {
		t.Errorf("peers: %q", r.stdout)
	}
	warble(t, nil, "unpair", "-state", dir, "nobody").want(t, 1, "unpair nobody")
	r = warble(t, nil, "unpair", "-state", dir, "-json", other.Fingerprint()[:10])
	r.want(t, 0, "unpair")
	if !strings.Contains(r.stdout, `"event":"unpaired"`) {
		t.Errorf("unpair -json: %q", r.stdout)
	}
	if len(peersOf(t, dir)) != 0 {
		t.Error("peer still listed after unpair")
	}
	warble(t, nil, "connect", "-state", dir, "tv").want(t, 1, "connect to an unpaired peer")
	warble(t, nil, "accept", "-state", dir).want(t, 1, "accept with no peers")
}

func TestCorruptStateIsReported(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	os.Mkdir(dir, 0o700)
	os.WriteFile(filepath.Join(dir, pairing.IdentityFile), []byte("junk"), 0o600)
	r := warble(t, nil, "peers", "-state", dir)
	r.want(t, 2, "peers with a corrupt identity")
	if !strings.Contains(r.stderr, "corrupt") || !strings.Contains(r.stderr, "hint") {
		t.Errorf("stderr: %q", r.stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, pairing.IdentityFile)); string(b) != "junk" {
		t.Error("corrupt identity was replaced")
	}
}

// netnsEnv marks a test binary re-executed in a network namespace of its
// own.
const netnsEnv = "WARBLE_CMD_NETNS"

// inNetns runs the calling test in a private network namespace whose only
// interface is a loopback set up for multicast, so no mDNS packet leaves
// the machine. In the parent it re-executes the test binary under
// unshare -n, reports the outcome and returns false; in the child it
// returns true.
func inNetns(t *testing.T) bool {
	t.Helper()
	if os.Getenv(netnsEnv) == "1" {
		return true
	}
	for _, tool := range []string{"unshare", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: LAN tests need a private network namespace", tool)
		}
	}
	if out, err := exec.Command("unshare", "-n", "true").CombinedOutput(); err != nil {
		t.Skipf("cannot make a network namespace (unshare -n: %v: %s); LAN tests never use the real interfaces", err, strings.TrimSpace(string(out)))
	}
	args := []string{"-n", "--", "sh", "-ec",
		`ip link set lo up; ip link set lo multicast on; ip route add 224.0.0.0/4 dev lo; exec "$@"`,
		"sh", os.Args[0], "-test.run=^" + t.Name() + "$", "-test.count=1", "-test.v"}
	cmd := exec.Command("unshare", args...)
	cmd.Env = append(os.Environ(), netnsEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("test in the network namespace failed: %v\n%s", err, out)
	}
	t.Logf("in a private network namespace:\n%s", out)
	return false
}

func TestPairOverLAN(t *testing.T) {
	if !inNetns(t) {
		return
	}
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	fa, fb := selfOf(t, a), selfOf(t, b)

	// Typed code.
	host := start(t, nil, "pair", "host", "-state", a, "-iface", "lo", "-name", "tv", "-timeout", "20s", "-json")
	code := host.next(t, "code")["code"].(string)
	join := start(t, nil, "pair", "join", "-state", b, "-iface", "lo", "-name", "phone", "-code", code, "-timeout", "20s", "-json")
	join.next(t, "found")
	hp, jp := host.next(t, "paired"), join.next(t, "paired")
	if hr, jr := host.wait(t), join.wait(t); hr.code != 0 || jr.code != 0 {
		t.Fatalf("exit host %d (%s), join %d (%s)", hr.code, hr.stderr, jr.code, jr.stderr)
	}
	if hp["peer"] != fb || jp["peer"] != fa || hp["transport"] != "lan" || jp["peer_name"] != "tv" {
		t.Fatalf("paired: %v, %v", hp, jp)
	}

	// Negotiated: the joiner has no code and takes the one the host shows,
	// typed on its stdin (-typed: it may have a microphone here, and then
	// offers a typed code only when asked).
	c := filepath.Join(t.TempDir(), "c")
	host = start(t, nil, "pair", "host", "-state", a, "-iface", "lo", "-oob", "auto", "-timeout", "20s", "-json")
	host.next(t, "waiting")
	typed, typing := io.Pipe()
	join = start(t, typed, "pair", "join", "-state", c, "-iface", "lo", "-typed", "-timeout", "20s", "-json")
	join.next(t, "found")
	if ch := host.next(t, "challenge"); ch["oob"] != "code" {
		t.Fatalf("host chose %v", ch)
	}
	join.next(t, "challenge")
	code = host.next(t, "code")["code"].(string)
	io.WriteString(typing, code+"\n")
	hp, jp = host.next(t, "paired"), join.next(t, "paired")
	if hr, jr := host.wait(t), join.wait(t); hr.code != 0 || jr.code != 0 {
		t.Fatalf("negotiated: exit host %d (%s), join %d (%s)", hr.code, hr.stderr, jr.code, jr.stderr)
	}
	if hp["peer"] != selfOf(t, c) || jp["peer"] != fa {
		t.Fatalf("negotiated: %v, %v", hp, jp)
	}

	// A joiner with a camera (here the test, speaking the protocol itself)
	// asks for a QR code; the host draws one for a 128-bit code.
	host = start(t, nil, "pair", "host", "-state", a, "-iface", "lo", "-oob", "auto", "-timeout", "20s", "-json")
	host.next(t, "waiting")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ifaces, err := lan.Interfaces("lo")
	if err != nil {
		t.Fatal(err)
	}
	conn, _, err := lan.Find(ctx, ifaces, lan.Negotiating)
	if err != nil {
		t.Fatal(err)
	}
	n, err := pairing.Offer(ctx, conn, []string{pairing.ChallengeQR})
	if err != nil || n.Chosen != pairing.ChallengeQR {
		t.Fatalf("offer qr: %+v, %v", n, err)
	}
	host.next(t, "challenge")
	shown := host.next(t, "code")
	qrCode, err := pairing.ParseCode(shown["code"].(string))
	if err != nil || shown["oob"] != "qr" || !qrCode.Audio() {
		t.Fatalf("qr code event %v: %v", shown, err)
	}
	u, err := pairing.ParseURI(shown["uri"].(string))
	if err != nil || u.Code.String() != qrCode.String() || u.Via != pairing.ViaLAN {
		t.Fatalf("qr code event %v: uri %+v, %v", shown, u, err)
	}
	// The code as scanned carries the host's view of the negotiation.
	camera, _ := pairing.NewIdentity()
	if _, err := pairing.JoinNegotiated(ctx, conn, n, u.Code, camera, pairing.Info{Name: "camera"}); err != nil {
		t.Fatalf("join with the QR code: %v", err)
	}
	if _, _, err := lan.Client(ctx, conn, camera, lan.PinFingerprint(fa)); err != nil {
		t.Fatalf("pinned TLS after the QR pairing: %v", err)
	}
	conn.Close()
	host.next(t, "paired")
	if hr := host.wait(t); hr.code != 0 {
		t.Fatalf("qr host exit %d: %s", hr.code, hr.stderr)
	}

	// A mistyped code never pairs, and both sides say so; the joiner
	// names the host it tried. The host keeps waiting, and the right code
	// still pairs.
	host = start(t, nil, "pair", "host", "-state", a, "-iface", "lo", "-name", "tv", "-timeout", "20s", "-json")
	code = host.next(t, "code")["code"].(string)
	wrong := code[:len(code)-1] + string(rune('a'+(code[len(code)-1]-'a'+1)%26))
	d := filepath.Join(t.TempDir(), "d")
	join = start(t, nil, "pair", "join", "-state", d, "-iface", "lo", "-code", wrong, "-timeout", "20s", "-json")
	join.next(t, "found")
	if f := host.next(t, "attempt-failed"); !strings.Contains(f["reason"].(string), "wrong code") {
		t.Fatalf("host's attempt-failed event: %v", f)
	}
	join.next(t, "failed")
	if jr := join.wait(t); jr.code != 1 || !strings.Contains(jr.stderr, "wrong code") || !strings.Contains(jr.stderr, `"tv" at 127.0.0.1:`) {
		t.Fatalf("wrong code: join exit %d (%s)", jr.code, jr.stderr)
	}
	if len(peersOf(t, d)) != 0 || len(peersOf(t, a)) != 3 {
		t.Fatalf("records after a wrong code: %d and %d", len(peersOf(t, d)), len(peersOf(t, a)))
	}
	join = start(t, nil, "pair", "join", "-state", d, "-iface", "lo", "-code", code, "-timeout", "20s", "-json")
	host.next(t, "paired")
	join.next(t, "found")
	join.next(t, "paired")
	if hr, jr := host.wait(t), join.wait(t); hr.code != 0 || jr.code != 0 {
		t.Fatalf("right code after a wrong one: exit host %d (%s), join %d (%s)", hr.code, hr.stderr, jr.code, jr.stderr)
	}
	if len(peersOf(t, d)) != 1 || len(peersOf(t, a)) != 4 {
		t.Fatalf("records after the right code: %d and %d", len(peersOf(t, d)), len(peersOf(t, a)))
	}

	// Someone else on the network advertises the code's discriminator
	// (the nameplate is no secret) and answers the joiner: the joiner
	// fails against it, says which host it tried, and tries no other.
	evilLn, err := lan.Listen()
	if err != nil {
		t.Fatal(err)
	}
	defer evilLn.Close()
	spoofed := pairing.Code{}
	if spoofed, err = pairing.ParseCode("42-guitar-kitten-maple"); err != nil {
		t.Fatal(err)
	}
	evilAd, err := lan.Advertise(lan.Advert{Port: lan.Port(evilLn), Name: "evil", Discriminator: lan.Discriminator(spoofed.Nameplate())}, ifaces)
	if err != nil {
		t.Fatal(err)
	}
	defer evilAd.Close()
	tries := make(chan int, 1)
	go func() {
		n := 0
		defer func() { tries <- n }()
		for {
			c, err := evilLn.Accept()
			if err != nil {
				return
			}
			n++
			guess, _ := pairing.ParseCode("42-otter-onion-orbit")
			evil, _ := pairing.NewIdentity()
			pairing.Host(ctx, c, guess, evil, pairing.Info{Name: "evil"})
			c.Close()
		}
	}()
	e := filepath.Join(t.TempDir(), "e")
	r := warble(t, nil, "pair", "join", "-state", e, "-iface", "lo", "-code", spoofed.String(), "-timeout", "20s")
	r.want(t, 1, "join answered by an impostor")
	if !strings.Contains(r.stderr, `"evil" at 127.0.0.1:`) || !strings.Contains(r.stderr, "wrong code") {
		t.Fatalf("the joiner does not name the host it tried: %s", r.stderr)
	}
	evilLn.Close()
	if n := <-tries; n != 1 {
		t.Fatalf("the impostor got %d attempts, want 1", n)
	}

	// Reconnection on the LAN: pinned TLS 1.3, no code.
	type out struct {
		code           int
		stdout, stderr string
	}
	accepted := make(chan out, 1)
	go func() {
		var o, e bytes.Buffer
		code := run([]string{"accept", "-state", a, "-iface", "lo", "-peer", fb, "-timeout", "20s"}, strings.NewReader("from accept"), &o, &e)
		accepted <- out{code, o.String(), e.String()}
	}()
	// Two clients connect to accept and say nothing: the handshakes run
	// side by side, so they hold up nobody.
	stall, acceptor, err := lan.Find(ctx, ifaces, lan.ForPeer(fa))
	if err != nil {
		t.Fatal(err)
	}
	defer stall.Close()
	stall2, err := lan.Dial(ctx, acceptor)
	if err != nil {
		t.Fatal(err)
	}
	defer stall2.Close()
	var cout, cerr bytes.Buffer
	ccode := run([]string{"connect", "-state", b, "-iface", "lo", "-timeout", "15s", "tv"}, strings.NewReader("from connect"), &cout, &cerr)
	ar := <-accepted
	if ccode != 0 || ar.code != 0 || cout.String() != "from accept" || ar.stdout != "from connect" {
		t.Fatalf("connect exit %d %q (%s); accept exit %d %q (%s)", ccode, cout.String(), cerr.String(), ar.code, ar.stdout, ar.stderr)
	}
	if !strings.Contains(cerr.String(), "over the lan") {
		t.Errorf("connect stderr: %s", cerr.String())
	}
}
