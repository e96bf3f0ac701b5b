package trust_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/hcert/hcerttest"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/credential/trust/gdhcntest"
)

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const devList, devSigner = "../../testdata/gdhcn/trustlist-dev-v2.did.json", "../../testdata/gdhcn/who-signing-dev.did.json"

// TestGDHCNDevListProofVerifies: the published DEV list's proof verifies
// with the WHO DEV signing key: what it signs is the detached JWS over the
// hashes of the canonical proof options and list (see VerifyGDHCNProof),
// with the signer's own v1-DEV context and a DER ES256 signature.
func TestGDHCNDevListProofVerifies(t *testing.T) {
	signers, err := trust.ParseListSigners(read(t, devSigner))
	if err != nil {
		t.Fatal(err)
	}
	if len(signers) != 1 || signers[0].ID != "did:web:raw.githubusercontent.com:WorldHealthOrganization:tng-participants-dev:main:WHO:signing:DID" {
		t.Fatalf("signers %+v", signers)
	}
	created, err := trust.VerifyGDHCNProof(read(t, devList), signers)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 8, 22, 18, 0, 2, 0, time.UTC); !created.Equal(want) {
		t.Errorf("created %v", created)
	}
}

// edit returns the DEV list with f applied to its decoded form.
func edit(t testing.TB, f func(m map[string]any)) []byte {
	var m map[string]any
	if err := json.Unmarshal(read(t, devList), &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, _ := json.Marshal(m)
	return b
}

func vm(m map[string]any, i int) map[string]any {
	return m["verificationMethod"].([]any)[i].(map[string]any)
}

func TestGDHCNProofRefuses(t *testing.T) {
	signers, err := trust.ParseListSigners(read(t, devSigner))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := gdhcntest.NewSigner(signers[0].ID)
	impostor, _ := trust.ParseListSigners(other.DIDDocument())
	proof := func(m map[string]any) map[string]any { return m["proof"].(map[string]any) }
	tests := []struct {
		name    string
		list    []byte
		signers []trust.ListSigner
		want    string
	}{
		{"a DSC's country changed", edit(t, func(m map[string]any) {
			v := vm(m, 0)
			v["id"] = strings.Replace(v["id"].(string), ":CHL:", ":FRA:", 1)
		}), signers, "does not verify"},
		{"an entry's participant changed", edit(t, func(m map[string]any) {
			vm(m, 3)["participant"] = map[string]any{"code": "#FRA"}
		}), signers, "does not verify"},
		{"an entry removed", edit(t, func(m map[string]any) {
			m["verificationMethod"] = m["verificationMethod"].([]any)[1:]
		}), signers, "does not verify"},
		{"an entry duplicated", edit(t, func(m map[string]any) {
			l := m["verificationMethod"].([]any)
			c := map[string]any{}
			for k, v := range l[0].(map[string]any) {
				c[k] = v
			}
			c["id"] = strings.Replace(c["id"].(string), "#", "#X", 1)
			m["verificationMethod"] = append(l, c)
		}), signers, "does not verify"},
		{"created changed", edit(t, func(m map[string]any) { proof(m)["created"] = "2026-08-23T18:00:02Z" }), signers, "does not verify"},
		{"another key under the signer's id", read(t, devList), impostor, "does not verify"},
		{"signer not given", read(t, devList), nil, "no signer DID document given holds this key"},
		{"no proof", edit(t, func(m map[string]any) { delete(m, "proof") }), signers, "no proof"},
		{"proof type", edit(t, func(m map[string]any) { proof(m)["type"] = "Ed25519Signature2018" }), signers, `proof type "Ed25519Signature2018"`},
		{"alg RS256 in the header", edit(t, func(m map[string]any) {
			p := proof(m)
			p["jws"] = "eyJiNjQiOmZhbHNlLCJjcml0IjpbImI2NCJdLCJhbGciOiJSUzI1NiJ9" + p["jws"].(string)[strings.Index(p["jws"].(string), ".."):]
		}), signers, `alg "RS256"`},
		{"encoded payload", edit(t, func(m map[string]any) {
			p := proof(m)
			p["jws"] = "eyJhbGciOiJFUzI1NiJ9" + p["jws"].(string)[strings.Index(p["jws"].(string), ".."):]
		}), signers, `b64":false`},
		{"unknown context", edit(t, func(m map[string]any) {
			m["@context"] = []any{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1", "https://smart.who.int/trust/tng-context/v9.jsonld"}
		}), signers, `context "https://smart.who.int/trust/tng-context/v9.jsonld" is not one this verifier holds`},
		{"undefined term added", edit(t, func(m map[string]any) { vm(m, 0)["note"] = "unsigned" }), signers, "not defined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := trust.VerifyGDHCNProof(tc.list, tc.signers)
			var pe *trust.ListProofError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a ListProofError with %q", err, tc.want)
			}
		})
	}
}

// TestStoreGDHCN: a list is used only with its signer's DID document, in
// either order; without it the list is refused by CheckPending; a list
// whose proof fails is refused at load.
func TestStoreGDHCN(t *testing.T) {
	list, signer := read(t, devList), read(t, devSigner)
	for _, order := range [][2]string{{"list", "signer"}, {"signer", "list"}} {
		s := trust.New()
		for _, f := range order {
			data := map[string][]byte{"list": list, "signer": signer}[f]
			if err := s.Load(f, data); err != nil {
				t.Fatalf("%v: load %s: %v", order, f, err)
			}
		}
		if err := s.CheckPending(); err != nil {
			t.Fatal(err)
		}
		if n := len(s.AllDSCs()); n < 100 {
			t.Fatalf("%v: %d DSCs", order, n)
		}
	}
	s := trust.New()
	if err := s.Load("list", list); err != nil {
		t.Fatal(err)
	}
	err := s.CheckPending()
	if err == nil || !strings.Contains(err.Error(), "no trust file holds that signer's DID document") || len(s.AllDSCs()) != 0 {
		t.Fatalf("without signer: %v, %d DSCs", err, len(s.AllDSCs()))
	}
	tampered := bytes.Replace(list, []byte(":CHL:DSC#"), []byte(":FRA:DSC#"), 1)
	for _, order := range [][2][]byte{{tampered, signer}, {signer, tampered}} {
		s := trust.New()
		err1 := s.Load("a", order[0])
		err2 := s.Load("b", order[1])
		err := errors.Join(err1, err2)
		if err == nil || !strings.Contains(err.Error(), "the list is refused") || len(s.AllDSCs()) != 0 {
			t.Fatalf("tampered: %v, %d DSCs", err, len(s.AllDSCs()))
		}
	}
}

// TestSelfSignedList: a list signed by gdhcntest verifies, and its DSC is
// trusted with the list's country.
func TestSelfSignedList(t *testing.T) {
	der, _, err := hcerttest.NewDSC(hcerttest.DSCOptions{Country: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	sg, _ := gdhcntest.NewSigner("did:web:signer.example")
	list, err := sg.List("did:web:lists.example:v2:trustlist", []gdhcntest.Entry{{Domain: "DCC", Country: "FRA", Usage: "DSC", KID: trust.DSCKID(der), Cert: der}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s := trust.New()
	if err := errors.Join(s.Load("list", list), s.Load("signer", sg.DIDDocument()), s.CheckPending()); err != nil {
		t.Fatal(err)
	}
	ds := s.DSCs(trust.DSCKID(der))
	if len(ds) != 1 || ds[0].Country != "FRA" {
		t.Fatalf("%+v", ds)
	}
}

func FuzzParseListSigners(f *testing.F) {
	f.Add(read(f, devSigner))
	sg, _ := gdhcntest.NewSigner("did:web:x")
	f.Add(sg.DIDDocument())
	f.Add([]byte(`{"id":"did:x","verificationMethod":[{"id":"#k","type":"JsonWebKey2020","publicKeyJwk":{"kty":"EC","crv":"P-256","x":"","y":""}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ls, err := trust.ParseListSigners(data)
		if err != nil {
			return
		}
		for _, l := range ls {
			if l.ID == "" || l.Key == nil {
				t.Fatalf("signer %+v", l)
			}
		}
	})
}
