// Package status builds, encodes and reads the status lists that say whether
// an ImmunoPass credential has been revoked or suspended, in the two forms
// verifiers meet:
//
//   - the IETF Token Status List ([Draft], draft-ietf-oauth-status-list-17):
//     a "statuslist+jwt" token whose "status_list" claim carries
//     {"bits": N, "lst": "…"}, the list ZLIB-compressed (RFC 1950) and
//     base64url-encoded; SD-JWT VCs point into it with
//     "status": {"status_list": {"idx": …, "uri": "…"}} ([Reference]);
//   - the W3C Bitstring Status List v1.0 ([BitstringVersion], the W3C
//     Recommendation of 15 May 2025): a VC 2.0 "BitstringStatusListCredential"
//     whose "encodedList" is the GZIP-compressed (RFC 1952) bitstring in
//     multibase base64url ('u'), secured as a VC-JWT ("typ": "vc+jwt").
//
// Both are signed with ES256 through credential/jose.
//
// # The list
//
// A [List] holds N entries of 1, 2, 4 or 8 bits (the sizes the draft allows).
// [New] refuses lists shorter than [MinSize] = 131,072 entries: a short list
// lets whoever watches it learn which few credentials it covers, and 131,072
// is also the W3C minimum. Entries are [Valid] (0), [Invalid] (1, also
// named [Revoked]) and, from 2 bits up, [Suspended] (2); 3 and 12–15 are
// application-specific in the draft's registry.
//
// Indexes are handed out by [List.Allocate] uniformly at random among those
// never handed out before, so an index tells a verifier nothing about when a
// credential was issued or how many came before it. [List.MarkAllocated]
// rebuilds the allocation state from an issuer's ledger.
//
// # Bit order
//
// The two specifications number the bits of a byte in opposite directions.
// In the IETF list, entry 0 is in the least significant bits of byte 0
// (statuses 1,0,0,1,1,1,0,1 make the byte 0xB9). In the W3C bitstring,
// entry 0 is the most significant bit of byte 0 (the same statuses make
// 0x9D). The [List] stores the IETF order; the W3C form is produced and read
// separately.
//
// # Revocation and suspension in the W3C form
//
// A W3C status list credential has one purpose and, as produced here, one bit
// per entry, so a 2-bit IETF list becomes two W3C credentials at two URLs
// using the same index: "revocation", whose bit is set for every status other
// than Valid and Suspended (Invalid and the application-specific values,
// so that an unknown status fails closed), and "suspension", whose bit is set
// for Suspended only. A 1-bit list's "suspension" credential is all zeros.
// [List.BitstringCredential] refuses any other purpose.
//
// # The sparse form
//
// A registry bundle (credential/trust) carries many lists under one
// signature, and there a list with few non-zero entries is smaller in a
// sparse form than as "lst" (a million 2-bit entries with 1% revoked: about
// 15 KB against 23 KB). [List.EncodeSparse] writes, then base64url-encodes
// without padding, one raw DEFLATE stream (RFC 1951) of:
//
//	uvarint(n)                 the number of non-zero entries
//	n × uvarint(gap)           index_0 = gap_0, index_k = index_k−1 + 1 + gap_k
//	n × byte(value)            the entries' values, 1 to 2^bits−1
//
// The varints are unsigned LEB128 (encoding/binary's Uvarint), minimal.
// Gaps and values are in two runs rather than interleaved because DEFLATE
// then codes the run of near-constant values almost for free (about 18%
// smaller than (gap, value) pairs). The form does not carry bits or the
// number of entries: the bundle gives both. [DecodeSparse] is strict (see
// below), so one list has exactly one sparse form up to the DEFLATE
// encoder's choices. This form is ImmunoPass's own; tokens and W3C
// credentials always use the standard encodings.
//
// # What is checked
//
// [ParseToken] and [ParseBitstringCredential] do not verify signatures; they
// check everything else and refuse what is wrong with a typed error: the JWS
// must be ES256 (credential/jose refuses "none", HMAC and any other
// algorithm before a key is looked at) without "zip"; "typ" must be exactly
// "statuslist+jwt" or "vc+jwt"; a token needs "sub" (an absolute URI),
// "iat", and if present a non-negative "exp" not before "iat" and a positive
// "ttl"; "status_list" holds exactly "bits" ∈ {1, 2, 4, 8}, "lst" and an
// optional "aggregation_uri". The base64url must be canonical and unpadded,
// the compressed stream must be exactly one ZLIB (or GZIP) stream with a
// correct checksum and nothing after it, and inflating stops at [MaxListBytes]
// (16 MiB): a compression bomb is refused after at most that much work and
// memory. A W3C bitstring must inflate to at least 16 KiB. [DecodeSparse]
// inflates at most what a list of the announced size can need, and refuses
// with a *SparseError a count larger than the list, a non-minimal varint, a
// gap that puts an index past the end, a value of 0 or one that does not fit
// the bits, and any byte after the last value.
//
// An expired token still parses: [Token.Expires] says when it expired and the
// caller decides (a verifier working offline may accept a stale list with a
// warning). [Token.Verify] checks the signature; [Token.Status] answers only
// after a successful Verify ([ErrNotVerified] otherwise), so an unverified
// list can never revoke or clear a credential by mistake.
//
// # What is not done here
//
// No I/O: callers fetch tokens and keys. Which key may sign which list, and
// whether a stale list is acceptable, is decided by credential/trust and the
// verifier. The CBOR/CWT forms of the draft are not implemented.
package status
