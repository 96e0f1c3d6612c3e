package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"warble/internal/audio"
	"warble/modem"
	"warble/optical"
	"warble/pairing"
	"warble/pairing/lan"
	"warble/pairing/relay"
	"warble/payload"
)

const pairUsage = `usage: warble pair host [-state DIR] [-via lan|ws://HOST:PORT] [-oob code|audio|qr|flash|auto]
           [-audio] [-qr out.png] [-flash-levels FILE] [-flash-html out.html] [-flash-mode safe|full]
           [-name NAME] [-timeout 2m] [-json]
       warble pair join [-state DIR] [-via lan|ws://HOST:PORT] [-code CODE | -audio | -qr in.png | -flash trace.csv]
           [-typed] [-name NAME] [-timeout 2m] [-json]
The host makes a code and shows it (or chirps it with -audio, writes the
pairing URI warble:pair?code=…&via=… as a QR code with -qr, or writes it
to be flashed with -flash-levels or -flash-html); the joiner types it (or
hears it, or reads the QR code image or a light sensor's trace of the
flashing). Both then prove they hold the same code (CPace), exchange
identities, and remember each other in the state directory.
On the LAN a joiner with no code lets a host started with -oob auto choose
the challenge; a joiner whose -qr or -flash file does not exist yet asks for
that challenge and waits for the file. A joiner that can hear a chirped code
offers only that, and a typed code too only with -typed. Both sides show the
challenge chosen; a 128-bit code carries the host's choice, so a
negotiation changed on the network fails as such.
Exit status: 0 paired, 1 failed (wrong code, timeout, peer gone, nothing in
the image or trace), 2 usage or an unreadable image or trace.`

// events prints what happens, as text or one JSON object per line.
type events struct {
	w      io.Writer
	asJSON bool
}

func (e events) emit(kind string, fields map[string]any, text string) {
	if e.asJSON {
		// "event" first, then the fields by name.
		var b strings.Builder
		k, _ := json.Marshal(kind)
		b.WriteString(`{"event":`)
		b.Write(k)
		for _, name := range slices.Sorted(maps.Keys(fields)) {
			n, _ := json.Marshal(name)
			v, err := json.Marshal(fields[name])
			if err != nil {
				continue
			}
			b.WriteByte(',')
			b.Write(n)
			b.WriteByte(':')
			b.Write(v)
		}
		b.WriteString("}\n")
		io.WriteString(e.w, b.String())
		return
	}
	fmt.Fprintln(e.w, text)
}

// pairFlags are the flags host and join share.
type pairFlags struct {
	state, via, name, iface, device, backend, profile string
	timeout                                           time.Duration
	asJSON, audio                                     bool
}

func (p *pairFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&p.state, "state", "", "state directory: identity and paired peers (default: warble under the user's config directory)")
	fs.StringVar(&p.via, "via", "lan", "where the two sides meet: lan, or a relay's ws://HOST:PORT (or wss://)")
	fs.StringVar(&p.name, "name", "", "this device's name as the peer sees it (default: the host name)")
	fs.StringVar(&p.iface, "iface", "", "on the LAN, the network interfaces to use, comma-separated (default: all)")
	fs.DurationVar(&p.timeout, "timeout", 2*time.Minute, "give up after this long")
	fs.BoolVar(&p.asJSON, "json", false, "print one JSON event per line")
	fs.BoolVar(&p.audio, "audio", false, "carry the code by sound: the host chirps it, the joiner hears it")
	fs.StringVar(&p.device, "device", "", "with -audio, the sound device, as 'warble devices' lists it (default: the system's default)")
	fs.StringVar(&p.backend, "backend", "portaudio", "with -audio on the host, the playback library: portaudio or oto")
	fs.StringVar(&p.profile, "profile", "room", "with -audio on the host, the modem profile that carries the code")
}

// check validates the shared flags and opens the state.
func (p *pairFlags) open() (*pairing.Store, *pairing.Identity, pairing.Info, error) {
	var info pairing.Info
	if p.timeout <= 0 {
		return nil, nil, info, usageErr("-timeout %v must be positive", p.timeout)
	}
	if p.via != "lan" && !strings.HasPrefix(p.via, "ws://") && !strings.HasPrefix(p.via, "wss://") {
		return nil, nil, info, usageErr("-via %q: want lan or a relay's ws://HOST:PORT", p.via)
	}
	if p.iface != "" && p.via != "lan" {
		return nil, nil, info, usageErr("-iface is for -via lan only")
	}
	name := p.name
	if name == "" {
		name, _ = os.Hostname()
		if len(name) > pairing.MaxNameLen {
			name = name[:pairing.MaxNameLen]
		}
	}
	info = pairing.Info{Name: name, Kind: "cli", Version: pairing.ProtocolVersion, Transports: []string{pairing.TransportLAN, pairing.TransportRelay}}
	if err := info.Check(); err != nil {
		return nil, nil, info, usageErr("-name %q: %v", p.name, err)
	}
	store, id, err := openState(p.state)
	return store, id, info, err
}

// openState opens the state directory and its identity; a corrupt file is
// exit status 2, never replaced.
func openState(dir string) (*pairing.Store, *pairing.Identity, error) {
	if dir == "" {
		d, err := pairing.DefaultStateDir()
		if err != nil {
			return nil, nil, &exitError{code: 2, msg: err.Error(), hints: []string{"give a state directory with -state DIR"}}
		}
		dir = d
	}
	store, err := pairing.OpenStore(dir)
	if err != nil {
		return nil, nil, &exitError{code: 2, msg: err.Error()}
	}
	id, err := store.Identity()
	if err != nil {
		return nil, nil, stateErr(err)
	}
	return store, id, nil
}

func stateErr(err error) error {
	e := &exitError{code: 2, msg: err.Error()}
	if errors.Is(err, pairing.ErrCorruptState) {
		e.hints = []string{"warble never overwrites a damaged state file; move it aside (or restore it) and run again"}
	}
	if errors.Is(err, pairing.ErrInsecureState) {
		e.hints = []string{"the identity key is secret: keep the state directory (0700) and identity file (0600) to yourself, and make a new identity (warble unpair, pair again) if others may have read it"}
	}
	return e
}

func (p *pairFlags) transport() string {
	if p.via == "lan" {
		return pairing.TransportLAN
	}
	return pairing.TransportRelay
}

// signalContext is the command's context: Ctrl-C and the timeout end it.
func signalContext(timeout time.Duration) (context.Context, context.CancelFunc) {
	sigCtx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	ctx, cancel := context.WithTimeoutCause(sigCtx, timeout, fmt.Errorf("timed out after %v", timeout))
	return ctx, func() { cancel(); stop() }
}

func cmdPair(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "host" && args[0] != "join") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fmt.Fprintln(stderr, pairUsage)
			return &exitError{code: 0}
		}
		fmt.Fprintln(stderr, pairUsage)
		return usageErr("pair takes host or join")
	}
	if args[0] == "host" {
		return cmdPairHost(args[1:], stdout, stderr)
	}
	return cmdPairJoin(args[1:], stdin, stdout, stderr)
}

func cmdPairHost(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("pair host", stderr)
	var pf pairFlags
	pf.add(fs)
	oob := fs.String("oob", "code", "how the code reaches the joiner: code (shown), audio (chirped), qr (a QR code: -qr FILE, else drawn in the terminal), flash (-flash-levels or -flash-html), or auto (the LAN joiner says what it can take; this host gives audio with -audio, qr, flash with -flash-levels or -flash-html, and code)")
	var opt hostOptical
	fs.StringVar(&opt.qrFile, "qr", "", "write the pairing URI as a QR code PNG to this file")
	fs.StringVar(&opt.levelsFile, "flash-levels", "", "write the code as luminance levels in [0,1], one per display refresh and a line, to this file (as 'warble flash -levels')")
	fs.StringVar(&opt.htmlFile, "flash-html", "", "write a web page that flashes the code to this file (as 'warble flash -html')")
	flashMode := fs.String("flash-mode", "safe", "with -flash-levels or -flash-html: safe (every level ≥ 0.8 of white) or full (black to white, faster; a seizure risk)")
	fs.Float64Var(&opt.refreshHz, "refresh", 60, "with -flash-html, the display's refresh rate in Hz")
	fs.Usage = func() { fmt.Fprintln(stderr, pairUsage); fs.PrintDefaults() }
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErr("pair host takes no arguments (got %q)", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch *oob {
	case "code", "audio", "qr", "flash", "auto":
	default:
		return usageErr("-oob %q: want code, audio, qr, flash or auto", *oob)
	}
	p, err := optical.Lookup(*flashMode)
	if err != nil {
		return usageErr("-flash-mode %q: want safe or full", *flashMode)
	}
	opt.flashMode, opt.warnFlashed = p, stderr
	if !(opt.refreshHz >= 10 && opt.refreshHz <= 500) {
		return usageErr("-refresh %g Hz is outside 10..500", opt.refreshHz)
	}
	opt.canFlash = opt.levelsFile != "" || opt.htmlFile != ""
	// -audio, -qr and -flash-* each name a challenge.
	var named []string
	flagOf := map[string]string{pairing.ChallengeAudio: "-audio", pairing.ChallengeQR: "-qr", pairing.ChallengeFlash: "-flash-levels or -flash-html"}
	if pf.audio {
		named = append(named, pairing.ChallengeAudio)
	}
	if opt.qrFile != "" {
		named = append(named, pairing.ChallengeQR)
	}
	if opt.canFlash {
		named = append(named, pairing.ChallengeFlash)
	}
	if *oob != "auto" {
		switch {
		case set["oob"]:
			for _, n := range named {
				if n != *oob {
					return usageErr("-oob %s and %s ask for different challenges: give one, or -oob auto to let the joiner choose", *oob, flagOf[n])
				}
			}
		case len(named) > 1:
			return usageErr("%s and %s each choose a challenge: give one, or -oob auto to let the joiner choose", flagOf[named[0]], flagOf[named[1]])
		case len(named) == 1:
			*oob = named[0]
		}
	}
	if *oob == "flash" && !opt.canFlash {
		return usageErr("-oob flash needs -flash-levels FILE or -flash-html FILE to write the flashing to")
	}
	if *oob == "auto" && pf.via != "lan" {
		return usageErr("-oob auto needs -via lan: the joiner negotiates on a LAN connection")
	}
	var chirp *chirper
	if *oob == "audio" || *oob == "auto" && pf.audio {
		c, err := newChirper(pf)
		if err != nil {
			return err
		}
		chirp = c
	}
	store, self, info, err := pf.open()
	if err != nil {
		return err
	}
	ev := events{w: stdout, asJSON: pf.asJSON}
	tctx, cancel := signalContext(pf.timeout)
	defer cancel()
	// A speaker that cannot play ends the wait at once.
	ctx, abandon := context.WithCancelCause(tctx)
	defer abandon(nil)

	var stopChirp context.CancelFunc = func() {}
	defer func() { stopChirp() }()
	h := &hoster{ev: ev, self: self, info: info, show: func(code pairing.Code, kind string) error {
		switch kind {
		case pairing.ChallengeQR:
			u := pairURI(code, pf.via)
			art, err := opt.writeQR(u)
			if err != nil {
				return err
			}
			fields := map[string]any{"code": code.String(), "oob": "qr", "uri": u.String()}
			switch {
			case opt.qrFile != "":
				fields["file"] = opt.qrFile
				ev.emit("code", fields, "wrote the pairing QR code to "+opt.qrFile+"\n(on the other device: warble pair join -qr "+opt.qrFile+")")
			case pf.asJSON:
				ev.emit("code", fields, "")
			default:
				fmt.Fprintf(stdout, "scan this QR code on the other device:\n%s", art)
			}
			return nil
		case pairing.ChallengeFlash:
			secs, err := opt.writeFlash(code)
			if err != nil {
				return err
			}
			files := opt.files()
			joinCmd := "warble pair join -flash trace.csv"
			if pf.via != "lan" {
				joinCmd += " -via " + pf.via
			}
			ev.emit("code", map[string]any{"code": code.String(), "oob": "flash", "files": files, "mode": opt.flashMode.Name, "seconds": round(secs, 2)},
				fmt.Sprintf("wrote the code to flash to %s (%s mode, %.1f s a transmission)\n(on the other device: record the flashing with a light sensor, then %s)", strings.Join(files, " and "), opt.flashMode.Name, secs, joinCmd))
			return nil
		}
		if kind == pairing.ChallengeAudio {
			ev.emit("code", map[string]any{"code": code.String(), "oob": "audio"}, "chirping the code "+code.String()+" (waiting for the joiner)")
			stopChirp() // a code dropped for a new one falls silent
			var cctx context.Context
			cctx, stopChirp = context.WithCancel(ctx)
			go func() {
				if err := chirp.run(cctx, code); err != nil {
					abandon(err)
				}
			}()
			return nil
		}
		joinCmd := "warble pair join -code " + code.String()
		if pf.via != "lan" {
			joinCmd += " -via " + pf.via
		}
		ev.emit("code", map[string]any{"code": code.String(), "oob": "code"}, "code: "+code.String()+"\n(on the other device: "+joinCmd+")")
		return nil
	}}
	// The challenges that carry a 128-bit code come first; a typed code
	// is the fallback.
	if chirp != nil {
		h.canGive = []string{pairing.ChallengeAudio}
	}
	h.canGive = append(h.canGive, pairing.ChallengeQR)
	if opt.canFlash {
		h.canGive = append(h.canGive, pairing.ChallengeFlash)
	}
	h.canGive = append(h.canGive, pairing.ChallengeCode)

	var res *pairing.Result
	var conn net.Conn
	if pf.via == "lan" {
		res, conn, err = h.lan(ctx, pf, *oob)
	} else {
		res, conn, err = h.relay(ctx, pf, *oob)
	}
	stopChirp()
	if conn != nil {
		defer conn.Close()
	}
	return finishPair(ctx, ev, store, self, res, err, pf)
}

// hoster is the host's side: it makes codes for challenges and shows them.
type hoster struct {
	ev      events
	self    *pairing.Identity
	info    pairing.Info
	canGive []string // challenges this host can give, preferred first
	show    func(code pairing.Code, kind string) error
}

// makeCode makes a code for a challenge: one to type, or a 128-bit one
// for a channel nobody types (sound, QR, flash).
func makeCode(kind string) (pairing.Code, error) {
	if kind == pairing.ChallengeCode {
		return pairing.NewCode()
	}
	return pairing.NewAudioCode()
}

// earlyJoinNanos is how soon after a code is shown a join is too early to
// come from someone who read it: no person types, and no microphone or
// camera takes in, a code that fast. Tests that join at machine speed set
// it lower.
var earlyJoinNanos atomic.Int64

func init() { earlyJoinNanos.Store(int64(time.Second)) }

// maxEarlyJoins is how many codes in a row the host gives up to joiners
// that came too early before it stops.
const maxEarlyJoins = 5

// relay runs the host's side through a relay: the code's nameplate is the
// rendezvous. Only the host opens a nameplate, so nobody waits there
// before it; a joiner that arrives before the code could have been read
// has guessed or probed the nameplate, and the host drops that code
// (the relay retires it) and shows a new one.
func (h *hoster) relay(ctx context.Context, pf pairFlags, oob string) (*pairing.Result, net.Conn, error) {
	kind := oob
	for early := 0; ; early++ {
		code, c, err := h.openNameplate(ctx, pf, kind)
		if err != nil {
			return nil, nil, err
		}
		if err := h.show(code, kind); err != nil {
			c.Fail("pairing failed")
			c.Close()
			return nil, nil, err
		}
		shown := time.Now()
		if err := c.Wait(ctx); err != nil {
			c.Close()
			return nil, nil, err
		}
		if time.Since(shown) < time.Duration(earlyJoinNanos.Load()) {
			c.Fail("joined before the code could have been read")
			c.Close()
			h.ev.emit("early-join", map[string]any{"nameplate": code.Nameplate()},
				"warble: someone joined nameplate "+code.Nameplate()+" before the code could have been read; that code is dropped")
			if early+1 >= maxEarlyJoins {
				return nil, nil, fmt.Errorf("%d codes in a row were joined before they could have been read: someone is probing the relay", maxEarlyJoins)
			}
			continue
		}
		res, err := pairing.Host(ctx, c, code, h.self, h.info)
		if err != nil {
			c.Fail(failReason(err))
			c.Close()
			return nil, nil, err
		}
		return res, c, nil
	}
}

// openNameplate makes a code for kind and opens its nameplate at the relay.
// A nameplate someone else holds is no failure of this pairing: it makes
// another code.
func (h *hoster) openNameplate(ctx context.Context, pf pairFlags, kind string) (pairing.Code, *relay.Conn, error) {
	for range 5 {
		code, err := makeCode(kind)
		if err != nil {
			return pairing.Code{}, nil, err
		}
		c, err := relay.Dial(ctx, pf.via, code.Nameplate(), relay.RoleHost)
		if err == nil {
			return code, c, nil
		}
		if !errors.Is(err, relay.ErrTaken) && !errors.Is(err, relay.ErrRetired) {
			return pairing.Code{}, nil, err
		}
	}
	return pairing.Code{}, nil, errors.New("the relay has no free nameplate; try again")
}

func failReason(err error) string {
	if errors.Is(err, pairing.ErrWrongCode) {
		return "wrong code"
	}
	return "pairing failed"
}

// finishPair records a pairing that succeeded, and reports either way.
func finishPair(ctx context.Context, ev events, store *pairing.Store, self *pairing.Identity, res *pairing.Result, err error, pf pairFlags) error {
	if err == nil && res.Fingerprint == self.Fingerprint() {
		err = errors.New("the peer has this device's own identity (is it the same state directory?)")
	}
	if err == nil {
		p := pairing.Peer{
			Fingerprint: res.Fingerprint, PublicKey: res.PeerKey, Name: res.Peer.Name, Kind: res.Peer.Kind,
			Transports: res.Peer.Transports, Via: pf.transport(), PairedAt: time.Now().UTC().Truncate(time.Second),
		}
		if pf.via != "lan" {
			p.Relay = pf.via
		}
		if serr := store.AddPeer(p); serr != nil {
			ev.emit("failed", map[string]any{"reason": serr.Error()}, "")
			return stateErr(serr)
		}
		ev.emit("paired", map[string]any{"self": self.Fingerprint(), "peer": res.Fingerprint, "peer_name": res.Peer.Name, "transport": pf.transport()},
			fmt.Sprintf("paired with %q (%s) over the %s\nthis device: %s", res.Peer.Name, res.Fingerprint, pf.transport(), self.Fingerprint()))
		return nil
	}
	reason := err.Error()
	var hints []string
	var de *audio.DeviceError
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		if ev.asJSON {
			ev.emit("failed", map[string]any{"reason": ee.msg}, "")
		}
		return ee
	case errors.As(context.Cause(ctx), &de) || errors.Is(context.Cause(ctx), audio.ErrNoCgo):
		if ev.asJSON {
			ev.emit("failed", map[string]any{"reason": context.Cause(ctx).Error()}, "")
		}
		return deviceErr(context.Cause(ctx), false)
	case errors.Is(err, pairing.ErrNegotiation):
		reason = "the two sides saw different challenge negotiations: someone on the network changed the offer or the choice"
		hints = []string{"nothing was paired; pair again, and check that both sides show the same challenge"}
	case errors.Is(err, pairing.ErrWrongCode):
		reason = "wrong code: the two sides do not hold the same code"
		hints = []string{"the code is used up; start the host again for a new code, and type it exactly"}
	case ctx.Err() != nil:
		reason = fmt.Sprintf("%v before the pairing completed", context.Cause(ctx))
		hints = []string{"start both sides within -timeout, on the same network or with the same -via relay"}
	}
	var th *triedHost
	if errors.As(err, &th) {
		if !strings.Contains(reason, th.addr) {
			reason = fmt.Sprintf("%s (host %q at %s)", reason, th.name, th.addr)
		}
		hints = append(hints, "warble tried only that host; if it is not the device you meant, someone on this network answered in its place: check the name and address on the host's screen")
	}
	reason = strings.TrimPrefix(reason, "pairing: ")
	if ev.asJSON {
		ev.emit("failed", map[string]any{"reason": reason}, "")
	}
	return &exitError{code: 1, msg: "pairing failed: " + reason, hints: hints}
}

func cmdPairJoin(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("pair join", stderr)
	var pf pairFlags
	pf.add(fs)
	codeArg := fs.String("code", "", "the code the host shows")
	typed := fs.Bool("typed", false, "on the LAN with no code, also offer to type a code when this device can take a stronger challenge (sound, QR, flash); a typed code has 24 bits")
	var later lateInvite
	qrIn := fs.String("qr", "", "read the pairing URI (code, and LAN or relay) from the QR code in this image (PNG, JPEG or GIF)")
	flashIn := fs.String("flash", "", "read the flashed code from this light sensor trace (CSV t,value lines, as 'warble flash-decode' reads)")
	fs.Float64Var(&later.refreshHz, "refresh", 60, "with -flash, the refresh rate in Hz of the display that flashed")
	fs.Usage = func() { fmt.Fprintln(stderr, pairUsage); fs.PrintDefaults() }
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErr("pair join takes no arguments (got %q); give the code with -code", fs.Args())
	}
	given := 0
	for _, g := range []bool{*codeArg != "", pf.audio, *qrIn != "", *flashIn != ""} {
		if g {
			given++
		}
	}
	if given > 1 {
		return usageErr("give one of -code, -audio, -qr and -flash")
	}
	if !(later.refreshHz >= 10 && later.refreshHz <= 500) {
		return usageErr("-refresh %g Hz is outside 10..500", later.refreshHz)
	}
	viaSet := false
	fs.Visit(func(f *flag.Flag) { viaSet = viaSet || f.Name == "via" })
	var code pairing.Code
	if *codeArg != "" {
		c, err := pairing.ParseCode(*codeArg)
		if err != nil {
			return usageErr("-code: %v", strings.TrimPrefix(err.Error(), "pairing: "))
		}
		code = c
	}
	// A QR code image or a trace that exists is read now; on the LAN, one
	// that does not exist yet is asked for in the challenge negotiation.
	var invite *pairing.URI
	if *qrIn != "" || *flashIn != "" {
		later.kind, later.file = pairing.ChallengeQR, *qrIn
		if *flashIn != "" {
			later.kind, later.file = pairing.ChallengeFlash, *flashIn
		}
		_, err := os.Stat(later.file)
		if pf.via == "lan" && errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(stderr, "warble: %s does not exist yet: asking a host on the LAN (started with -oob auto) for the %s challenge, then waiting for the file\n", later.file, later.kind)
		} else {
			u, err := later.read()
			if err != nil {
				return err
			}
			if u.Via != "" {
				via := u.Via
				if via == pairing.ViaLAN {
					via = "lan"
				}
				if viaSet && via != pf.via {
					return usageErr("-via %s, but the %s invitation says to meet via %s", pf.via, later.kind, via)
				}
				pf.via = via
			}
			code, invite = u.Code, &u
			invite.Via = pf.via
		}
	}
	readKind := later.kind
	if invite != nil {
		later.kind = ""
	}
	if code.IsZero() && !pf.audio && later.kind == "" && pf.via != "lan" {
		return usageErr("through a relay the joiner needs -code CODE, -audio, -qr FILE or -flash FILE")
	}
	store, self, info, err := pf.open()
	if err != nil {
		return err
	}
	ev := events{w: stdout, asJSON: pf.asJSON}
	ctx, cancel := signalContext(pf.timeout)
	defer cancel()
	if invite != nil {
		ev.emit("read", map[string]any{"oob": readKind, "nameplate": code.Nameplate(), "via": invite.Via}, "read the code for nameplate "+code.Nameplate()+" from "+later.file)
	}

	if pf.audio {
		fmt.Fprintln(stderr, "warble: listening for the host's chirped code")
		c, err := hearCode(ctx, pf.device)
		if err != nil {
			var de *audio.DeviceError
			if errors.As(err, &de) || errors.Is(err, audio.ErrNoCgo) {
				return deviceErr(err, true)
			}
			if ctx.Err() != nil {
				err = fmt.Errorf("no code heard: %v", context.Cause(ctx))
			}
			return finishPair(ctx, ev, store, self, nil, err, pf)
		}
		code = c
		ev.emit("heard", map[string]any{"nameplate": code.Nameplate()}, "heard the code for nameplate "+code.Nameplate())
	}
	if !code.IsZero() && code.Typo() {
		fmt.Fprintf(stderr, "warble: warning: %q is not a code warble makes; it will most likely fail (and use up the host's code)\n", code.String())
	}

	var res *pairing.Result
	var conn net.Conn
	if pf.via == "lan" {
		res, conn, err = lanJoin(ctx, pf, code, later, *typed, self, info, stdin, stderr, ev)
	} else {
		var c *relay.Conn
		c, err = relay.Dial(ctx, pf.via, code.Nameplate(), relay.RoleJoin)
		if err == nil {
			res, err = pairing.Join(ctx, c, code, self, info)
			if err != nil {
				c.Fail(failReason(err))
				c.Close()
			} else {
				conn = c
			}
		}
		switch {
		case errors.Is(err, relay.ErrRetired):
			err = fmt.Errorf("%w: the code was already used (each code pairs once, and a failed attempt retires it)", err)
		case errors.Is(err, relay.ErrNoSuchPairing):
			err = fmt.Errorf("%w: check the code, and that the host is still running and shows it", err)
		}
	}
	if conn != nil {
		defer conn.Close()
	}
	return finishPair(ctx, ev, store, self, res, err, pf)
}

// promptCode asks for the code on the terminal (stdin).
func promptCode(ctx context.Context, stdin io.Reader, stderr io.Writer) (pairing.Code, error) {
	fmt.Fprint(stderr, "enter the code the host shows: ")
	type line struct {
		s   string
		err error
	}
	ch := make(chan line, 1)
	go func() {
		s, err := bufio.NewReader(stdin).ReadString('\n')
		if err == io.EOF && s != "" {
			err = nil
		}
		ch <- line{s, err}
	}()
	select {
	case <-ctx.Done():
		return pairing.Code{}, context.Cause(ctx)
	case l := <-ch:
		if l.err != nil {
			return pairing.Code{}, fmt.Errorf("reading the code: %w", l.err)
		}
		return pairing.ParseCode(l.s)
	}
}

// chirper plays a code from the speaker, again and again, in its compact
// form (as the flash carries it too).
type chirper struct {
	samples func(pairing.Code) ([]float32, error)
	opts    audio.PlayOptions
}

func newChirper(pf pairFlags) (*chirper, error) {
	b, err := audio.ParseBackend(pf.backend)
	if err != nil {
		return nil, usageErr("-backend %q: want portaudio or oto", pf.backend)
	}
	p, err := modem.Lookup(pf.profile)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return &chirper{
		samples: func(c pairing.Code) ([]float32, error) {
			payload := c.Compact()
			if payload == nil {
				return nil, fmt.Errorf("%q has no compact form to chirp", c)
			}
			return transmission(p, payload, 1, 0, 0)
		},
		// Each play of the chirp starts a stream: lead each with silence
		// until the output takes it in real time, as send does.
		opts: audio.PlayOptions{Backend: b, Device: pf.device, Lead: audio.AdaptiveLead},
	}, nil
}

// run chirps the code until ctx ends, with a pause between repeats. It
// returns an error only when the speaker fails.
func (c *chirper) run(ctx context.Context, code pairing.Code) error {
	s, err := c.samples(code)
	if err != nil {
		return err
	}
	s = append(s, make([]float32, deviceRate*7/10)...)
	for ctx.Err() == nil {
		if err := audio.Play(ctx, s, deviceRate, c.opts); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("chirping the code: %w", err)
		}
	}
	return nil
}

// hearCode listens on the microphone until a frame holds an audio code.
func hearCode(ctx context.Context, device string) (pairing.Code, error) {
	rx, err := modem.NewReceiver(deviceRate)
	if err != nil {
		return pairing.Code{}, err
	}
	c, err := audio.OpenCapture(audio.CaptureOptions{Device: device, RateHz: deviceRate})
	if err != nil {
		return pairing.Code{}, err
	}
	defer c.Close()
	buf := make([]float32, 2048)
	var frames []modem.Frame
	for {
		n, err := c.Read(ctx, buf)
		if err != nil {
			return pairing.Code{}, err
		}
		frames = rx.Receive(frames[:0], buf[:n])
		for _, f := range frames {
			// An NFC-style warble.dev:pair record holds the code too.
			if inner, ok := payload.PairInvite(f.Payload); ok {
				if u, ok := parseInvite(inner); ok && u.Code.Audio() {
					return u.Code, nil
				}
			}
			if code, err := pairing.ParseCompact(f.Payload); err == nil {
				return code, nil
			}
			if code, err := pairing.ParseCode(string(f.Payload)); err == nil && code.Audio() {
				return code, nil
			}
		}
	}
}

// Attempts on the LAN: how many joiners may try one code before the host
// retires it and shows a new one, and how long a joiner that has the code
// may take over the handshake before the next one gets its turn.
const (
	lanAttempts       = 3
	lanAttemptTimeout = 30 * time.Second
)

// lan runs the host's side on the LAN: it listens on TCP, advertises with
// mDNS (the code's discriminator, or that it negotiates), and pairs with
// the first joiner that completes the handshake — someone else who
// connects first and fails does not end the wait. After lanAttempts
// failures it retires the code and shows a new one. Then it hands the
// connection over to TLS 1.3 pinned to the peer's key.
func (h *hoster) lan(ctx context.Context, pf pairFlags, oob string) (*pairing.Result, net.Conn, error) {
	ifaces, err := lan.Interfaces(pf.iface)
	if err != nil {
		return nil, nil, usageErr("%v", err)
	}
	for {
		res, conn, err := h.lanRound(ctx, ifaces, oob)
		if errors.Is(err, pairing.ErrAttemptsUsed) && ctx.Err() == nil {
			h.ev.emit("retired", map[string]any{"attempts": lanAttempts},
				fmt.Sprintf("warble: %d attempts failed; that code is retired", lanAttempts))
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		tc, _, err := lan.Server(ctx, conn, h.self, lan.PinKey(res.PeerKey))
		if err != nil {
			conn.Close()
			return nil, nil, fmt.Errorf("pinned TLS after pairing: %w", err)
		}
		return res, tc, nil
	}
}

// lanRound advertises one code (or the negotiation) and serves joiners
// until one pairs or lanAttempts have failed.
func (h *hoster) lanRound(ctx context.Context, ifaces []net.Interface, oob string) (*pairing.Result, net.Conn, error) {
	ln, err := lan.Listen()
	if err != nil {
		return nil, nil, err
	}
	defer ln.Close()
	adv := lan.Advert{Port: lan.Port(ln), Name: h.info.Name}
	var code pairing.Code
	if oob == "auto" {
		adv.Negotiate = true
	} else {
		if code, err = makeCode(oob); err != nil {
			return nil, nil, err
		}
		adv.Discriminator = lan.Discriminator(code.Nameplate())
	}
	ad, err := lan.Advertise(adv, ifaces)
	if err != nil {
		return nil, nil, err
	}
	defer ad.Close()
	if oob == "auto" {
		h.ev.emit("waiting", map[string]any{"oob": "auto", "challenges": h.canGive},
			"waiting for a joiner on the LAN to say which challenge it can take ("+strings.Join(h.canGive, ", ")+")")
	} else if err := h.show(code, oob); err != nil {
		return nil, nil, err
	}
	return pairing.Serve(ctx, ln, lanAttempts, func(ctx context.Context, c net.Conn) (*pairing.Result, error) {
		res, err := h.lanAttempt(ctx, c, oob, code)
		if err != nil && ctx.Err() == nil {
			h.ev.emit("attempt-failed", map[string]any{"from": c.RemoteAddr().String(), "reason": strings.TrimPrefix(err.Error(), "pairing: ")},
				fmt.Sprintf("warble: a pairing attempt from %s failed: %s; still waiting", c.RemoteAddr(), strings.TrimPrefix(err.Error(), "pairing: ")))
		}
		return res, err
	})
}

// lanAttempt runs one joiner's attempt: the handshake with the code shown,
// or the negotiation and then a code for the challenge chosen.
func (h *hoster) lanAttempt(ctx context.Context, c net.Conn, oob string, code pairing.Code) (*pairing.Result, error) {
	if oob != "auto" {
		// The joiner already has the code: the handshake is quick, and a
		// joiner that stalls does not hold up the next for long.
		actx, cancel := context.WithTimeout(ctx, lanAttemptTimeout)
		defer cancel()
		return pairing.Host(actx, c, code, h.self, h.info)
	}
	// A joiner offers as soon as it connects; one that says nothing does
	// not hold up the next for long.
	cctx, cancel := context.WithTimeout(ctx, lanAttemptTimeout)
	n, err := pairing.Choose(cctx, c, h.canGive)
	cancel()
	if err != nil {
		return nil, err
	}
	kind := n.Chosen
	h.ev.emit("challenge", map[string]any{"oob": kind, "offered": n.Offered}, "the joiner takes the challenge: "+kind+" (it offered "+strings.Join(n.Offered, ", ")+")")
	if code, err = makeCode(kind); err != nil {
		return nil, err
	}
	// A code nobody types carries the negotiation as this host saw it, so
	// the joiner can tell a changed negotiation from a wrong code.
	if kind != pairing.ChallengeCode {
		if code, err = code.WithNegotiation(n); err != nil {
			return nil, err
		}
	}
	if err := h.show(code, kind); err != nil {
		return nil, err
	}
	return pairing.HostNegotiated(ctx, c, n, code, h.self, h.info)
}

// triedHost is a LAN pairing that failed against the host it names.
type triedHost struct {
	name, addr string
	err        error
}

func (t *triedHost) Error() string {
	return fmt.Sprintf("pairing with %q at %s: %v", t.name, t.addr, strings.TrimPrefix(t.err.Error(), "pairing: "))
}

func (t *triedHost) Unwrap() error { return t.err }

// joinerOffer is what a joiner offers in the challenge negotiation: the
// challenge its -qr or -flash file names, else audio when it has a
// microphone, else a typed code. A typed code (24 bits) joins a stronger
// challenge only when the user asks (-typed): offered as a fallback, it is
// what a man in the middle who strips the stronger one would get the host
// to choose.
func joinerOffer(later string, mic, typed bool) []string {
	var take []string
	switch {
	case later != "":
		take = []string{later}
	case mic:
		take = []string{pairing.ChallengeAudio}
	}
	if len(take) == 0 || typed {
		take = append(take, pairing.ChallengeCode)
	}
	return take
}

// microphone reports whether this warble can listen for a chirped code.
func microphone() bool {
	ds, err := audio.Devices()
	if err != nil {
		return false
	}
	for _, d := range ds {
		if d.InputChannels > 0 {
			return true
		}
	}
	return false
}

// lanJoin finds the host on the LAN — the one advertising the code's
// discriminator, or with no code one that negotiates — pairs, and hands
// the connection over to TLS 1.3 pinned to the host's key.
func lanJoin(ctx context.Context, pf pairFlags, code pairing.Code, later lateInvite, typed bool, self *pairing.Identity, info pairing.Info, stdin io.Reader, stderr io.Writer, ev events) (*pairing.Result, net.Conn, error) {
	ifaces, err := lan.Interfaces(pf.iface)
	if err != nil {
		return nil, nil, usageErr("%v", err)
	}
	match := lan.Negotiating
	if !code.IsZero() {
		match = lan.ForCode(code.Nameplate())
	}
	conn, e, err := lan.Find(ctx, ifaces, match)
	if err != nil {
		return nil, nil, err
	}
	addr := conn.RemoteAddr().String()
	ev.emit("found", map[string]any{"host": e.Name, "instance": e.Instance, "addr": addr}, fmt.Sprintf("found %q at %s on the LAN", e.Name, addr))
	res, err := func() (*pairing.Result, error) {
		if !code.IsZero() {
			return pairing.Join(ctx, conn, code, self, info)
		}
		canTake := joinerOffer(later.kind, microphone(), typed)
		n, err := pairing.Offer(ctx, conn, canTake)
		if errors.Is(err, pairing.ErrNoChallenge) && !slices.Contains(canTake, pairing.ChallengeCode) {
			return nil, &exitError{code: 1, msg: strings.TrimPrefix(err.Error(), "pairing: "),
				hints: []string{"this device offered only " + strings.Join(canTake, ", ") + "; to take a typed code instead (24 bits, weaker), join with -typed"}}
		}
		if err != nil {
			return nil, err
		}
		ev.emit("challenge", map[string]any{"oob": n.Chosen}, "the host chose the challenge: "+n.Chosen)
		switch n.Chosen {
		case pairing.ChallengeAudio:
			fmt.Fprintln(stderr, "warble: listening for the host's chirped code")
			code, err = hearCode(ctx, pf.device)
		case pairing.ChallengeQR, pairing.ChallengeFlash:
			fmt.Fprintf(stderr, "warble: waiting for %s\n", later.file)
			if err = waitForFile(ctx, later.file); err != nil {
				return nil, err
			}
			var u pairing.URI
			if u, err = later.read(); err != nil {
				return nil, err
			}
			if u.Via != "" && u.Via != pairing.ViaLAN {
				return nil, &exitError{code: 1, msg: fmt.Sprintf("%s holds an invitation to meet via %s, not this LAN host", later.file, u.Via)}
			}
			code = u.Code
			ev.emit("read", map[string]any{"oob": later.kind, "nameplate": code.Nameplate(), "via": "lan"}, "read the code from "+later.file)
		default:
			code, err = promptCode(ctx, stdin, stderr)
		}
		if err != nil {
			return nil, err
		}
		return pairing.JoinNegotiated(ctx, conn, n, code, self, info)
	}()
	if err != nil {
		conn.Close()
		// Anyone on the network can advertise a host; say which one was
		// tried, and try no other: each try is a guess at the code.
		return nil, nil, &triedHost{name: e.Name, addr: addr, err: err}
	}
	tc, _, err := lan.Client(ctx, conn, self, lan.PinKey(res.PeerKey))
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("pinned TLS after pairing: %w", err)
	}
	return res, tc, nil
}
