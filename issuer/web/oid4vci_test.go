package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/oid4vci"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/internal/b64"
	"github.com/immunopass/immunopass/internal/ratiobench"
	"github.com/immunopass/immunopass/internal/strictjson"
	"github.com/immunopass/immunopass/issuer/service"
)

// oid sends one request of the OpenID4VCI flow, checks its status and its
// description in openapi.json, and returns the JSON answer.
func (e *env) oid(path, token, ctype, body string, want int) map[string]any {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+path, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	if want >= 400 && resp.Header.Get("Cache-Control") != "no-store" {
		e.t.Errorf("%s %d: Cache-Control %q", path, want, resp.Header.Get("Cache-Control"))
	}
	data := e.check(resp, "POST", path, want)
	var out map[string]any
	if err := json.Unmarshal([]byte(data), &out); err != nil {
		e.t.Fatalf("%s: not JSON: %s", path, data)
	}
	return out
}

func (e *env) offer(token string) (string, OfferResponse) {
	e.t.Helper()
	rec, bundle, err := service.ReadRecord(assets.DemoRecord())
	if err != nil {
		e.t.Fatal(err)
	}
	en, err := e.svc.Issue("nurse", service.Submission{Record: rec, Bundle: bundle})
	if err != nil {
		e.t.Fatal(err)
	}
	out := e.api("POST", "/api/v1/records/"+en.ID+"/offer", token, "", nil, http.StatusCreated)
	raw, _ := json.Marshal(out)
	var o OfferResponse
	json.Unmarshal(raw, &o)
	return en.ID, o
}

func tokenForm(code, pin string) string {
	return (&oid4vci.TokenRequest{Code: code, TxCode: pin}).Form().Encode()
}

const form = "application/x-www-form-urlencoded"

func oauthCode(m map[string]any) string { s, _ := m["error"].(string); return s }

func TestOID4VCIFlow(t *testing.T) {
	e := newEnv(t, Options{Delivery: service.DeliverySettings{OfferTTL: 5 * time.Minute}})
	write, _, _ := e.svc.CreateToken("admin", "EMR", []string{service.ScopeRecordsWrite})
	read, _, _ := e.svc.CreateToken("admin", "reader", []string{service.ScopeRecordsRead})
	iss := e.svc.Config().Issuer

	// Metadata.
	resp, err := http.Get(e.ts.URL + oid4vci.IssuerMetadataPath)
	if err != nil {
		t.Fatal(err)
	}
	body := e.check(resp, "GET", oid4vci.IssuerMetadataPath, 200)
	if m, err := oid4vci.ParseIssuerMetadata([]byte(body), iss); err != nil || m.Configurations[oid4vci.ConfigSDJWT].Format != "dc+sd-jwt" || m.Batch.BatchSize != oid4vci.MaxBatch {
		t.Fatalf("issuer metadata: %v %s", err, body)
	}
	resp, _ = http.Get(e.ts.URL + oid4vci.ServerMetadataPath)
	body = e.check(resp, "GET", oid4vci.ServerMetadataPath, 200)
	if _, err := oid4vci.ParseServerMetadata([]byte(body), iss); err != nil {
		t.Fatal(err)
	}

	// The EMR makes an offer (write scope only).
	e.api("POST", "/api/v1/records/x/offer", read, "", nil, http.StatusForbidden)
	e.api("POST", "/api/v1/records/nope/offer", write, "", nil, http.StatusNotFound)
	id, o := e.offer(write)
	offer, err := oid4vci.ParseOffer(o.URI)
	if err != nil || offer.TxCode == nil || offer.TxCode.Length != 6 || len(o.PIN) != 6 {
		t.Fatalf("offer %+v: %v", o, err)
	}
	code := offer.PreAuthorizedCode

	// Token: errors, then the right PIN, then the same offer again.
	wrong := "000000"
	if o.PIN == wrong {
		wrong = "111111"
	}
	if m := e.oid(oid4vci.TokenPath, "", form, tokenForm(code, wrong), 400); oauthCode(m) != "invalid_grant" || m["error_description"] != oid4vci.DescWrongPIN {
		t.Errorf("wrong PIN: %v", m)
	}
	if m := e.oid(oid4vci.TokenPath, "", form, "grant_type=password&username=a", 400); oauthCode(m) != "unsupported_grant_type" {
		t.Errorf("other grant: %v", m)
	}
	if m := e.oid(oid4vci.TokenPath, "", "application/json", `{}`, 400); oauthCode(m) != "invalid_request" {
		t.Errorf("JSON token request: %v", m)
	}
	tok := e.oid(oid4vci.TokenPath, "", form, tokenForm(code, o.PIN), 200)
	access, _ := tok["access_token"].(string)
	if access == "" || tok["token_type"] != "Bearer" {
		t.Fatalf("token: %v", tok)
	}
	if m := e.oid(oid4vci.TokenPath, "", form, tokenForm(code, o.PIN), 400); oauthCode(m) != "invalid_grant" || m["error_description"] != oid4vci.DescUsed {
		t.Errorf("reused offer: %v", m)
	}

	// Nonce and proofs.
	nonce := e.oid(oid4vci.NoncePath, "", "", "", 200)["c_nonce"].(string)
	other := e.oid(oid4vci.NoncePath, "", "", "", 200)["c_nonce"].(string)
	now := e.clock.now()
	var keys []*jose.PrivateKey
	var proofs []string
	for range 3 {
		k, _ := jose.GenerateKey()
		p, _ := oid4vci.SignProof(k, iss, nonce, now)
		keys, proofs = append(keys, k), append(proofs, p)
	}
	credReq := func(ps ...string) string {
		return string((&oid4vci.CredentialRequest{ConfigurationID: oid4vci.ConfigSDJWT, Proofs: ps}).JSON())
	}
	bad := func(name, proof, wantCode, wantText string) {
		t.Helper()
		m := e.oid(oid4vci.CredentialPath, access, "application/json", credReq(proof), 400)
		if oauthCode(m) != wantCode || !strings.Contains(fmt.Sprint(m["error_description"]), wantText) {
			t.Errorf("%s: %v, want %s (%s)", name, m, wantCode, wantText)
		}
	}
	wrongAud, _ := oid4vci.SignProof(keys[0], "https://evil.example", nonce, now)
	bad("wrong aud", wrongAud, "invalid_proof", "aud")
	bad("alg none", unsigned(t, keys[0], iss, nonce, now, "none"), "invalid_proof", `alg "none"`)
	bad("HS256", unsigned(t, keys[0], iss, nonce, now, "HS256"), "invalid_proof", `alg "HS256"`)
	stale, _ := oid4vci.SignProof(keys[0], iss, nonce, now.Add(-time.Hour))
	bad("stale iat", stale, "invalid_proof", "clock")
	madeUp, _ := oid4vci.SignProof(keys[0], iss, "not-a-nonce-we-gave", now)
	bad("nonce never handed out", madeUp, "invalid_nonce", "nonce")
	if m := e.oid(oid4vci.CredentialPath, "", "application/json", credReq(proofs...), 401); oauthCode(m) != "invalid_token" {
		t.Errorf("no access token: %v", m)
	}
	// A made-up token is refused before the proofs are looked at.
	if m := e.oid(oid4vci.CredentialPath, "made-up", "application/json", credReq(wrongAud), 401); oauthCode(m) != "invalid_token" {
		t.Errorf("made-up access token: %v", m)
	}
	if m := e.oid(oid4vci.CredentialPath, access, "application/json", `{"credential_configuration_id":"x","proofs":{"jwt":["a"]}}`, 400); oauthCode(m) != "unknown_credential_configuration" {
		t.Errorf("unknown configuration: %v", m)
	}
	// A batch: three proofs, three credentials, each bound to its own key
	// with its own status index.
	res := e.oid(oid4vci.CredentialPath, access, "application/json", credReq(proofs...), 200)
	creds := res["credentials"].([]any)
	if len(creds) != 3 {
		t.Fatalf("batch: %v", res)
	}
	idx := map[string]bool{}
	for i, c := range creds {
		sd := c.(map[string]any)["credential"].(string)
		h, err := sdjwt.Decode(sd)
		if err != nil {
			t.Fatal(err)
		}
		cnf, _ := json.Marshal(strictjson.Plain(h.Claims))
		if !bytes.Contains(cnf, []byte(b64x(keys[i]))) {
			t.Errorf("credential %d is not bound to proof %d's key", i, i)
		}
		st := regexp.MustCompile(`"idx":(\d+)`).FindSubmatch(cnf)
		if st == nil || idx[string(st[1])] {
			t.Errorf("credential %d: status index missing or repeated", i)
		} else {
			idx[string(st[1])] = true
		}
	}
	// The token worked once; the nonce too.
	if m := e.oid(oid4vci.CredentialPath, access, "application/json", credReq(proofs...), 401); oauthCode(m) != "invalid_token" {
		t.Errorf("second credential request: %v", m)
	}
	if en, _ := e.svc.Entry(id); len(en.SDJWT) != 3 {
		t.Errorf("ledger entry holds %d SD-JWT VCs, want 3", len(en.SDJWT))
	}

	// A proof for another nonce after a new offer: the first request's
	// nonce is spent.
	_, o2 := e.offer(write)
	offer2, _ := oid4vci.ParseOffer(o2.URI)
	access2 := e.oid(oid4vci.TokenPath, "", form, tokenForm(offer2.PreAuthorizedCode, o2.PIN), 200)["access_token"].(string)
	spent, _ := oid4vci.SignProof(keys[0], iss, nonce, now)
	if m := e.oid(oid4vci.CredentialPath, access2, "application/json", credReq(spent), 400); oauthCode(m) != "invalid_nonce" {
		t.Errorf("spent nonce: %v", m)
	}
	fresh, _ := oid4vci.SignProof(keys[0], iss, other, now)
	e.oid(oid4vci.CredentialPath, access2, "application/json", credReq(fresh), 200)

	// An offer expires.
	_, o3 := e.offer(write)
	offer3, _ := oid4vci.ParseOffer(o3.URI)
	e.clock.add(5 * time.Minute)
	if m := e.oid(oid4vci.TokenPath, "", form, tokenForm(offer3.PreAuthorizedCode, o3.PIN), 400); m["error_description"] != oid4vci.DescExpired {
		t.Errorf("expired offer: %v", m)
	}
	// Bodies over the limit, declared or chunked: an OAuth error too.
	big := strings.Repeat("a", oid4vci.MaxBody+1)
	if m := e.oid(oid4vci.TokenPath, "", form, big, 413); oauthCode(m) != "invalid_request" {
		t.Errorf("declared body over the limit: %v", m)
	}
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+oid4vci.CredentialPath, io.MultiReader(strings.NewReader(big)))
	req.Header.Set("Authorization", "Bearer "+access2)
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if body := e.check(resp, "POST", oid4vci.CredentialPath, 413); !strings.Contains(body, "invalid_request") {
		t.Errorf("chunked body over the limit: %s", body)
	}
	// The deferred endpoint with an unknown transaction.
	if m := e.oid(oid4vci.DeferredPath, access2, "application/json", `{"transaction_id":"x"}`, 400); oauthCode(m) != "invalid_transaction_id" {
		t.Errorf("unknown transaction: %v", m)
	}
}

func b64x(k *jose.PrivateKey) string {
	var m map[string]string
	json.Unmarshal(k.Public().JWK(), &m)
	return m["x"]
}

// unsigned makes a proof with a forbidden alg ("none": no signature;
// "HS256": an HMAC-looking one).
func unsigned(t *testing.T, k *jose.PrivateKey, aud, nonce string, iat time.Time, alg string) string {
	var jwk map[string]any
	json.Unmarshal(k.Public().JWK(), &jwk)
	h, _ := json.Marshal(map[string]any{"alg": alg, "typ": oid4vci.ProofTyp, "jwk": jwk})
	p, _ := json.Marshal(map[string]any{"aud": aud, "nonce": nonce, "iat": iat.Unix()})
	sig := ""
	if alg != "none" {
		sig = b64.Encode(bytes.Repeat([]byte{7}, 32))
	}
	return b64.Encode(h) + "." + b64.Encode(p) + "." + sig
}

func TestSendToWalletPage(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.browser()
	e.login(c, "admin", adminPwd, http.StatusSeeOther)
	rec, bundle, _ := service.ReadRecord(assets.DemoRecord())
	en, _ := e.svc.Issue("admin", service.Submission{Record: rec, Bundle: bundle})
	page, csrf := e.get(c, "/records/"+en.ID, 200)
	if !strings.Contains(page, `action="/records/`+en.ID+`/offer"`) || !strings.Contains(page, "Send to wallet") {
		t.Fatal("the record page has no Send to wallet button")
	}
	e.post(c, "/records/"+en.ID+"/offer", url.Values{}, http.StatusForbidden) // no CSRF token
	out := e.post(c, "/records/"+en.ID+"/offer", url.Values{"csrf": {csrf}}, 200)
	pin := regexp.MustCompile(`PIN: <strong[^>]*>(\d{6})</strong>`).FindStringSubmatch(out)
	link := regexp.MustCompile(`href="(openid-credential-offer://[^"]+)"`).FindStringSubmatch(out)
	if pin == nil || link == nil || !strings.Contains(out, `<img src="data:image/svg`) {
		t.Fatalf("offer page lacks the PIN, the link or the QR code:\n%.2000s", out)
	}
	o, err := oid4vci.ParseOffer(html.UnescapeString(link[1]))
	if err != nil {
		t.Fatal(err)
	}
	e.oid(oid4vci.TokenPath, "", form, tokenForm(o.PreAuthorizedCode, pin[1]), 200)
	if _, err := e.svc.Revoke("admin", en.ID, "test"); err != nil {
		t.Fatal(err)
	}
	e.post(c, "/records/"+en.ID+"/offer", url.Values{"csrf": {csrf}}, http.StatusConflict)
}

// BenchmarkOID4VCIDelivery is one whole delivery into a wallet over
// loopback HTTP: the offer (stored, audited), the token with the PIN, a
// nonce, and one SD-JWT VC for a jwt proof (the proof checked, the nonce
// and token spent, the credential signed and added to the ledger entry).
// The baseline is issuing the same record with one holder key in process
// (service.Issue: a SMART Health Card and an SD-JWT VC).
func BenchmarkOID4VCIDelivery(b *testing.B) {
	e := newEnv(b, Options{})
	d, _ := e.svc.Delivery(service.DeliverySettings{})
	rec, bundle, _ := service.ReadRecord(assets.DemoRecord())
	en, _ := e.svc.Issue("nurse", service.Submission{Record: rec, Bundle: bundle})
	hk, _ := jose.GenerateKey()
	did := hk.Public().DIDKey()
	iss := e.svc.Config().Issuer
	client := e.ts.Client()
	post := func(path, token, ctype, body string) (map[string]any, error) {
		req, _ := http.NewRequest(http.MethodPost, e.ts.URL+path, strings.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != 200 {
			return nil, fmt.Errorf("%s: %d %v", path, resp.StatusCode, m)
		}
		return m, nil
	}
	ratiobench.Run(b, func() error {
		g, err := d.CreateOffer("nurse", en.ID)
		if err != nil {
			return err
		}
		tok, err := post(oid4vci.TokenPath, "", form, tokenForm(g.Offer.PreAuthorizedCode, g.PIN))
		if err != nil {
			return err
		}
		n, err := post(oid4vci.NoncePath, "", "", "")
		if err != nil {
			return err
		}
		p, _ := oid4vci.SignProof(hk, iss, n["c_nonce"].(string), e.clock.now())
		_, err = post(oid4vci.CredentialPath, tok["access_token"].(string), "application/json",
			string((&oid4vci.CredentialRequest{ConfigurationID: oid4vci.ConfigSDJWT, Proofs: []string{p}}).JSON()))
		return err
	}, func() error {
		_, err := e.svc.Issue("bench", service.Submission{Record: rec, Bundle: bundle, Holders: []string{did}})
		return err
	})
}
