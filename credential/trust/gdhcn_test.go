package trust

import (
	"bytes"
	"encoding/base64"
	"os"
	"strings"
	"testing"
)

// TestGDHCNDevList: the shared DEV list parses; its DSCs are keyed as the
// list names them; only DSC entries become signers.
func TestGDHCNDevList(t *testing.T) {
	data, err := os.ReadFile("../../testdata/gdhcn/trustlist-dev-v2.did.json")
	if err != nil {
		t.Fatal(err)
	}
	if !IsGDHCNList(data) {
		t.Fatal("not detected")
	}
	l, err := ParseGDHCNList(data)
	if err != nil {
		t.Fatal(err)
	}
	usage := map[string]int{}
	for _, e := range l.Entries {
		usage[e.Usage]++
	}
	if len(l.Entries) != 255 || usage["DSC"] != 109 || usage["SCA"] != 139 || usage["DECA"] != 4 || usage["DESC"] != 3 {
		t.Fatalf("%d entries %v", len(l.Entries), usage)
	}
	ds, errs := l.DSCs()
	if len(ds)+len(errs) != 109 {
		t.Fatalf("%d DSCs, %d errors", len(ds), len(errs))
	}
	same := 0
	for _, d := range ds {
		if bytes.Equal(d.KID, DSCKID(d.Cert.Raw)) {
			same++
		}
		id := ":" + d.Country + ":DSC#" + base64.StdEncoding.EncodeToString(d.KID)
		found := false
		for _, e := range l.Entries {
			found = found || strings.HasSuffix(e.ID, id)
		}
		if !found {
			t.Fatalf("DSC %x not keyed as the list names it", d.KID)
		}
	}
	// Frozen data: one DSC's listed kid is not its certificate's digest; it
	// is keyed as listed (a certificate signed under the digest kid will not
	// find it, as in any verifier that follows the list).
	if same != 108 {
		t.Errorf("%d DSCs whose kid is their digest, want 108", same)
	}
	t.Logf("DEV list: %d DSCs parsed (%d unparsable), %d whose listed kid is the SHA-256 prefix of their DER", len(ds), len(errs), same)
	// The proof is a detached JsonWebSignature2020 by the WHO DEV signing
	// key (checked in gdhcn_proof_test.go).
	if l.Proof.Type != "JsonWebSignature2020" || !strings.Contains(l.Proof.JWS, "..") || !strings.HasPrefix(l.Proof.VerificationMethod, "did:web:raw.githubusercontent.com:WorldHealthOrganization") {
		t.Fatalf("proof %+v", l.Proof)
	}
	// Loaded as a trust file with its signer's DID document, the DSCs are
	// in the store.
	s := New()
	signer, err := os.ReadFile("../../testdata/gdhcn/who-signing-dev.did.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Load("trustlist-dev-v2.did.json", data); err != nil {
		t.Fatal(err)
	}
	if err := s.Load("who-signing-dev.did.json", signer); err != nil {
		t.Fatal(err)
	}
	if got := len(s.AllDSCs()); got == 0 || got > len(ds) {
		t.Fatalf("%d DSCs in the store", got)
	}
}

func FuzzParseGDHCNList(f *testing.F) {
	data, err := os.ReadFile("../../testdata/gdhcn/trustlist-dev-v2.did.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`{"id":"did:web:x:v2:trustlist","verificationMethod":[{"id":"did:web:x:v2:trustlist:DCC:FRA:DSC#AAAAAAAAAAA=","type":"JsonWebKey2020","publicKeyJwk":{"kid":"AAAAAAAAAAA=","x5c":["MA=="]}}]}`))
	f.Add(data[:min(len(data), 4096)])
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseGDHCNList(data)
		if err != nil {
			return
		}
		ds, _ := l.DSCs()
		for _, d := range ds {
			if d.Cert == nil {
				t.Fatal("a DSC without certificate")
			}
		}
	})
}
