package lan_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"warble/pairing"
	"warble/pairing/lan"
)

// The host's side of a pairing on the LAN: listen, advertise the code's
// discriminator, pair on the first connection, then keep pinned TLS.
func Example_host() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	self, _ := pairing.NewIdentity()
	code, _ := pairing.NewCode()
	ifaces, err := lan.Interfaces("") // or "eth0,wlan0" from -iface
	if err != nil {
		fmt.Println(err)
		return
	}
	ln, err := lan.Listen()
	if err != nil {
		fmt.Println(err)
		return
	}
	ad, err := lan.Advertise(lan.Advert{Port: lan.Port(ln), Name: "kitchen", Discriminator: lan.Discriminator(code.Nameplate())}, ifaces)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ad.Close()
	fmt.Println("code:", code)
	res, conn, err := pairing.Serve(ctx, ln, 3, func(ctx context.Context, c net.Conn) (*pairing.Result, error) {
		return pairing.Host(ctx, c, code, self, pairing.Info{Name: "kitchen"})
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	tc, _, err := lan.Server(ctx, conn, self, lan.PinKey(res.PeerKey))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tc.Close()
	fmt.Println("paired with", res.Fingerprint)
}

// The joiner's side: find the host by the code's nameplate, pair, then
// keep pinned TLS as the client.
func Example_join() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	self, _ := pairing.NewIdentity()
	code, err := pairing.ParseCode("7-guitar-kitten-maple")
	if err != nil {
		fmt.Println(err)
		return
	}
	ifaces, err := lan.Interfaces("")
	if err != nil {
		fmt.Println(err)
		return
	}
	conn, _, err := lan.Find(ctx, ifaces, lan.ForCode(code.Nameplate()))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := pairing.Join(ctx, conn, code, self, pairing.Info{Name: "phone"})
	if err != nil {
		conn.Close()
		fmt.Println(err)
		return
	}
	tc, _, err := lan.Client(ctx, conn, self, lan.PinKey(res.PeerKey))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tc.Close()
	fmt.Println("paired with", res.Fingerprint)
}
