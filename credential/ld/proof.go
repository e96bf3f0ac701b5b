package ld

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/immunopass/immunopass/internal/strictjson"
)

// JWSProof is a Linked Data proof secured by a detached JWS with an
// unencoded payload (RFC 7797), as the 2018–2020 suites use it
// (RsaSignature2018, Ed25519Signature2018, JsonWebSignature2020):
//
//	signing input = BASE64URL(header) "." SHA-256(c14n(proof options)) ‖ SHA-256(c14n(document without proof))
//
// where the proof options are the proof without its jws, under the
// document's @context (JsonWebSignature2020 as ld-signatures-java signs it,
// and jsonld-signatures from version 7) or under the security v2 context
// (jsonld-signatures up to version 6, which DIVOC's signer uses: with the
// credentials v1 context its JSON-LD 1.0 processor leaves the
// RsaSignature2018 terms unexpanded, so the two differ), and c14n is
// RDFC-1.0 N-Quads.
type JWSProof struct {
	Type               string
	VerificationMethod string
	ProofPurpose       string
	Created            string
	Alg                string // the JWS header's alg: the caller checks it against the suite and the key
	SigningInput       []byte
	Signature          []byte
	// Quads are the canonical quads of the document without its proof:
	// exactly what the signature covers.
	Quads []Quad
}

// SecurityV2 is the security v2 context URL, under which jsonld-signatures
// up to version 6 canonicalises proof options.
const SecurityV2 = "https://w3id.org/security/v2"

// ProofError reports a proof that cannot be checked as it stands.
type ProofError struct{ Problem string }

func (e *ProofError) Error() string { return "linked data proof: " + e.Problem }

// ParseJWSProof takes doc's single proof apart and computes what its JWS
// signs. It does not verify the signature (the caller holds the keys);
// canonicalisation errors (an unknown context, an undefined term, a bound
// exceeded) are returned as they are.
//
// proofContext is the @context the proof options are canonicalised under:
// nil for the document's own, or [SecurityV2].
func ParseJWSProof(doc map[string]any, lim Limits, proofContext any) (*JWSProof, error) {
	start := time.Now()
	raw, ok := doc["proof"]
	if !ok {
		return nil, &ProofError{Problem: "the document has no proof"}
	}
	proof, ok := raw.(map[string]any)
	if !ok {
		return nil, &ProofError{Problem: "proof is not one JSON object (a proof set or chain is not accepted)"}
	}
	str := func(k string) (string, error) {
		v, ok := proof[k]
		if !ok {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", &ProofError{Problem: fmt.Sprintf("proof.%s is not a string", k)}
		}
		return s, nil
	}
	p := &JWSProof{}
	var err error
	for k, dst := range map[string]*string{"type": &p.Type, "verificationMethod": &p.VerificationMethod, "proofPurpose": &p.ProofPurpose, "created": &p.Created} {
		if *dst, err = str(k); err != nil {
			return nil, err
		}
	}
	jws, err := str("jws")
	if err != nil {
		return nil, err
	}
	if jws == "" {
		return nil, &ProofError{Problem: "proof has no jws"}
	}
	for _, k := range []string{"proofValue", "signatureValue"} {
		if _, ok := proof[k]; ok {
			return nil, &ProofError{Problem: fmt.Sprintf("proof has both jws and %s", k)}
		}
	}
	hdr, sig, ok := strings.Cut(jws, "..")
	if !ok || strings.Contains(sig, ".") || hdr == "" || sig == "" {
		return nil, &ProofError{Problem: fmt.Sprintf("proof.jws %q is not a detached JWS (header..signature)", clip(jws))}
	}
	hb, err := base64.RawURLEncoding.DecodeString(hdr)
	if err != nil {
		return nil, &ProofError{Problem: "proof.jws header is not base64url"}
	}
	if p.Signature, err = base64.RawURLEncoding.DecodeString(sig); err != nil {
		return nil, &ProofError{Problem: "proof.jws signature is not base64url"}
	}
	if p.Alg, err = checkHeader(hb); err != nil {
		return nil, err
	}
	opts := make(map[string]any, len(proof))
	for k, v := range proof {
		if k != "jws" {
			opts[k] = v
		}
	}
	ctx, ok := doc["@context"]
	if !ok {
		return nil, &ProofError{Problem: "the document has no @context"}
	}
	opts["@context"] = ctx
	if proofContext != nil {
		opts["@context"] = proofContext
	}
	body := make(map[string]any, len(doc))
	for k, v := range doc {
		if k != "proof" {
			body[k] = v
		}
	}
	po, err := canonical(opts, lim, start)
	if err != nil {
		return nil, err
	}
	bq, err := canonicalQuads(body, lim, start)
	if err != nil {
		return nil, err
	}
	bo := NQuads(bq)
	p.Quads = bq
	ph, bh := sha256.Sum256(po), sha256.Sum256(bo)
	p.SigningInput = slices.Concat([]byte(hdr+"."), ph[:], bh[:])
	return p, nil
}

func canonical(doc any, lim Limits, start time.Time) ([]byte, error) {
	c, err := canonicalQuads(doc, lim, start)
	if err != nil {
		return nil, err
	}
	return NQuads(c), nil
}

func canonicalQuads(doc any, lim Limits, start time.Time) ([]Quad, error) {
	quads, err := ToRDF(doc, lim)
	if err != nil {
		return nil, err
	}
	return CanonicalQuads(quads, lim, start)
}

// checkHeader accepts exactly the unencoded-payload header: alg, b64 false,
// crit ["b64"], and optionally kid and typ.
func checkHeader(b []byte) (string, error) {
	var h map[string]json.RawMessage
	if _, err := strictjson.ParseObject(b, 4); err != nil {
		return "", &ProofError{Problem: "proof.jws header is not a JSON object with unique members"}
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return "", &ProofError{Problem: "proof.jws header is not a JSON object"}
	}
	var alg string
	var b64 *bool
	var crit []string
	for k, v := range h {
		var err error
		switch k {
		case "alg":
			err = json.Unmarshal(v, &alg)
		case "b64":
			err = json.Unmarshal(v, &b64)
		case "crit":
			err = json.Unmarshal(v, &crit)
		case "kid", "typ":
			var s string
			err = json.Unmarshal(v, &s)
		default:
			return "", &ProofError{Problem: fmt.Sprintf("proof.jws header member %q is not supported", k)}
		}
		if err != nil {
			return "", &ProofError{Problem: fmt.Sprintf("proof.jws header member %q has the wrong type", k)}
		}
	}
	if alg == "" {
		return "", &ProofError{Problem: "proof.jws header has no alg"}
	}
	if b64 == nil || *b64 || !slices.Equal(crit, []string{"b64"}) {
		return "", &ProofError{Problem: `proof.jws header is not {"b64":false,"crit":["b64"]} (a detached, unencoded payload)`}
	}
	return alg, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
