package web

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/status"
	"github.com/immunopass/immunopass/issuer/service"
)

func (e *env) statusOf(idx int) uint8 {
	e.t.Helper()
	body, _ := e.get(http.DefaultClient, "/status/1", 200)
	st, err := status.ParseToken(body)
	if err != nil {
		e.t.Fatal(err)
	}
	pub, _, err := jose.ParseJWKS([]byte(e.mustGet("/.well-known/jwks.json")))
	if err != nil {
		e.t.Fatal(err)
	}
	if err := st.Verify(pub[0]); err != nil {
		e.t.Fatal(err)
	}
	v, err := st.Status(idx)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

func (e *env) mustGet(path string) string {
	e.t.Helper()
	body, _ := e.get(http.DefaultClient, path, 200)
	return body
}

// TestSuspendReinstate: over the API and from the staff record page, with
// the served status list following every change.
func TestSuspendReinstate(t *testing.T) {
	e := newEnv(t, Options{})
	write, _, _ := e.svc.CreateToken("admin", "EMR", []string{service.ScopeRecordsWrite})
	admin, _, _ := e.svc.CreateToken("admin", "EMR admin", []string{service.ScopeRecordsRevoke, service.ScopeRecordsRead})
	hk, _ := jose.GenerateKey()
	rec := e.api("POST", "/api/v1/records?holder="+url.QueryEscape(hk.Public().DIDKey()), write, "application/fhir+json", assets.DemoRecord(), http.StatusCreated)
	id := rec["id"].(string)
	idx := int(rec["sdJwtVc"].([]any)[0].(map[string]any)["statusIndex"].(float64))

	e.api("POST", "/api/v1/records/"+id+"/suspend", write, "application/json", []byte(`{"reason":"x"}`), http.StatusForbidden)
	oo := e.api("POST", "/api/v1/records/"+id+"/suspend", admin, "", nil, http.StatusUnprocessableEntity)
	if !strings.Contains(fmt.Sprint(oo["issue"]), "expression:[reason]") {
		t.Errorf("a suspension without a reason: %v", oo)
	}
	e.api("POST", "/api/v1/records/"+id+"/suspend", admin, "application/json", []byte(`{"why":"x"}`), http.StatusBadRequest)
	e.api("POST", "/api/v1/records/"+id+"/reinstate", admin, "", nil, http.StatusConflict)
	e.api("POST", "/api/v1/records/nope/suspend", admin, "application/json", []byte(`{"reason":"x"}`), http.StatusNotFound)
	got := e.api("POST", "/api/v1/records/"+id+"/suspend", admin, "application/json", []byte(`{"reason":"lot 4711 under investigation"}`), http.StatusOK)
	if got["status"] != "suspended" || got["suspensionReason"] != "lot 4711 under investigation" || got["revocationReason"] != nil {
		t.Fatalf("suspended: %v", got)
	}
	if v := e.statusOf(idx); v != 2 {
		t.Fatalf("served status %d, want 2 (suspended)", v)
	}
	e.api("POST", "/api/v1/records/"+id+"/suspend", admin, "application/json", []byte(`{"reason":"again"}`), http.StatusConflict)
	got = e.api("POST", "/api/v1/records/"+id+"/reinstate", admin, "", nil, http.StatusOK)
	if got["status"] != "valid" || got["suspensionReason"] != nil {
		t.Fatalf("reinstated: %v", got)
	}
	if v := e.statusOf(idx); v != 0 {
		t.Fatalf("served status %d after reinstatement, want 0", v)
	}

	// The staff record page: administrators only, with a reason.
	if err := e.svc.CreateAccount("admin", "nurse1", "nurse password 1", service.RoleNurse); err != nil {
		t.Fatal(err)
	}
	nurse := e.browser()
	e.login(nurse, "nurse1", "nurse password 1", http.StatusSeeOther)
	body, csrf := e.get(nurse, "/records/"+id, 200)
	if strings.Contains(body, "/suspend") {
		t.Error("a nurse is offered suspension")
	}
	e.post(nurse, "/records/"+id+"/suspend", url.Values{"reason": {"x"}, "csrf": {csrf}}, http.StatusForbidden)
	b := e.browser()
	e.login(b, "admin", adminPwd, http.StatusSeeOther)
	body, csrf = e.get(b, "/records/"+id, 200)
	if !strings.Contains(body, `action="/records/`+id+`/suspend"`) || strings.Contains(body, "/reinstate") || !strings.Contains(body, "not-configured") {
		t.Fatalf("the record page of a valid record lacks the suspend form or the anchoring state:\n%s", body)
	}
	body = e.post(b, "/records/"+id+"/suspend", url.Values{"reason": {""}, "csrf": {csrf}}, http.StatusUnprocessableEntity)
	if !strings.Contains(body, "say why the record is suspended") {
		t.Errorf("no reason: page does not say so:\n%s", body)
	}
	body = e.post(b, "/records/"+id+"/suspend", url.Values{"reason": {"parent reported a wrong birth date"}, "csrf": {csrf}}, http.StatusOK)
	if !strings.Contains(body, "Suspended:") || !strings.Contains(body, `action="/records/`+id+`/reinstate"`) {
		t.Fatalf("after suspension:\n%s", body)
	}
	e.post(b, "/records/"+id+"/suspend", url.Values{"reason": {"again"}, "csrf": {csrf}}, http.StatusConflict)
	if v := e.statusOf(idx); v != 2 {
		t.Fatalf("served status %d, want 2", v)
	}
	body, _ = e.get(b, "/?status=suspended", 200)
	if !strings.Contains(body, id) {
		t.Error("the ledger search by status suspended does not find the record")
	}
	e.post(b, "/records/"+id+"/reinstate", url.Values{"csrf": {csrf}}, http.StatusOK)
	if v := e.statusOf(idx); v != 0 {
		t.Fatalf("served status %d after reinstatement from the page, want 0", v)
	}
	log, _ := e.svc.Audit(0, 0)
	var acts []string
	for _, a := range log {
		if strings.HasPrefix(a.Action, "record.") && a.Subject == "ledger:"+id {
			acts = append(acts, a.Actor+" "+a.Action)
		}
	}
	if len(acts) != 5 || !strings.HasSuffix(acts[1], "record.suspend") || acts[3] != "admin record.suspend" || acts[4] != "admin record.reinstate" {
		t.Errorf("audit of the record: %v", acts)
	}
}

// params builds a Parameters body.
func params(ps ...[2]string) []byte {
	var list []map[string]string
	for _, p := range ps {
		key := map[string]string{"credentialType": "valueUri", "credentialValueSet": "valueUri", "includeIdentityClaim": "valueString", "_since": "valueDateTime"}[p[0]]
		list = append(list, map[string]string{"name": p[0], key: p[1]})
	}
	b, _ := json.Marshal(map[string]any{"resourceType": "Parameters", "parameter": list})
	return b
}

func cardsOf(t *testing.T, res map[string]any) []string {
	t.Helper()
	if res["resourceType"] != "Parameters" {
		t.Fatalf("answer %v", res)
	}
	var out []string
	for _, p := range asSlice(res["parameter"]) {
		m := p.(map[string]any)
		if m["name"] != "verifiableCredential" {
			t.Fatalf("parameter %v", m)
		}
		out = append(out, m["valueString"].(string))
	}
	return out
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

// shape lists the JSON paths of a document (array items as []), so that
// two documents can be compared by structure.
func shape(v any, path string, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			shape(c, path+"."+k, out)
		}
	case []any:
		for _, c := range x {
			shape(c, path+"[]", out)
		}
	default:
		out[path] = true
	}
}

// TestHealthCardsIssue: the SMART configuration and $health-cards-issue,
// with the card's payload checked against the spec's immunization example.
func TestHealthCardsIssue(t *testing.T) {
	e := newEnv(t, Options{})
	write, _, _ := e.svc.CreateToken("admin", "EMR", []string{service.ScopeRecordsWrite})
	read, _, _ := e.svc.CreateToken("admin", "wallet gateway", []string{service.ScopeRecordsRead})
	revoke, _, _ := e.svc.CreateToken("admin", "EMR admin", []string{service.ScopeRecordsRevoke})

	conf := e.api("GET", "/.well-known/smart-configuration", "", "", nil, http.StatusOK)
	if caps := asSlice(conf["capabilities"]); !slices.Contains(caps, any("health-cards")) || conf["issuer"] != "https://clinic.example" ||
		conf["jwks_uri"] != "https://clinic.example/.well-known/jwks.json" {
		t.Fatalf("smart-configuration %v", conf)
	}

	first := e.api("POST", "/api/v1/records?patient=MRN-7", write, "application/fhir+json", assets.DemoRecord(), http.StatusCreated)
	e.clock.add(48 * 3600e9)
	second := e.api("POST", "/api/v1/records?patient=MRN-7", write, "application/fhir+json", assets.DemoRecord(), http.StatusCreated)
	e.api("POST", "/api/v1/records?patient=MRN-8", write, "application/fhir+json", assets.DemoRecord(), http.StatusCreated)
	op := "/fhir/Patient/MRN-7/$health-cards-issue"

	e.api("POST", op, "", "application/fhir+json", params([2]string{"credentialType", "Immunization"}), http.StatusUnauthorized)
	e.api("POST", op, write, "application/fhir+json", params([2]string{"credentialType", "Immunization"}), http.StatusForbidden)

	cards := cardsOf(t, e.api("POST", op, read, "application/fhir+json", params([2]string{"credentialType", "Immunization"}), http.StatusOK))
	if len(cards) != 2 || cards[0] != second["smartHealthCard"] || cards[1] != first["smartHealthCard"] {
		t.Fatalf("got %d cards, want the patient's two, newest first", len(cards))
	}
	// The initial release's type URI, and AND of types.
	if got := cardsOf(t, e.api("POST", op, read, "application/json", params([2]string{"credentialType", "https://smarthealth.cards#immunization"}, [2]string{"credentialType", "Patient"}), http.StatusOK)); len(got) != 2 {
		t.Errorf("#immunization AND Patient: %d cards", len(got))
	}
	// No lab results: a Parameters without any parameter.
	res := e.api("POST", op, read, "application/fhir+json", params([2]string{"credentialType", "Immunization"}, [2]string{"credentialType", "Observation"}), http.StatusOK)
	if _, ok := res["parameter"]; ok || res["resourceType"] != "Parameters" {
		t.Errorf("Immunization AND Observation: %v", res)
	}
	// Value sets: the demo record's vaccines are CVX coded.
	vs := "https://terminology.smarthealth.cards/ValueSet/immunization-all-"
	if got := cardsOf(t, e.api("POST", op, read, "", params([2]string{"credentialType", "Immunization"}, [2]string{"credentialValueSet", vs + "cvx"}), http.StatusOK)); len(got) != 2 {
		t.Errorf("CVX value set: %d cards", len(got))
	}
	if got := cardsOf(t, e.api("POST", op, read, "", params([2]string{"credentialType", "Immunization"}, [2]string{"credentialValueSet", vs + "icd11"}), http.StatusOK)); len(got) != 0 {
		t.Errorf("ICD-11 value set: %d cards", len(got))
	}
	// _since: only the second card.
	if got := cardsOf(t, e.api("POST", op, read, "", params([2]string{"credentialType", "Immunization"}, [2]string{"_since", "2026-12-08"}), http.StatusOK)); len(got) != 1 || got[0] != second["smartHealthCard"] {
		t.Errorf("_since: %d cards", len(got))
	}
	// Identity claims: both are in every card.
	if got := cardsOf(t, e.api("POST", op, read, "", params([2]string{"credentialType", "Immunization"}, [2]string{"includeIdentityClaim", "Patient.name"}, [2]string{"includeIdentityClaim", "Patient.birthDate"}), http.StatusOK)); len(got) != 2 {
		t.Errorf("identity claims: %d cards", len(got))
	}
	// A revoked or suspended entry's card is not handed out.
	e.api("POST", "/api/v1/records/"+first["id"].(string)+"/revoke", revoke, "application/json", []byte(`{"reason":"wrong patient"}`), http.StatusOK)
	if got := cardsOf(t, e.api("POST", op, read, "", params([2]string{"credentialType", "Immunization"}), http.StatusOK)); len(got) != 1 || got[0] != second["smartHealthCard"] {
		t.Errorf("after revocation: %d cards", len(got))
	}

	// Bad input: an OperationOutcome naming the parameter.
	for _, tc := range []struct {
		body  string
		code  int
		field string
	}{
		{`{"resourceType":"Parameters"}`, 422, "Parameters.parameter"},
		{`{"resourceType":"Bundle"}`, 422, "resourceType"},
		{`[]`, 422, ""},
		{`{"resourceType":"Parameters","parameter":[{"name":"credentialType","valueString":"Immunization"}]}`, 422, "Parameters.parameter[0].valueUri"},
		{`{"resourceType":"Parameters","parameter":[{"name":"credentialType","valueUri":"immunization"}]}`, 422, "Parameters.parameter[0].valueUri"},
		{`{"resourceType":"Parameters","parameter":[{"name":"credentialType","valueUri":"Immunization"},{"name":"credentialValueSet","valueUri":"https://example.org/vs"}]}`, 422, "Parameters.parameter[1].valueUri"},
		{`{"resourceType":"Parameters","parameter":[{"name":"credentialType","valueUri":"Immunization"},{"name":"_since","valueDateTime":"last week"}]}`, 422, "Parameters.parameter[1].valueDateTime"},
		{`{"resourceType":"Parameters","parameter":[{"name":"credentialType","valueUri":"Immunization"},{"name":"includeIdentityClaim","valueString":"Patient.name"}]}`, 422, "Parameters.parameter"},
		{`{"resourceType":"Parameters","parameter":[{"name":"credentialTyp","valueUri":"Immunization"}]}`, 422, "Parameters.parameter[0].name"},
		{`{"resourceType":"Parameters","parameter":[{"name":"credentialType","valueUri":"Immunization","valueString":"x"}]}`, 422, "Parameters.parameter[0].valueString"},
	} {
		oo := e.api("POST", op, read, "application/fhir+json", []byte(tc.body), tc.code)
		if tc.field != "" && !strings.Contains(fmt.Sprint(oo["issue"]), "expression:["+tc.field+"]") {
			t.Errorf("%s: outcome %v does not name %s", tc.body, oo, tc.field)
		}
	}
	e.api("POST", op, read, "text/plain", []byte("x"), http.StatusUnsupportedMediaType)
	if m := e.mustGet("/metrics"); !strings.Contains(m, "issuer_group_commits_total 3") || !strings.Contains(m, "issuer_anchoring_queued 0") {
		t.Errorf("metrics lack the group commits or the anchoring queue")
	}
	oo := e.api("POST", "/fhir/Patient/MRN-404/$health-cards-issue", read, "", params([2]string{"credentialType", "Immunization"}), http.StatusNotFound)
	if !strings.Contains(fmt.Sprint(oo), "MRN-404") {
		t.Errorf("unknown patient: %v", oo)
	}

	// The card has the structure of the spec's immunization example 00
	// (payload paths), with this issuer and record.
	card, err := shc.Parse(cards[0])
	if err != nil {
		t.Fatal(err)
	}
	var ours, spec any
	json.Unmarshal(card.Payload, &ours)
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "shc", "examples", "example-00-b-jws-payload-expanded.json"))
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(raw, &spec)
	sp, op2 := map[string]bool{}, map[string]bool{}
	shape(spec, "", sp)
	shape(ours, "", op2)
	var missing []string
	for p := range sp {
		if !op2[p] {
			missing = append(missing, p)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("our card lacks paths of the spec's example 00: %v", missing)
	}
	hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(cards[0], ".")[0])
	var h map[string]any
	json.Unmarshal(hdr, &h)
	if !reflect.DeepEqual([]any{h["alg"], h["zip"], h["kid"]}, []any{"ES256", "DEF", e.svc.KID()}) {
		t.Errorf("JWS header %s", hdr)
	}
}

// TestBadFHIRBundle: a FHIR Bundle with a problem gets an OperationOutcome
// whose expression is the FHIRPath of the problem.
func TestBadFHIRBundle(t *testing.T) {
	e := newEnv(t, Options{})
	write, _, _ := e.svc.CreateToken("admin", "EMR", []string{service.ScopeRecordsWrite})
	var b map[string]any
	json.Unmarshal(assets.DemoRecord(), &b)
	entry := b["entry"].([]any)
	imm := entry[1].(map[string]any)["resource"].(map[string]any)
	delete(imm, "vaccineCode")
	bad, _ := json.Marshal(b)
	oo := e.api("POST", "/api/v1/records", write, "application/fhir+json", bad, http.StatusUnprocessableEntity)
	if !strings.Contains(fmt.Sprint(oo["issue"]), "expression:[Bundle.entry[1].resource") {
		t.Errorf("outcome %v does not name the entry", oo)
	}
	e.api("POST", "/api/v1/records", write, "application/fhir+json", []byte(`{"resourceType":"Bundle","entry":"x"}`), http.StatusUnprocessableEntity)
}
