package shc_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/internal/npmpeer"
	"github.com/immunopass/immunopass/internal/spectest"
)

const interopDir = "testdata/interop"

func specTrust(t testing.TB) *trust.Store {
	s := trust.New()
	if err := s.Load("spec", spectest.Snapshot(t)); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPeerVector verifies the committed card that @pathcheck/shc-sdk signed
// (vectors/README.md says how), in all three of its forms. It needs no node.
func TestPeerVector(t *testing.T) {
	dir := filepath.Join(interopDir, "vectors")
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	jws := read("peer.jws")
	file, err := shc.ParseFile([]byte(read("peer.smart-health-card")))
	if err != nil || file[0] != jws {
		t.Fatalf("file: %v", err)
	}
	c, err := shc.ParseQR(read("peer-qr.txt"))
	if err != nil || c.JWS != jws {
		t.Fatalf("qr: %v", err)
	}
	card, err := shc.Parse(jws)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := shc.Verify(card, specTrust(t), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	want, _ := shc.Minify(spectest.Read(t, "examples", "example-00-a-fhirBundle.json"))
	if string(card.Claims.Bundle) != string(want) {
		t.Error("the peer's bundle differs from the one it was given")
	}
}

func peer(t *testing.T, args ...string) map[string]any {
	t.Helper()
	return npmpeer.Run(t, interopDir, args...)
}

func write(t *testing.T, name string, data []byte) string { return npmpeer.Write(t, name, data) }

// TestInteropOursVerifiesInPeers issues cards with our issuer — under the
// spec's test key and under a fresh clinic key — and has both npm peers
// verify them; a tampered card fails in both.
func TestInteropOursVerifiesInPeers(t *testing.T) {
	fresh, err := jose.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		key     *jose.PrivateKey
		iss     string
		jwks    []byte
		country string // the issuer's: the card is trimmed for its QR code
	}{
		{"spec key", spectest.PrivateKey(t, 0), spectest.Iss, spectest.Read(t, "issuer", ".well-known", "jwks.json"), ""},
		{"clinic key", fresh, "https://clinic.example/shc", jose.JWKS([]*jose.Key{fresh.Public()}, nil), ""},
		{"clinic key, trimmed card", fresh, "https://clinic.example/shc", jose.JWKS([]*jose.Key{fresh.Public()}, nil), "AE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			jws, err := shc.Issue(tc.key, assets.DemoRecord(), shc.IssueOptions{Issuer: tc.iss, RID: "AAAAAAAAAAA", Expires: time.Now().Add(time.Hour), Country: tc.country})
			if err != nil {
				t.Fatal(err)
			}
			qr, err := shc.EncodeQR(jws)
			if err != nil {
				t.Fatal(err)
			}
			jwksPath := write(t, "jwks.json", tc.jwks)
			jwsPath := write(t, "card.jws", []byte(jws))
			got := peer(t, "verify-jose", "--jws", jwsPath, "--jwks", jwksPath)
			if got["valid"] != true || got["iss"] != tc.iss || got["kid"] != tc.key.Public().KID() {
				t.Fatalf("jose+pako: %v", got)
			}
			got = peer(t, "verify-shcsdk", "--file", write(t, "card.txt", []byte(qr)), "--jwks", jwksPath)
			if got["valid"] != true {
				t.Fatalf("shc-sdk on our QR text: %v", got)
			}
			got = peer(t, "verify-shcsdk", "--file", write(t, "card.smart-health-card", shc.FormatFile(jws)), "--jwks", jwksPath)
			if got["valid"] != true {
				t.Fatalf("shc-sdk on our file: %v", got)
			}
			// Flip one signature character: both peers must refuse.
			sig := strings.LastIndexByte(jws, '.') + 5
			flip := byte('A')
			if jws[sig] == 'A' {
				flip = 'B'
			}
			tampered := jws[:sig] + string(flip) + jws[sig+1:]
			if got := peer(t, "verify-jose", "--jws", write(t, "bad.jws", []byte(tampered)), "--jwks", jwksPath); got["valid"] != false {
				t.Fatalf("jose+pako accepted a tampered card: %v", got)
			}
			if got := peer(t, "verify-shcsdk", "--file", write(t, "bad.jws", []byte(tampered)), "--jwks", jwksPath); got["valid"] != false {
				t.Fatalf("shc-sdk accepted a tampered card: %v", got)
			}
		})
	}
}

// TestInteropPeerVerifiesInOurs has @pathcheck/shc-sdk sign a card now, from
// our demo record, and verifies it with ours.
func TestInteropPeerVerifiesInOurs(t *testing.T) {
	out := t.TempDir()
	bundle := write(t, "bundle.json", assets.DemoRecord())
	got := peer(t, "sign", "--key", spectest.Path("issuer-private", "issuer.jwks.private.json"), "--kid", spectest.KID0,
		"--iss", spectest.Iss, "--bundle", bundle, "--out", out)
	if got["ok"] != true {
		t.Fatalf("sign: %v", got)
	}
	for _, name := range []string{"peer.jws", "peer.smart-health-card", "peer-qr.txt"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		var jws string
		switch {
		case strings.HasSuffix(name, ".smart-health-card"):
			vcs, err := shc.ParseFile(b)
			if err != nil {
				t.Fatal(err)
			}
			jws = vcs[0]
		case strings.HasSuffix(name, ".txt"):
			c, err := shc.ParseQR(string(b))
			if err != nil {
				t.Fatal(err)
			}
			jws = c.JWS
		default:
			jws = string(b)
		}
		card, err := shc.Parse(jws)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := shc.Verify(card, specTrust(t), time.Now().Add(time.Minute)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}
