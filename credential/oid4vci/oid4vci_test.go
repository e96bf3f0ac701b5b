package oid4vci

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/internal/b64"
)

const iss = "https://clinic.example"

func testOffer() *Offer {
	return &Offer{CredentialIssuer: iss, ConfigurationIDs: []string{ConfigSDJWT}, PreAuthorizedCode: "code-123",
		TxCode: &TxCode{InputMode: "numeric", Length: PINLength, Description: "The PIN the clinic shows"}}
}

func TestOfferRoundTrip(t *testing.T) {
	o := testOffer()
	uri := o.URI()
	if !strings.HasPrefix(uri, "openid-credential-offer://?credential_offer=%7B") {
		t.Fatalf("URI %q", uri)
	}
	for _, text := range []string{uri, "  " + uri + "\n", string(o.JSON()),
		"https://wallet.example/receive?credential_offer=" + url.QueryEscape(string(o.JSON()))} {
		got, err := ParseOffer(text)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if got.CredentialIssuer != iss || got.PreAuthorizedCode != "code-123" || got.TxCode == nil || got.TxCode.Length != 6 || got.ConfigurationIDs[0] != ConfigSDJWT {
			t.Errorf("%q: got %+v", text, got)
		}
	}
}

func TestParseOfferRefuses(t *testing.T) {
	good := string(testOffer().JSON())
	for _, c := range []struct{ text, want string }{
		{"", "empty"},
		{"hello there", "neither an offer link nor offer JSON"},
		{"ftp://x/?credential_offer=" + url.QueryEscape(good), "scheme"},
		{"openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fclinic.example%2Fo%2F1", "by reference"},
		{"openid-credential-offer://?x=1", "no credential_offer"},
		{"openid-credential-offer://?credential_offer=" + url.QueryEscape(good) + "&credential_offer=" + url.QueryEscape(good), "repeats"},
		{`{"credential_issuer":"https://a","credential_issuer":"https://b","credential_configuration_ids":["x"],"grants":{}}`, "duplicate"},
		{`{"credential_issuer":"https://a?x=1","credential_configuration_ids":["x"]}`, "without query"},
		{`{"credential_issuer":"javascript:alert(1)","credential_configuration_ids":["x"]}`, "https://"},
		{`{"credential_issuer":"https://a","credential_configuration_ids":[]}`, "credential_configuration_ids"},
		{`{"credential_issuer":"https://a","credential_configuration_ids":["x"],"grants":{"authorization_code":{}}}`, "signing in"},
		{`{"credential_issuer":"https://a","credential_configuration_ids":["x"],"grants":{}}`, "no pre-authorized code"},
		{`{"credential_issuer":"https://a","credential_configuration_ids":["x"],"grants":{"` + GrantPreAuthorized + `":{"pre-authorized_code":""}}}`, "pre-authorized_code"},
		{`{"credential_issuer":"https://a","credential_configuration_ids":["x"],"grants":{"` + GrantPreAuthorized + `":{"pre-authorized_code":"c","tx_code":{"input_mode":"emoji"}}}}`, "input_mode"},
		{strings.Repeat("x", MaxOfferSize+1), "more than"},
	} {
		_, err := ParseOffer(c.text)
		var oe *OfferError
		if !errors.As(err, &oe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.80q: got %v, want an *OfferError with %q", c.text, err, c.want)
		}
	}
}

func TestMetadata(t *testing.T) {
	m := NewIssuerMetadata(iss+"/", MetadataOptions{Name: "Clinic", Deferred: true})
	var doc map[string]any
	if err := json.Unmarshal(m.JSON(), &doc); err != nil {
		t.Fatal(err)
	}
	cfg := doc["credential_configurations_supported"].(map[string]any)[ConfigSDJWT].(map[string]any)
	if cfg["format"] != "dc+sd-jwt" || doc["nonce_endpoint"] != iss+NoncePath || doc["deferred_credential_endpoint"] != iss+DeferredPath {
		t.Errorf("metadata %s", m.JSON())
	}
	if _, ok := cfg["proof_types_supported"].(map[string]any)["jwt"]; !ok {
		t.Errorf("no jwt proof type: %s", m.JSON())
	}
	if got, err := ParseIssuerMetadata(m.JSON(), iss); err != nil || got.CredentialEndpoint != iss+CredentialPath {
		t.Errorf("ParseIssuerMetadata: %v %+v", err, got)
	}
	if _, err := ParseIssuerMetadata(m.JSON(), "https://other.example"); err == nil {
		t.Error("metadata of another issuer accepted")
	}
	sm := NewServerMetadata(iss)
	if got, err := ParseServerMetadata(sm.JSON(), iss); err != nil || got.TokenEndpoint != iss+TokenPath {
		t.Errorf("ParseServerMetadata: %v %+v", err, got)
	}
}

func TestParseTokenRequest(t *testing.T) {
	r, err := ParseTokenRequest([]byte((&TokenRequest{Code: "abc", TxCode: "123456"}).Form().Encode()))
	if err != nil || r.Code != "abc" || r.TxCode != "123456" {
		t.Fatalf("%v %+v", err, r)
	}
	for _, c := range []struct{ body, code string }{
		{"grant_type=authorization_code&code=x", ErrUnsupportedGrantType},
		{"pre-authorized_code=x", ErrInvalidRequest},
		{"grant_type=" + url.QueryEscape(GrantPreAuthorized), ErrInvalidRequest},
		{"grant_type=" + url.QueryEscape(GrantPreAuthorized) + "&pre-authorized_code=a&pre-authorized_code=b", ErrInvalidRequest},
		{"%zz", ErrInvalidRequest},
	} {
		_, err := ParseTokenRequest([]byte(c.body))
		var oe *Error
		if !errors.As(err, &oe) || oe.Code != c.code || oe.Status != 400 {
			t.Errorf("%q: got %v, want %s", c.body, err, c.code)
		}
	}
}

func TestParseCredentialRequest(t *testing.T) {
	sup := []string{ConfigSDJWT}
	req := &CredentialRequest{ConfigurationID: ConfigSDJWT, Proofs: []string{"a.b.c", "d.e.f"}}
	got, err := ParseCredentialRequest(req.JSON(), sup)
	if err != nil || len(got.Proofs) != 2 || got.Proofs[1] != "d.e.f" {
		t.Fatalf("%v %+v", err, got)
	}
	many := make([]string, MaxBatch+1)
	for i := range many {
		many[i] = "x.y.z"
	}
	manyJSON, _ := json.Marshal(many)
	for _, c := range []struct{ body, code string }{
		{`[]`, ErrInvalidCredentialReq},
		{`{"proofs":{"jwt":["a.b.c"]}}`, ErrInvalidCredentialReq},
		{`{"credential_configuration_id":"other","proofs":{"jwt":["a.b.c"]}}`, ErrUnknownConfiguration},
		{`{"credential_configuration_id":"` + ConfigSDJWT + `"}`, ErrInvalidProof},
		{`{"credential_configuration_id":"` + ConfigSDJWT + `","proof":{"proof_type":"jwt","jwt":"a.b.c"}}`, ErrInvalidCredentialReq},
		{`{"credential_configuration_id":"` + ConfigSDJWT + `","proofs":{"ldp_vp":[{}]}}`, ErrInvalidProof},
		{`{"credential_configuration_id":"` + ConfigSDJWT + `","proofs":{"jwt":[1]}}`, ErrInvalidProof},
		{`{"credential_configuration_id":"` + ConfigSDJWT + `","proofs":{"jwt":[]}}`, ErrInvalidProof},
		{`{"credential_configuration_id":"` + ConfigSDJWT + `","proofs":{"jwt":` + string(manyJSON) + `}}`, ErrInvalidCredentialReq},
		{`{"credential_configuration_id":"` + ConfigSDJWT + `","credential_response_encryption":{},"proofs":{"jwt":["a"]}}`, ErrInvalidEncryptionPara},
		{`{"credential_configuration_id":"x","credential_configuration_id":"y"}`, ErrInvalidCredentialReq},
	} {
		_, err := ParseCredentialRequest([]byte(c.body), sup)
		var oe *Error
		if !errors.As(err, &oe) || oe.Code != c.code {
			t.Errorf("%.100s: got %v, want %s", c.body, err, c.code)
		}
	}
}

func TestParseDeferredRequest(t *testing.T) {
	if id, err := ParseDeferredRequest([]byte(`{"transaction_id":"t1"}`)); err != nil || id != "t1" {
		t.Fatalf("%v %q", err, id)
	}
	for _, body := range []string{`{}`, `x`, `{"transaction_id":1}`} {
		if _, err := ParseDeferredRequest([]byte(body)); err == nil {
			t.Errorf("%s accepted", body)
		}
	}
}

// forge signs a proof with a header and payload of the test's choosing.
func forge(t *testing.T, k *jose.PrivateKey, hdr, payload map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(hdr)
	p, _ := json.Marshal(payload)
	in := b64.Encode(h) + "." + b64.Encode(p)
	sig, err := k.SignES256([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + b64.Encode(sig)
}

func TestProofs(t *testing.T) {
	holder, _ := jose.GenerateKey()
	other, _ := jose.GenerateKey()
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	good, err := SignProof(holder, iss, "n1", now)
	if err != nil {
		t.Fatal(err)
	}
	p, err := VerifyProof(0, good, iss, now.Add(time.Minute))
	if err != nil || !p.Key.Equal(holder.Public()) || p.Nonce != "n1" {
		t.Fatalf("good proof: %v %+v", err, p)
	}
	jwk := json.RawMessage(holder.Public().JWK())
	var jwkMap map[string]any
	json.Unmarshal(jwk, &jwkMap)
	hdr := func(kv ...any) map[string]any {
		m := map[string]any{"alg": "ES256", "typ": ProofTyp, "jwk": jwkMap}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return m
	}
	pl := func(kv ...any) map[string]any {
		m := map[string]any{"aud": iss, "iat": now.Unix(), "nonce": "n1"}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return m
	}
	withPriv := map[string]any{}
	json.Unmarshal(holder.MarshalPrivateJWK(), &withPriv)
	// An unsigned proof ("alg":"none") and an HMAC one.
	noneHdr, _ := json.Marshal(hdr("alg", "none"))
	nonePl, _ := json.Marshal(pl())
	none := b64.Encode(noneHdr) + "." + b64.Encode(nonePl) + "."
	hsHdr, _ := json.Marshal(hdr("alg", "HS256"))
	hs := b64.Encode(hsHdr) + "." + b64.Encode(nonePl) + "." + b64.Encode(make([]byte, 32))
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + b64.Encode([]byte(`{"aud":"`+iss+`","iat":`+jsonNum(now.Unix())+`,"nonce":"n2"}`)) + "." + parts[2]
	for _, c := range []struct {
		name, jwt, want string
	}{
		{"alg none", none, `alg "none"`},
		{"HS256", hs, `alg "HS256"`},
		{"wrong aud", forge(t, holder, hdr(), pl("aud", "https://evil.example")), "aud"},
		{"aud array without issuer", forge(t, holder, hdr(), pl("aud", []string{"https://evil.example"})), "aud"},
		{"wrong typ", forge(t, holder, hdr("typ", "JWT"), pl()), "typ"},
		{"no key", forge(t, holder, hdr("jwk", nil), pl()), "no key"},
		{"kid and jwk", forge(t, holder, hdr("kid", holder.Public().DIDKey()), pl()), "both"},
		{"private jwk", forge(t, holder, hdr("jwk", withPriv), pl()), "private"},
		{"x5c", forge(t, holder, hdr("x5c", []string{"MII"}), pl()), "x5c"},
		{"signed by another key", forge(t, other, hdr(), pl()), "signature"},
		{"tampered payload", tampered, "signature"},
		{"old iat", forge(t, holder, hdr(), pl("iat", now.Add(-time.Hour).Unix())), "clock"},
		{"future iat", forge(t, holder, hdr(), pl("iat", now.Add(time.Hour).Unix())), "clock"},
		{"iat string", forge(t, holder, hdr(), pl("iat", "now")), "iat"},
		{"no nonce", forge(t, holder, hdr(), pl("nonce", nil)), "nonce is missing"},
		{"two parts", "a.b", "parts"},
	} {
		_, err := VerifyProof(3, c.jwt, iss, now)
		var oe *Error
		if !errors.As(err, &oe) || oe.Code != ErrInvalidProof || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "proofs.jwt[3]") {
			t.Errorf("%s: got %v, want invalid_proof with %q", c.name, err, c.want)
		}
	}
	// A did:key kid instead of a jwk is accepted.
	viaKid := forge(t, holder, hdr("jwk", nil, "kid", holder.Public().DIDKey()+"#"+strings.TrimPrefix(holder.Public().DIDKey(), "did:key:")), pl())
	if p, err := VerifyProof(0, viaKid, iss, now); err != nil || !p.Key.Equal(holder.Public()) {
		t.Errorf("did:key kid: %v", err)
	}
}

func jsonNum(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestCredentialResponse(t *testing.T) {
	if _, err := ParseCredentialResponse([]byte(`{"credentials":[{"credential":"x~"}]}`)); err != nil {
		t.Error(err)
	}
	if r, err := ParseCredentialResponse([]byte(`{"transaction_id":"t","interval":5}`)); err != nil || r.Interval != 5 {
		t.Error(err)
	}
	for _, b := range []string{`{}`, `{"credentials":[{"credential":"x"}],"transaction_id":"t"}`, `{"credentials":[{"credential":""}]}`} {
		if _, err := ParseCredentialResponse([]byte(b)); err == nil {
			t.Errorf("%s accepted", b)
		}
	}
	if e, ok := ParseError([]byte(`{"error":"invalid_grant","error_description":"wrong PIN"}`), 400); !ok || e.Code != ErrInvalidGrant {
		t.Error("ParseError")
	}
}

// TestMetadataClaimsExist: every claim the metadata describes is a claim
// ImmunoPass SD-JWT VCs carry.
func TestMetadataClaimsExist(t *testing.T) {
	rec, err := vax.FromFHIR(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, c := range sdjwt.FromRecord(rec) {
		names[c.Name] = true
	}
	for _, c := range NewIssuerMetadata(iss, MetadataOptions{}).Configurations[ConfigSDJWT].CredentialMeta.Claims {
		if n, _ := c.Path[0].(string); !names[n] {
			t.Errorf("metadata describes %v, which the credential does not carry (it has %v)", c.Path, names)
		}
	}
}
