package pairing_test

import (
	"context"
	"fmt"
	"net"

	"warble/pairing"
)

// Two devices pair over any byte stream: here an in-memory pipe.
func Example() {
	hostID, _ := pairing.NewIdentity()
	joinID, _ := pairing.NewIdentity()
	code, _ := pairing.NewCode() // shown by the host, typed on the joiner

	h, j := net.Pipe()
	ctx := context.Background()
	done := make(chan *pairing.Result)
	go func() {
		res, err := pairing.Host(ctx, h, code, hostID, pairing.Info{Name: "tv"})
		if err != nil {
			fmt.Println("host:", err)
		}
		done <- res
	}()
	typed, _ := pairing.ParseCode(code.String())
	res, err := pairing.Join(ctx, j, typed, joinID, pairing.Info{Name: "phone"})
	if err != nil {
		fmt.Println("join:", err)
		return
	}
	hostRes := <-done
	fmt.Println("joiner paired with", res.Peer.Name, res.Fingerprint == hostID.Fingerprint())
	fmt.Println("host paired with", hostRes.Peer.Name, hostRes.Fingerprint == joinID.Fingerprint())
	// Output:
	// joiner paired with tv true
	// host paired with phone true
}

// A QR code carries a pairing URI: the code, and where to meet the host.
func ExampleParseURI() {
	u, err := pairing.ParseURI("warble:pair?code=7-mfrggzdfmztwq2lknnwg23tpob&via=ws%3A%2F%2Frelay.example%3A4000")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u.Code.Nameplate(), u.Via)
	_, err = pairing.ParseURI("warble:pair?code=7-mfrggzdfmztwq2lknnwg23tpob&via=lan&x=1")
	fmt.Println(err)
	// Output:
	// 7 ws://relay.example:4000
	// pairing: unknown parameter "x": not a warble pairing URI
}
