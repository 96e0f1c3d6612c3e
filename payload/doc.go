// Package payload encodes and decodes the standard payloads warble carries
// by sound, light and QR code, each against its specification:
//
//   - NDEF messages and records (NFC Forum NDEF 1.0): [Record], [Message],
//     with the well-known Text and URI types ([TextRecord], [URIRecord]),
//     MIME-type and external-type records, and chunking across frames
//     ([Split], [Reassembler]);
//   - Bluetooth out-of-band pairing data in NFC handover records
//     ([BTOOB] for BR/EDR, [BLEOOB] for LE), per the NFC Forum Bluetooth
//     Secure Simple Pairing application document;
//   - Wi-Fi network credentials as the WIFI: text form ([WiFi]) and the Wi-Fi
//     Easy Connect (DPP) bootstrapping URI ([DPP]);
//   - Matter onboarding payloads: the MT: QR code form and the 11- and
//     21-digit manual pairing codes ([Matter]).
//
// A [Typed] value is one of those payloads; [Typed.NDEF] gives the NDEF
// message that carries it in a warble frame, and [FromNDEF] recognises it
// again. [IsTyped] is the rule that tells a frame holding an NDEF message
// from a plain token.
//
// Bad input is reported as a [*SyntaxError] naming the field and the byte
// offset where the input went wrong; nothing here panics on input.
//
// The package imports only the standard library. Its functions are safe for
// concurrent use; a [Reassembler] is not.
package payload
