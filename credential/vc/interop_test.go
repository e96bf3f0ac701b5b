package vc

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/multiformats/go-multibase"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/internal/npmpeer"
)

var update = flag.Bool("update", false, "rewrite testdata/interop/vectors from the npm peer")

const peerDir = "testdata/interop"

func verifyDI(t testing.TB, data []byte) error {
	c, p, err := ParseDI(data)
	if err != nil {
		return err
	}
	pub, err := DIKey(p.VerificationMethod)
	if err != nil {
		return err
	}
	return p.Verify(c, pub)
}

// TestPeerVectors: credentials signed by @digitalbazaar/data-integrity
// (eddsa-rdfc-2022, ecdsa-rdfc-2019), committed, verify here.
func TestPeerVectors(t *testing.T) {
	for _, n := range []string{"eddsa", "ecdsa", "ed2020"} {
		data, err := os.ReadFile(peerDir + "/vectors/" + n + "-signed.json")
		if err != nil {
			t.Fatal(err)
		}
		if err := verifyDI(t, data); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}

// TestPeerInterop runs the peer live: it signs, we verify; we sign
// (eddsa), it verifies; an edit fails there too.
func TestPeerInterop(t *testing.T) {
	if testing.Short() {
		t.Skip("npm peer: not in -short")
	}
	m := map[string]json.RawMessage{}
	for _, u := range assets.LDContextURLs() {
		b, _ := assets.LDContext(u)
		m[u] = b
	}
	cb, _ := json.Marshal(m)
	ctx := npmpeer.Write(t, "contexts.json", cb)
	unsigned := diDoc("x", "eddsa-rdfc-2022")
	delete(unsigned, "proof")
	ub, _ := json.Marshal(unsigned)
	for _, suite := range []string{"eddsa", "ecdsa", "ed2020"} {
		doc := ub
		if suite == "ed2020" {
			u := diDoc("x", "")
			delete(u, "proof")
			u["@context"] = []any{"https://www.w3.org/2018/credentials/v1", "https://w3id.org/vaccination/v1", "https://w3id.org/security/suites/ed25519-2020/v1"}
			doc, _ = json.Marshal(u)
		}
		out := npmpeer.Run(t, peerDir, "sign", "--doc", npmpeer.Write(t, "u.json", doc), "--suite", suite, "--contexts", ctx)
		signed, ok := out["signed"]
		if !ok {
			t.Fatalf("%s: peer: %v", suite, out)
		}
		data, _ := json.MarshalIndent(signed, "", " ")
		if err := verifyDI(t, data); err != nil {
			t.Errorf("%s: the peer's credential does not verify here: %v", suite, err)
		}
		if *update {
			os.WriteFile(peerDir+"/vectors/"+suite+"-signed.json", data, 0o644)
		}
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	mb, _ := multibase.Encode(multibase.Base58BTC, append([]byte{0xed, 0x01}, pub...))
	d := diDoc("did:key:"+mb, "eddsa-rdfc-2022")
	d["proof"].(map[string]any)["verificationMethod"] = "did:key:" + mb + "#" + mb
	ours := signDI(t, d, priv)
	out := npmpeer.Run(t, peerDir, "verify", "--doc", npmpeer.Write(t, "ours.json", ours), "--contexts", ctx)
	if out["verified"] != true {
		t.Errorf("our credential does not verify in the peer: %v", out)
	}
	var e map[string]any
	json.Unmarshal(ours, &e)
	e["credentialSubject"].(map[string]any)["batchNumber"] = "999"
	eb, _ := json.Marshal(e)
	out = npmpeer.Run(t, peerDir, "verify", "--doc", npmpeer.Write(t, "edited.json", eb), "--contexts", ctx)
	if out["verified"] != false {
		t.Errorf("the peer accepts an edited credential: %v", out)
	}
}
