// Package registry is the health authority's server: the accredited-issuer
// directory, per-issuer status lists, SMART Health Cards CRLs for hosted
// issuers, k-anonymous statistics, advisories, and the signed offline trust
// bundle. The transparency log itself is registry/anchorlog; the witness is
// registry/witness.
//
// # Storage
//
// Metadata lives in one bbolt file (issuers with versions and keys, key
// compromise, suspension, status lists with their allocation bitmaps, CRLs,
// request nonces, advisories, aggregated counts, directory and bundle
// versions). Every directory change is stored as a new version and its exact
// bytes are anchored in the log before the transaction commits
// (GET /v1/directory/<N> serves them).
//
// # Signed writes
//
// A write is a compact ES256 JWS over {iss, iat, nonce, htm, htu, body}
// (ParseSignedRequest, SignRequest). Authentication, the replay check, the
// caller's authority and the change itself run in one bbolt transaction: a
// refused request (unsigned, unknown key, bad signature, iat outside ±Skew,
// nonce seen, another issuer's index, suspended issuer, compromised key)
// changes nothing, not even the nonce table. Anchors are the one write whose
// effect is outside bbolt: the request is checked and its nonce recorded
// first, then the digests go to the log (idempotent per digest).
//
// # Status lists and the bundle
//
// Each issuer gets 2-bit lists of DefaultListSize entries, indexes allocated
// at random (credential/status), updated only by the owner, served as
// registry-signed statuslist+jwt and W3C Bitstring credentials. The bundle
// (credential/trust.Bundle, signed by the registry key) is rebuilt when the
// state or the cosigned checkpoint changes; GET /v1/bundle has ETag "v<N>",
// If-None-Match → 304, and ?since=V returns a signed bundle whose statusLists
// hold only the lists changed after version V (header Bundle-Delta-Since).
//
// # Statistics
//
// Counts per vaccine × region × ISO week are published per week with every
// entry below Threshold suppressed and complementary suppression (Suppress)
// so that no suppressed cell or total can be recovered from what is
// published; see Suppress for the argument and stats_test.go for the
// exhaustive check.
package registry
