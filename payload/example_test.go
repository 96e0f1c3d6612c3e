package payload_test

import (
	"fmt"

	"warble/payload"
)

// A Matter QR payload read, checked and turned into its manual code.
func ExampleParseMatter() {
	m, err := payload.ParseMatter("MT:-24J0AFN00KA0648G00")
	if err != nil {
		fmt.Println(err)
		return
	}
	code, _ := m.ManualCode()
	fmt.Printf("vendor 0x%04X product 0x%04X discriminator %d passcode %d\n", m.VendorID, m.ProductID, m.Discriminator, m.Passcode)
	fmt.Println("manual code", code)
	// Output:
	// vendor 0xFFF1 product 0x8001 discriminator 3840 passcode 20202021
	// manual code 34970112332
}

// A Wi-Fi code carried in a frame: the NDEF message, and its fields.
func ExampleParseTextForm() {
	t, err := payload.ParseTextForm(payload.KindWiFi, `WIFI:T:WPA;S:cafe\;bar;P:espresso-42;;`)
	if err != nil {
		fmt.Println(err)
		return
	}
	frame, _ := t.Message.Marshal()
	fmt.Println(payload.IsTyped(frame), len(frame), "bytes")
	fmt.Println(t.Line())
	// Output:
	// true 43 bytes
	// type=wifi ssid=cafe;bar password=espresso-42 security=WPA hidden=false
}

// Bad input names the field and where it went wrong.
func ExampleSyntaxError() {
	_, err := payload.ParseManualCode("34970112333")
	fmt.Println(err)
	// Output:
	// payload: matter: check digit at byte 10: check digit is 3, want 2
}
