package web

import (
	"encoding/json"
	"encoding/pem"
	"net"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/oid4vci"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/internal/npmpeer"
	"github.com/immunopass/immunopass/internal/strictjson"
	"github.com/immunopass/immunopass/issuer/service"
)

const interopDir = "../../credential/oid4vci/testdata/interop"

// TestOID4VCIInteropNPM: an independent client, @openid4vc/openid4vci (the
// OpenWallet Foundation's TypeScript library), receives a batch of
// credentials from the clinic service with the pre-authorized code flow and
// the PIN; each is an SD-JWT VC signed by the clinic and bound to the key
// of one of its proofs. A wrong PIN is refused with invalid_grant.
func TestOID4VCIInteropNPM(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "https://" + ln.Addr().String() // credentials name an https issuer
	dir := filepath.Join(t.TempDir(), "clinic")
	if err := service.Init(dir, service.InitOptions{Issuer: base, Passphrase: "pass phrase", WorkFactor: 10, AdminPassword: adminPwd}); err != nil {
		t.Fatal(err)
	}
	svc, err := service.Open(dir, "pass phrase", service.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(New(svc, Options{}).Handler())
	ts.Listener.Close()
	ts.Listener = ln
	ts.StartTLS()
	t.Cleanup(func() { ts.Close(); svc.Close() })
	// node trusts the test server's certificate through NODE_EXTRA_CA_CERTS.
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	t.Setenv("NODE_EXTRA_CA_CERTS", npmpeer.Write(t, "ca.pem", ca))
	d, _ := svc.Delivery(service.DeliverySettings{})
	rec, bundle, _ := service.ReadRecord(assets.DemoRecord())
	en, err := svc.Issue("nurse", service.Submission{Record: rec, Bundle: bundle})
	if err != nil {
		t.Fatal(err)
	}

	g, _ := d.CreateOffer("nurse", en.ID)
	wrong := "000000"
	if g.PIN == wrong {
		wrong = "111111"
	}
	out := npmpeer.Run(t, interopDir, "receive", "--offer", g.Offer.URI(), "--pin", wrong)
	if out["error"] != "invalid_grant" {
		t.Errorf("wrong PIN through the npm client: %v", out)
	}
	out = npmpeer.Run(t, interopDir, "receive", "--offer", g.Offer.URI(), "--pin", g.PIN, "--copies", "2")
	if out["error"] != nil {
		t.Fatalf("npm client: %v", out)
	}
	creds, _ := out["credentials"].([]any)
	holders, _ := out["holders"].([]any)
	if len(creds) != 2 || len(holders) != 2 || out["format"] != oid4vci.FormatSDJWTVC {
		t.Fatalf("npm client received %v", out)
	}
	jwks, _ := svc.JWKS()
	keys, _, err := jose.ParseJWKS(jwks)
	if err != nil || len(keys) != 1 {
		t.Fatalf("JWKS: %v", err)
	}
	issuerKey := keys[0]
	for i, c := range creds {
		h, err := sdjwt.Decode(c.(string))
		if err != nil {
			t.Fatalf("credential %d: %v", i, err)
		}
		j, err := jose.Parse(h.IssuerJWT)
		if err != nil || j.Verify(issuerKey) != nil || j.Header.Typ != sdjwt.TypVC {
			t.Fatalf("credential %d: not signed by the clinic as dc+sd-jwt: %v", i, err)
		}
		cnf, _ := h.Claims.Get("cnf")
		jwk, _ := cnf.(strictjson.Object).Get("jwk")
		got, _ := json.Marshal(strictjson.Plain(jwk))
		want, _ := json.Marshal(holders[i])
		gk, err1 := jose.ParseJWK(got)
		wk, err2 := jose.ParseJWK(want)
		if err1 != nil || err2 != nil || !gk.Equal(wk) {
			t.Errorf("credential %d bound to %s, want the proof key %s", i, got, want)
		}
	}
	// The offer worked once.
	out = npmpeer.Run(t, interopDir, "receive", "--offer", g.Offer.URI(), "--pin", g.PIN)
	if out["error"] != "invalid_grant" || !strings.Contains(out["error_description"].(string), "already been used") {
		t.Errorf("reused offer through the npm client: %v", out)
	}
}
