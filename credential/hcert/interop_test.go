package hcert_test

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/base45"
	"github.com/immunopass/immunopass/credential/hcert"
	"github.com/immunopass/immunopass/credential/hcert/hcerttest"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/internal/npmpeer"
)

// The two independent peers (testdata/interop/README.md): @pathcheck/dcc-sdk,
// and cose-js with cbor, pako and base45-js.
const interopDir = "testdata/interop"

var peers = []string{"dccsdk", "cosejs"}

// peerLimits are the layouts a peer cannot read (README in testdata/interop):
// the dcc-sdk verifies an untagged COSE_Sign1 as a COSE_Sign and fails it,
// and neither peer unwraps the CWT tag 61. The test expects their refusal,
// so that a peer release that changes this is noticed.
var peerLimits = map[string]map[string]bool{
	"dccsdk": {"untagged": true, "cwt-tag": true},
	"cosejs": {"cwt-tag": true},
}

var (
	interopIat = time.Date(2021, 6, 2, 0, 0, 0, 0, time.UTC)
	interopExp = interopIat.AddDate(1, 0, 0)
)

type peerDSC struct {
	der              []byte
	key              crypto.Signer
	certFile, keyPEM string
}

// interopDSC makes a DSC and writes its certificate and
// PKCS #8 key as PEM files for the peers.
func interopDSC(t *testing.T, key string) peerDSC {
	t.Helper()
	der, signer, err := hcerttest.NewDSC(hcerttest.DSCOptions{Key: key, Country: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	p8, err := x509.MarshalPKCS8PrivateKey(signer)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	d := peerDSC{der: der, key: signer,
		certFile: filepath.Join(dir, key+".pem"), keyPEM: filepath.Join(dir, key+".key")}
	if err := os.WriteFile(d.certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(d.keyPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}), 0o600); err != nil {
		t.Fatal(err)
	}
	return d
}

// verifyOurs runs our whole check of an HC1: text against one DSC, as the
// verifier does: decode, the DSC by kid, signature, CWT and DCC, key usage,
// validity at at, schema.
func verifyOurs(text string, der []byte, at time.Time) (*hcert.Cert, error) {
	s, err := hcert.Decode(text)
	if err != nil {
		return nil, err
	}
	d, err := trust.NewDSC(der)
	if err != nil {
		return nil, err
	}
	store := trust.New()
	store.AddDSC(d)
	ds := store.DSCs(s.KID)
	if len(ds) != 1 {
		return nil, fmt.Errorf("no DSC for kid %x", s.KID)
	}
	if err := s.Verify(ds[0].Cert.PublicKey); err != nil {
		return nil, err
	}
	c, err := hcert.Open(s)
	if err != nil {
		return nil, err
	}
	if err := trust.CheckDSCUse(ds[0], c.Kind, c.IssuedAt, c.Expires); err != nil {
		return nil, err
	}
	if err := c.CheckTime(at); err != nil {
		return nil, err
	}
	return c, c.Validate()
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

// tamper flips one bit of the COSE signature and re-encodes the text.
func tamper(t *testing.T, text string) string {
	t.Helper()
	s, err := hcert.Decode(text)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base45.Decode(text[len(hcert.Prefix):])
	data, _ := hcert.Inflate(raw)
	i := strings.LastIndex(string(data), string(s.Signature))
	if i < 0 {
		t.Fatal("signature not found in the COSE bytes")
	}
	data[i+len(s.Signature)/2] ^= 1
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(data)
	zw.Close()
	return hcert.Prefix + base45.Encode(z.Bytes())
}

// TestInteropOursVerifiesInPeers: HCERTs issued by credential/hcert, ES256
// and PS256, in each header layout real issuers use and of each kind,
// verify in both peers with the payload we signed; a flipped signature bit
// fails in both (and in ours).
func TestInteropOursVerifiesInPeers(t *testing.T) {
	type issued struct {
		name, layout, payload, text string
		bad                         bool
	}
	payloads := map[string]string{"vaccination": hcerttest.Vaccination, "test": hcerttest.Test, "recovery": hcerttest.Recovery}
	layouts := map[string]hcert.IssueOptions{
		"tag18":               {},
		"untagged":            {Untagged: true},
		"kid-unprotected":     {KIDUnprotected: true},
		"headers-unprotected": {HeadersUnprotected: true},
		"cwt-tag":             {CWTTag: true},
		"float-times":         {FloatTimes: true},
	}
	for _, alg := range []string{"p256", "rsa2048"} {
		d := interopDSC(t, alg)
		var all []issued
		for lname, o := range layouts {
			for kind, payload := range payloads {
				if lname != "tag18" && kind != "vaccination" {
					continue // layouts × one kind, kinds × one layout
				}
				o := o
				o.Issuer, o.IssuedAt, o.Expires, o.KID = "FR", interopIat, interopExp, trust.DSCKID(d.der)
				text, err := hcert.Issue([]byte(payload), d.key, o)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, issued{name: alg + "/" + lname + "/" + kind, layout: lname, payload: payload, text: text})
				if lname == "tag18" && kind == "vaccination" {
					bad := tamper(t, text)
					if _, err := verifyOurs(bad, d.der, interopIat.AddDate(0, 1, 0)); err == nil {
						t.Errorf("%s: we accept a flipped signature bit", alg)
					}
					all = append(all, issued{name: alg + "/flipped-bit", text: bad, bad: true})
				}
			}
		}
		var lines []string
		for _, c := range all {
			lines = append(lines, c.text)
		}
		qr := npmpeer.Write(t, "hc1.txt", []byte(strings.Join(lines, "\n")))
		for _, p := range peers {
			m := npmpeer.Run(t, interopDir, "verify", "--peer", p, "--qr", qr, "--cert", d.certFile)
			if n, _ := m["network"].([]any); len(n) != 0 {
				t.Errorf("%s tried the network: %v", p, n)
			}
			results, _ := m["results"].([]any)
			if len(results) != len(all) {
				t.Fatalf("%s: %d results for %d certificates", p, len(results), len(all))
			}
			for i, c := range all {
				r := results[i].(map[string]any)
				if c.bad || peerLimits[p][c.layout] {
					if r["valid"] != false {
						t.Errorf("%s: %s accepts it", c.name, p)
					}
					continue
				}
				if r["valid"] != true {
					t.Errorf("%s: %s refuses ours: %v", c.name, p, r["status"])
					continue
				}
				got, _ := json.Marshal(r["hcert"])
				if !sameJSON(t, got, []byte(c.payload)) {
					t.Errorf("%s: %s reads %s, we signed %s", c.name, p, got, c.payload)
				}
				if r["iss"] != "FR" || r["iat"] != float64(interopIat.Unix()) || r["exp"] != float64(interopExp.Unix()) {
					t.Errorf("%s: %s reads iss %v iat %v exp %v", c.name, p, r["iss"], r["iat"], r["exp"])
				}
			}
		}
	}
}

// TestInteropPeersVerifyInOurs: HCERTs signed by each peer's own code
// (ES256 and PS256) verify in ours with the payload they were given; the
// peer-signed vectors are then committed (testdata/interop/vectors) and
// checked without node by TestPeerVectors.
func TestInteropPeersVerifyInOurs(t *testing.T) {
	payload := npmpeer.Write(t, "dcc.json", []byte(hcerttest.Vaccination))
	for _, alg := range []string{"p256", "rsa2048"} {
		d := interopDSC(t, alg)
		for _, p := range peers {
			out := filepath.Join(t.TempDir(), "peer.txt")
			m := npmpeer.Run(t, interopDir, "sign", "--peer", p, "--cert", d.certFile, "--key", d.keyPEM,
				"--payload", payload, "--out", out, "--iss", "FR",
				"--iat", fmt.Sprint(interopIat.Unix()), "--exp", fmt.Sprint(interopExp.Unix()))
			if m["ok"] != true {
				t.Fatalf("%s/%s sign: %v", p, alg, m)
			}
			text, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			c, err := verifyOurs(string(text), d.der, interopIat.AddDate(0, 1, 0))
			if err != nil {
				t.Errorf("%s/%s: ours refuses the peer's HCERT: %v", p, alg, err)
				continue
			}
			got, _ := c.JSON()
			if !sameJSON(t, got, []byte(hcerttest.Vaccination)) {
				t.Errorf("%s/%s: we read %s", p, alg, got)
			}
			if _, err := verifyOurs(tamper(t, string(text)), d.der, interopIat.AddDate(0, 1, 0)); err == nil {
				t.Errorf("%s/%s: we accept the peer's HCERT with a flipped signature bit", p, alg)
			}
			if dir := os.Getenv("IMMUNOPASS_WRITE_HCERT_VECTORS"); dir != "" {
				writeVector(t, dir, p+"-"+alg, text, d.der)
			}
		}
	}
}

func writeVector(t *testing.T, dir, name string, text, der []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name+".txt"), text, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPeerVectors verifies the committed HCERTs that the peers signed
// (vectors/README.md says how they were made), without node: valid with
// their DSC at a clock inside their window, the payload they were given,
// and refused with another DSC.
func TestPeerVectors(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(interopDir, "vectors", "*.txt"))
	if len(files) < 4 {
		t.Fatalf("%d peer vectors, want 4 (dccsdk and cosejs, ES256 and PS256)", len(files))
	}
	other, _, err := hcerttest.NewDSC(hcerttest.DSCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(strings.TrimSuffix(f, ".txt") + ".pem")
		if err != nil {
			t.Fatal(err)
		}
		blk, _ := pem.Decode(b)
		c, err := verifyOurs(string(text), blk.Bytes, interopIat.AddDate(0, 1, 0))
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		got, _ := c.JSON()
		if !sameJSON(t, got, []byte(hcerttest.Vaccination)) {
			t.Errorf("%s: we read %s", filepath.Base(f), got)
		}
		if _, err := verifyOurs(string(text), other, interopIat.AddDate(0, 1, 0)); err == nil {
			t.Errorf("%s: verifies with another DSC", filepath.Base(f))
		}
		if _, err := verifyOurs(string(text), blk.Bytes, interopExp.AddDate(0, 0, 1)); err == nil {
			t.Errorf("%s: valid after its exp", filepath.Base(f))
		}
	}
}
