// Package pairing turns a short shared code into a mutually authenticated,
// encrypted pairing between two devices, over any byte stream.
//
// The host makes a [Code] ([NewCode] for one a person types, [NewAudioCode]
// for one that is chirped or drawn as a QR code) and shows it; the joiner
// enters it ([ParseCode]). Both then run [Host] and [Join] over the same
// [io.ReadWriter] — a pipe, TCP, or a relay:
//
//	host → joiner   hello      version, sid_host
//	joiner → host   cpace-a    version, sid_joiner, Ya, ADa
//	host → joiner   cpace-b    Yb, ADb, Tb, seal_host(capabilities)
//	joiner → host   confirm-a  Ta, seal_joiner(capabilities)
//	host → joiner   done       seal_host(∅)
//	joiner → host   ack        seal_joiner(∅)
//
// This is CPace (draft-irtf-cfrg-cpace) on ristretto255 with SHA-512, the
// code as its password, the session id sid_host || sid_joiner (both sides
// contribute, as the draft recommends) and the protocol version bound into
// the channel identifier and the transcript, then key confirmation both ways (Ta, Tb: HMAC
// under the draft's mac_key), then the capability exchange sealed with
// ChaCha20-Poly1305 under keys from ISK: each side's [Info] (name, kind,
// protocol version, transports) and Ed25519 identity, signed over the
// handshake transcript. Someone who sees only the network cannot test
// guesses of the code offline, and each run allows one online guess; a
// host allows a code a few runs at most ([Serve] keeps serving a listener
// after a failed attempt, one joiner at a time, and gives up on the code
// after a bound, so someone who connects first cannot end the real
// joiner's pairing, nor guess more than a few times). Every failure — a wrong code, a
// replayed, reordered, tampered, truncated or oversized message — ends
// both sides with an error and no [Result].
//
// On a LAN the joiner may connect before any code exists: [Offer] and
// [Choose] negotiate the out-of-band challenge (typed code, audio, QR,
// flash) and the pairing then runs on the same connection with
// [JoinNegotiated] and [HostNegotiated]. They put a digest of the offer and
// the choice into each side's CPace associated data (ADa, ADb), which ISK,
// key confirmation and the signed transcript all cover: if anyone changed
// the negotiation on the way, both sides fail. A 128-bit code for the
// chosen challenge also carries the host's view of the negotiation out of
// band ([Code.WithNegotiation]), so [JoinNegotiated] reports a changed
// negotiation as [ErrNegotiation] before the code is spent, even when the
// associated data was rewritten too. (A typed code carries nothing; a
// joiner should offer it only when the user asks.)
//
// [Code.Compact] is an audio code's 18-byte form (23 bytes with a
// negotiation), which sound and light carry ([ParseCompact] reads it). A
// [URI] carries a code and where to meet (the LAN or a relay), for a QR
// code: warble:pair?code=…&via=….
//
// A [Result] carries the peer's identity and the session the handshake
// keyed. [Store] keeps the local [Identity] and the paired peers in a
// state directory, written atomically, and refuses one other users can
// read ([ErrInsecureState]). [Result.Secure] frames an AEAD-protected
// stream on the session (direction keys from the handshake roles, rekeyed
// every [RekeyRecords] records), and [Reconnect] runs an authenticated key
// exchange between two paired identities (SIGMA-I: the identities travel
// encrypted), for streams (such as a relay) that carry no security of
// their own; [RendezvousName] changes every [RendezvousPeriod].
//
// Fingerprints are the lower-case hex SHA-256 of the Ed25519 public key
// (64 characters); see [Fingerprint].
//
// Package pairing knows nothing of sound or light; its functions are safe
// for concurrent use on different streams.
package pairing
