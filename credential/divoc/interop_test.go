package divoc_test

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"flag"
	"os"
	"testing"

	"github.com/multiformats/go-multibase"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/divoc"
	"github.com/immunopass/immunopass/credential/divoc/divoctest"
	"github.com/immunopass/immunopass/internal/npmpeer"
)

var update = flag.Bool("update", false, "rewrite testdata/interop/vectors from the npm peer")

const peerDir = "testdata/interop"

// peerKey is a key as the peer (crypto-ld 3) writes it.
type peerKey struct {
	Type             string `json:"type"`
	ID               string `json:"id"`
	Controller       string `json:"controller"`
	PublicKeyPem     string `json:"publicKeyPem,omitempty"`
	PrivateKeyPem    string `json:"privateKeyPem,omitempty"`
	PublicKeyBase58  string `json:"publicKeyBase58,omitempty"`
	PrivateKeyBase58 string `json:"privateKeyBase58,omitempty"`
}

func peerKeys(t testing.TB) map[string]peerKey {
	var ks map[string]peerKey
	b, err := os.ReadFile(peerDir + "/vectors/keys.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ks); err != nil {
		t.Fatal(err)
	}
	return ks
}

func base58(t testing.TB, s string) []byte {
	_, b, err := multibase.Decode("z" + s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (k peerKey) public(t testing.TB) divoc.Key {
	if k.Type == "RSA" {
		blk, _ := pem.Decode([]byte(k.PublicKeyPem))
		pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		return divoc.Key{KID: k.ID, Public: pub}
	}
	return divoc.Key{KID: k.ID, Public: ed25519.PublicKey(base58(t, k.PublicKeyBase58))}
}

func (k peerKey) private(t testing.TB) crypto.Signer {
	if k.Type == "RSA" {
		blk, _ := pem.Decode([]byte(k.PrivateKeyPem))
		if key, err := x509.ParsePKCS1PrivateKey(blk.Bytes); err == nil {
			return key
		}
		key, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		return key.(*rsa.PrivateKey)
	}
	return ed25519.PrivateKey(base58(t, k.PrivateKeyBase58))
}

func contexts(t testing.TB) string {
	m := map[string]json.RawMessage{}
	for _, u := range assets.LDContextURLs() {
		b, _ := assets.LDContext(u)
		m[u] = b
	}
	b, _ := json.Marshal(m)
	return npmpeer.Write(t, "contexts.json", b)
}

// TestPeerVectors: certificates signed by jsonld-signatures 6 (DIVOC's
// signing stack), committed, verify here; no node needed.
func TestPeerVectors(t *testing.T) {
	ks := peerKeys(t)
	for _, name := range []string{"rsa", "ed25519"} {
		data, err := os.ReadFile(peerDir + "/vectors/" + name + "-signed.json")
		if err != nil {
			t.Fatal(err)
		}
		c, err := divoc.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		if kid, err := divoc.Verify(c, []divoc.Key{ks[name].public(t)}); err != nil || kid != ks[name].ID {
			t.Errorf("%s: peer-signed vector: %v", name, err)
		}
	}
}

// TestPeerInterop runs the peer live (skipped without node): it signs, we
// verify; we sign, it verifies; an edit after signing fails in both.
func TestPeerInterop(t *testing.T) {
	if testing.Short() {
		t.Skip("npm peer: not in -short")
	}
	ks := peerKeys(t)
	ctx := contexts(t)
	for _, name := range []string{"rsa", "ed25519"} {
		k := ks[name]
		kb, _ := json.Marshal(k)
		keyFile := npmpeer.Write(t, name+"-key.json", kb)
		unsigned, _ := json.Marshal(divoctest.Certificate())
		out := npmpeer.Run(t, peerDir, "sign", "--doc", npmpeer.Write(t, "u.json", unsigned), "--key", keyFile, "--contexts", ctx)
		signed, ok := out["signed"]
		if !ok {
			t.Fatalf("%s: peer sign: %v", name, out)
		}
		data, _ := json.MarshalIndent(signed, "", " ")
		c, err := divoc.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := divoc.Verify(c, []divoc.Key{k.public(t)}); err != nil {
			t.Errorf("%s: the peer's certificate does not verify here: %v", name, err)
		}
		if *update {
			os.WriteFile(peerDir+"/vectors/"+name+"-signed.json", data, 0o644)
		}
		ours, err := divoctest.Sign(divoctest.Certificate(), k.private(t), k.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		ob, _ := json.Marshal(ours)
		out = npmpeer.Run(t, peerDir, "verify", "--doc", npmpeer.Write(t, "ours.json", ob), "--key", keyFile, "--contexts", ctx)
		if out["verified"] != true {
			t.Errorf("%s: our certificate does not verify in the peer: %v", name, out)
		}
		ours["credentialSubject"].(map[string]any)["name"] = "Someone Else"
		ob, _ = json.Marshal(ours)
		out = npmpeer.Run(t, peerDir, "verify", "--doc", npmpeer.Write(t, "edited.json", ob), "--key", keyFile, "--contexts", ctx)
		if out["verified"] != false {
			t.Errorf("%s: the peer accepts an edited certificate: %v", name, out)
		}
	}
}
