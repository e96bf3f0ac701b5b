package web

import (
	"encoding/base64"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/status"
	"github.com/immunopass/immunopass/issuer/service"
)

func TestRecordPagesIssueShowQRAndRevoke(t *testing.T) {
	e := newEnv(t, Options{})
	if err := e.svc.CreateAccount("admin", "nurse1", "nurse password 1", service.RoleNurse); err != nil {
		t.Fatal(err)
	}
	nurse := e.browser()
	e.login(nurse, "nurse1", "nurse password 1", http.StatusSeeOther)
	body, csrf := e.get(nurse, "/records/new", 200)
	if !strings.Contains(body, `value="http://hl7.org/fhir/sid/cvx|208"`) || !strings.Contains(body, `<label for="lot0">`) {
		t.Fatalf("the form lacks the vaccine picker or labels:\n%.2000s", body)
	}
	form := url.Values{"csrf": {csrf}, "patient": {"MRN-9"}, "family": {"Haddad"}, "given": {"Amira"}, "birthDate": {"2020-03-04"},
		"vaccine0": {"http://hl7.org/fhir/sid/cvx|08"}, "date0": {"2020-03-05"}, "dose0": {"1"}, "lot0": {"HB-1"},
		// row 1 left empty; row 2 has a date in the future and row 3 no vaccine
		"vaccine2": {"http://hl7.org/fhir/sid/cvx|08"}, "date2": {"2031-01-01"}, "dose2": {"2"},
		"date3": {"2021-01-01"}}
	body = e.post(nurse, "/records", form, http.StatusUnprocessableEntity)
	if !strings.Contains(body, "Nothing was issued") || !strings.Contains(body, "Choose the vaccine.") {
		t.Fatalf("error page:\n%.3000s", body)
	}
	// The date error is next to row 2's date field.
	if !regexp.MustCompile(`(?s)id="date2"[^>]*>\s*<span class="field-error"[^>]*>[^<]*future`).MatchString(body) {
		t.Errorf("no error next to date2:\n%.4000s", body)
	}
	if !strings.Contains(body, `value="HB-1"`) {
		t.Error("the typed values are lost")
	}
	if entries, _ := e.svc.Entries(0); len(entries) != 0 {
		t.Fatal("a refused form issued something")
	}
	delete(form, "date3")
	form.Set("date2", "2020-05-05")
	resp, err := nurse.PostForm(e.ts.URL+"/records", form)
	if err != nil {
		t.Fatal(err)
	}
	e.check(resp, "POST", "/records", http.StatusSeeOther)
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, "/records/") {
		t.Fatalf("redirect to %q", loc)
	}
	body, _ = e.get(nurse, loc, 200)
	m := regexp.MustCompile(`src="data:image/svg\+xml;base64,([^"]+)"`).FindStringSubmatch(html.UnescapeString(body))
	if m == nil {
		t.Fatalf("no QR code on the record page:\n%.2000s", body)
	}
	svg, _ := base64.StdEncoding.DecodeString(m[1])
	texts, err := qr.Decode(svg)
	if err != nil || len(texts) != 1 {
		t.Fatalf("the QR code does not decode: %v", err)
	}
	entry, err := e.svc.Entry(strings.TrimPrefix(loc, "/records/"))
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := shc.EncodeQR(entry.SHC); texts[0] != want {
		t.Error("the QR code holds another card")
	}
	if entry.By != "nurse1" || entry.Doses != 2 || entry.PatientID != "MRN-9" {
		t.Errorf("entry %+v", entry)
	}
	if strings.Contains(body, "Revoke every credential") {
		t.Error("a nurse is offered the revoke form")
	}
	home, _ := e.get(nurse, "/", 200)
	if !strings.Contains(home, loc) {
		t.Error("the ledger does not link the record")
	}

	// Revoking is for administrators, with a reason.
	_, ncsrf := e.get(nurse, loc, 200)
	e.post(nurse, loc+"/revoke", url.Values{"csrf": {ncsrf}, "reason": {"x"}}, http.StatusForbidden)
	admin := e.browser()
	e.login(admin, "admin", adminPwd, http.StatusSeeOther)
	body, acsrf := e.get(admin, loc, 200)
	if !strings.Contains(body, "Revoke every credential") {
		t.Error("no revoke form for the administrator")
	}
	e.post(admin, loc+"/revoke", url.Values{"csrf": {acsrf}}, http.StatusUnprocessableEntity)
	e.post(admin, loc+"/revoke", url.Values{"reason": {"wrong patient"}}, http.StatusForbidden)
	body = e.post(admin, loc+"/revoke", url.Values{"csrf": {acsrf}, "reason": {"wrong patient"}}, http.StatusOK)
	if !strings.Contains(body, "wrong patient") || strings.Contains(html.UnescapeString(body), "data:image/svg") {
		t.Errorf("after revoking, the page still shows the QR or not the reason:\n%.2000s", body)
	}
	e.post(admin, loc+"/revoke", url.Values{"csrf": {acsrf}, "reason": {"again"}}, http.StatusConflict)
	e.post(admin, "/records/nope/revoke", url.Values{"csrf": {acsrf}, "reason": {"x"}}, http.StatusNotFound)
	e.get(admin, "/records/nope", http.StatusNotFound)
	if got, _ := e.svc.Entry(entry.ID); got.Status != service.StatusRevoked || got.ChangeBy != "admin" {
		t.Errorf("after revoking: %+v", got)
	}
}

// TestPublicFilesShowRevocation checks what verifiers fetch: the JWKS (the
// signing key, with crlVersion after a revocation), the CRL holding the
// revoked card's rid, and the signed status list with the revoked SD-JWT
// VCs' entries set.
func TestPublicFilesShowRevocation(t *testing.T) {
	e := newEnv(t, Options{})
	tok, _, _ := e.svc.CreateToken("admin", "EMR", []string{service.ScopeRecordsWrite, service.ScopeRecordsRevoke})
	hk, _ := jose.GenerateKey()
	rec := e.api("POST", "/api/v1/records?holder="+url.QueryEscape(hk.Public().DIDKey()), tok, "application/fhir+json", assets.DemoRecord(), http.StatusCreated)
	id := rec["id"].(string)
	kid := e.svc.KID()
	e.api("GET", "/.well-known/crl/"+kid+".json", "", "", nil, http.StatusNotFound)
	e.api("POST", "/api/v1/records/"+id+"/revoke", tok, "", nil, http.StatusOK)
	entry, _ := e.svc.Entry(id)

	body, _ := e.get(http.DefaultClient, "/.well-known/jwks.json", 200)
	keys, bad, err := jose.ParseJWKS([]byte(body))
	if err != nil || len(bad) > 0 || len(keys) != 1 || keys[0].KID() != kid {
		t.Fatalf("JWKS %s: %v", body, err)
	}
	if !strings.Contains(body, `"crlVersion":1`) && !strings.Contains(body, `"crlVersion": 1`) {
		t.Errorf("JWKS lacks crlVersion 1: %s", body)
	}
	body, _ = e.get(http.DefaultClient, "/.well-known/crl/"+kid+".json", 200)
	crl, err := shc.ParseCRL([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if _, revoked := crl.Revoked(entry.RID, 0); !revoked {
		t.Errorf("rid %s not in the CRL %s", entry.RID, body)
	}
	body, _ = e.get(http.DefaultClient, "/status/1", 200)
	st, err := status.ParseToken(body)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Verify(keys[0]); err != nil {
		t.Fatalf("status list signature: %v", err)
	}
	if v, err := st.Status(entry.SDJWT[0].Index); err != nil || v != 1 {
		t.Errorf("status of index %d: %d, %v; want 1 (revoked)", entry.SDJWT[0].Index, v, err)
	}
}
