package ld_test

import (
	"crypto/ed25519"
	"errors"
	"os"
	"testing"

	"github.com/multiformats/go-multibase"

	"github.com/immunopass/immunopass/credential/ld"
)

// TestCCGExample: the W3C CCG's signed vaccination certificate example
// (Ed25519Signature2018, did:key issuer) names the BBS context
// https://w3id.org/security/bbs/v1, which is not embedded: as given it is
// an UnknownContextError (never fetched). That context defines no term the
// document uses, so without it the canonical form is the same, and the
// signature verifies: an independent vector for ParseJWSProof (under the
// document's context and under security v2 alike).
func TestCCGExample(t *testing.T) {
	data, err := os.ReadFile("../../testdata/ld/examples/w3c-ccg-vaccination-certificate-signed-ed25519.jsonld")
	if err != nil {
		t.Fatal(err)
	}
	lim := ld.Limits{DropUndefined: true}
	v, err := ld.Parse(data, lim)
	if err != nil {
		t.Fatal(err)
	}
	doc := v.(map[string]any)
	var ue *ld.UnknownContextError
	if _, err := ld.ParseJWSProof(doc, lim, nil); !errors.As(err, &ue) || ue.URL != "https://w3id.org/security/bbs/v1" {
		t.Fatalf("as published: %v", err)
	}
	doc["@context"] = doc["@context"].([]any)[:2]
	_, key, err := multibase.Decode("z6MkrtYMJe2ZesvsnoSr8K1yVerjo6EhC2G5jxBDKrD284L2")
	if err != nil || len(key) != 34 || key[0] != 0xed || key[1] != 0x01 {
		t.Fatalf("did:key: %v", err)
	}
	for _, pc := range []any{nil, ld.SecurityV2} {
		p, err := ld.ParseJWSProof(doc, lim, pc)
		if err != nil {
			t.Fatal(err)
		}
		if p.Alg != "EdDSA" || !ed25519.Verify(ed25519.PublicKey(key[2:]), p.SigningInput, p.Signature) {
			t.Errorf("proof context %v: the example's signature does not verify", pc)
		}
		// One changed field and it does not.
		doc["credentialSubject"].(map[string]any)["batchNumber"] = "1183738560"
		p2, _ := ld.ParseJWSProof(doc, lim, pc)
		if ed25519.Verify(ed25519.PublicKey(key[2:]), p2.SigningInput, p2.Signature) {
			t.Errorf("an edited example verifies")
		}
		doc["credentialSubject"].(map[string]any)["batchNumber"] = "1183738569"
	}
}
