package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/issuer/fakeregistry"
	"github.com/immunopass/immunopass/issuer/service"
)

// newRegistryEnv is newEnv with a fake registry that accredits the clinic's
// first key, and the service anchoring through it.
func newRegistryEnv(t *testing.T) (*env, *fakeregistry.Registry, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "clinic")
	if err := service.Init(dir, service.InitOptions{Issuer: "https://clinic.example", Passphrase: "pass phrase", WorkFactor: 10, AdminPassword: adminPwd}); err != nil {
		t.Fatal(err)
	}
	reg := fakeregistry.New()
	probe, err := service.Open(dir, "pass phrase", service.Options{})
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := probe.JWKS()
	probe.Close()
	keys, _, _ := jose.ParseJWKS(jwks)
	reg.AddIssuer("https://clinic.example", keys[0])
	base, err := reg.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Stop() })
	open := func() *env {
		svc, err := service.Open(dir, "pass phrase", service.Options{Registry: base, KeyWorkFactor: 10})
		if err != nil {
			t.Fatal(err)
		}
		s := New(svc, Options{})
		ts := httptest.NewServer(s.Handler())
		t.Cleanup(func() { ts.Close(); svc.Close() })
		return &env{t: t, svc: svc, srv: s, ts: ts, doc: loadDoc(t)}
	}
	return open(), reg, dir
}

type issuedCred struct {
	id, kid, card, sd string
	started           time.Time
}

// TestKeyRotationWhileIssuing: EMR clients issue over HTTP without pause
// while an administrator creates a key, fails to activate it before the
// registry knows it, has it registered and activates it. Every request
// succeeds (no gap), every credential verifies with the served JWKS, every
// ledger entry has the kid that signed it, requests made after the switch
// use the new key, everything is anchored (registry requests signed with
// the new key), and the audit log holds every action.
func TestKeyRotationWhileIssuing(t *testing.T) {
	e, reg, dir := newRegistryEnv(t)
	write, _, _ := e.svc.CreateToken("admin", "EMR", []string{service.ScopeRecordsWrite, service.ScopeRecordsRevoke})
	keysTok, _, _ := e.svc.CreateToken("admin", "key admin", []string{service.ScopeKeys, service.ScopeRecordsRead})
	oldKID := e.svc.KID()
	hk, _ := jose.GenerateKey()
	u := "/api/v1/records?holder=" + url.QueryEscape(hk.Public().DIDKey())

	var mu sync.Mutex
	var issued []issuedCred
	var failures []string
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{}
			for !stop.Load() {
				started := time.Now()
				req, _ := http.NewRequest("POST", e.ts.URL+u, strings.NewReader(string(assets.DemoRecord())))
				req.Header.Set("Authorization", "Bearer "+write)
				req.Header.Set("Content-Type", "application/fhir+json")
				resp, err := client.Do(req)
				if err != nil {
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
					return
				}
				var rec RecordResponse
				err = decodeJSON(resp, &rec)
				mu.Lock()
				if err != nil || resp.StatusCode != http.StatusCreated {
					failures = append(failures, fmt.Sprintf("%s: %v", resp.Status, err))
				} else {
					issued = append(issued, issuedCred{id: rec.ID, kid: rec.KID, card: rec.SmartHealthCard, sd: rec.SDJWTVC[0].SDJWT, started: started})
				}
				mu.Unlock()
			}
		}()
	}
	waitFor := func(n int) {
		t.Helper()
		for end := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			mu.Lock()
			got := len(issued) + len(failures)
			mu.Unlock()
			if got >= n {
				return
			}
			if time.Now().After(end) {
				t.Fatalf("only %d issued after 30 s", got)
			}
		}
	}
	waitFor(10)

	// Create: published at once, signing nothing.
	created := e.api("POST", "/api/v1/keys", keysTok, "", nil, http.StatusCreated)
	newKID := created["kid"].(string)
	if created["state"] != "pending" || newKID == oldKID {
		t.Fatalf("created %v", created)
	}
	jwks := e.mustGet("/.well-known/jwks.json")
	if !strings.Contains(jwks, newKID) || !strings.Contains(jwks, oldKID) {
		t.Fatalf("the JWKS does not publish both keys: %s", jwks)
	}
	if e.svc.KID() != oldKID {
		t.Fatal("a pending key signs")
	}
	waitFor(20)
	// Not registered yet: refused, saying what the registry has to do.
	oo := e.api("POST", "/api/v1/keys/"+newKID+"/activate", keysTok, "", nil, http.StatusConflict)
	if !strings.Contains(fmt.Sprint(oo), "registry issuer rotate-key") {
		t.Errorf("activation before registration: %v", oo)
	}
	e.api("POST", "/api/v1/keys/nope/activate", keysTok, "", nil, http.StatusNotFound)
	e.api("POST", "/api/v1/keys/"+newKID+"/activate", write, "", nil, http.StatusForbidden)
	keys, _, _ := jose.ParseJWKS([]byte(jwks))
	reg.AddIssuer("https://clinic.example", keys[slices.IndexFunc(keys, func(k *jose.Key) bool { return k.KID() == newKID })])
	activated := e.api("POST", "/api/v1/keys/"+newKID+"/activate", keysTok, "", nil, http.StatusOK)
	switched := time.Now()
	if activated["state"] != "active" || e.svc.KID() != newKID {
		t.Fatalf("activated %v, service signs with %s", activated, e.svc.KID())
	}
	e.api("POST", "/api/v1/keys/"+newKID+"/activate", keysTok, "", nil, http.StatusConflict)
	mu.Lock()
	before := len(issued)
	mu.Unlock()
	waitFor(before + 20)
	stop.Store(true)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d requests failed during the rotation, first: %s", len(failures), failures[0])
	}

	// Every credential verifies with the served JWKS, by its own kid.
	served, _, err := jose.ParseJWKS([]byte(e.mustGet("/.well-known/jwks.json")))
	if err != nil {
		t.Fatal(err)
	}
	byKID := map[string]*jose.Key{}
	for _, k := range served {
		byKID[k.KID()] = k
	}
	counts := map[string]int{}
	for _, c := range issued {
		card, err := shc.Parse(c.card)
		if err != nil {
			t.Fatal(err)
		}
		sdj, err := jose.Parse(strings.SplitN(c.sd, "~", 2)[0])
		if err != nil {
			t.Fatal(err)
		}
		if card.JWS.Header.Kid != c.kid || sdj.Header.Kid != c.kid {
			t.Fatalf("entry %s: ledger kid %s, card kid %s, SD-JWT kid %s", c.id, c.kid, card.JWS.Header.Kid, sdj.Header.Kid)
		}
		if err := card.JWS.Verify(byKID[c.kid]); err != nil {
			t.Fatalf("entry %s: the card does not verify with the JWKS key %s: %v", c.id, c.kid, err)
		}
		if err := sdj.Verify(byKID[c.kid]); err != nil {
			t.Fatalf("entry %s: the SD-JWT VC does not verify: %v", c.id, err)
		}
		if c.started.After(switched) && c.kid != newKID {
			t.Fatalf("entry %s was requested after the switch and signed by %s", c.id, c.kid)
		}
		counts[c.kid]++
	}
	if counts[oldKID] == 0 || counts[newKID] == 0 {
		t.Fatalf("credentials per key: %v", counts)
	}

	// Anchored, the new key's included (the registry requests are signed
	// with the active key).
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		st, _ := e.svc.Anchoring()
		if st.Queued == 0 {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("not anchored: %+v", st)
		}
	}
	for _, c := range issued {
		if got := e.api("GET", "/api/v1/records/"+c.id, keysTok, "", nil, http.StatusOK); got["anchoring"] != "anchored" {
			t.Fatalf("entry %s: %v", c.id, got["anchoring"])
		}
	}

	// The old key's cards can still be revoked: its own CRL.
	var old issuedCred
	for _, c := range issued {
		if c.kid == oldKID {
			old = c
			break
		}
	}
	e.api("POST", "/api/v1/records/"+old.id+"/revoke", write, "application/json", []byte(`{"reason":"wrong patient"}`), http.StatusOK)
	crl, err := shc.ParseCRL([]byte(e.mustGet("/.well-known/crl/" + oldKID + ".json")))
	if err != nil {
		t.Fatal(err)
	}
	card, _ := shc.Parse(old.card)
	if _, revoked := crl.Revoked(card.Claims.RID, 0); !revoked {
		t.Error("the old key's card is not in its CRL")
	}

	// The audit log holds every action, and its chain holds.
	log, _ := e.svc.Audit(0, 0)
	if _, err := service.VerifyAudit(log); err != nil {
		t.Fatal(err)
	}
	var acts []string
	n := 0
	for _, a := range log {
		if a.Action == "record.issue" {
			n++
			continue
		}
		acts = append(acts, a.Action+" "+a.Subject)
	}
	if n != len(issued) {
		t.Errorf("%d record.issue audit entries for %d credentials issued", n, len(issued))
	}
	for _, want := range []string{"key.create key:" + newKID, "key.retire key:" + oldKID, "key.activate key:" + newKID} {
		if !slices.Contains(acts, want) {
			t.Errorf("audit log lacks %q: %v", want, acts)
		}
	}

	// A restart keeps the new key active and both published.
	e.ts.Close()
	e.svc.Close()
	svc, err := service.Open(dir, "pass phrase", service.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if svc.KID() != newKID {
		t.Errorf("after a restart the service signs with %s, want %s", svc.KID(), newKID)
	}
	ks, _ := svc.Keys()
	if len(ks) != 2 || ks[0].State != service.KeyRetired || ks[1].State != service.KeyActive {
		t.Errorf("keys after a restart: %+v", ks)
	}
}

// TestKeyCompromise: a compromised key leaves the JWKS and never signs;
// with the active key compromised, issuing is refused until a new key is
// activated; the answer carries the registry command.
func TestKeyCompromise(t *testing.T) {
	e := newEnv(t, Options{})
	write, _, _ := e.svc.CreateToken("admin", "EMR", []string{service.ScopeRecordsWrite})
	keysTok, _, _ := e.svc.CreateToken("admin", "key admin", []string{service.ScopeKeys})
	oldKID := e.svc.KID()
	e.api("POST", "/api/v1/keys/"+oldKID+"/compromise", keysTok, "application/json", []byte(`{"at":"yesterday"}`), http.StatusUnprocessableEntity)
	e.api("POST", "/api/v1/keys/"+oldKID+"/compromise", keysTok, "application/json", []byte(`{"at":"2031-01-01T00:00:00Z"}`), http.StatusUnprocessableEntity)
	res := e.api("POST", "/api/v1/keys/"+oldKID+"/compromise", keysTok, "application/json", []byte(`{"at":"2026-12-07T08:00:00Z"}`), http.StatusOK)
	if !strings.Contains(res["registryCommand"].(string), "registry issuer compromise --id SLUG --kid "+oldKID+" --at 2026-12-07T08:00:00Z") {
		t.Errorf("compromise answer %v", res)
	}
	e.api("POST", "/api/v1/keys/"+oldKID+"/compromise", keysTok, "", nil, http.StatusConflict)
	if strings.Contains(e.mustGet("/.well-known/jwks.json"), oldKID) {
		t.Error("the compromised key is still in the JWKS")
	}
	oo := e.api("POST", "/api/v1/records", write, "application/fhir+json", assets.DemoRecord(), http.StatusServiceUnavailable)
	if !strings.Contains(fmt.Sprint(oo), "no active signing key") {
		t.Errorf("issuing without a key: %v", oo)
	}
	// No registry configured: a pending key can be activated at once.
	created := e.api("POST", "/api/v1/keys", keysTok, "", nil, http.StatusCreated)
	e.api("POST", "/api/v1/keys/"+created["kid"].(string)+"/activate", keysTok, "", nil, http.StatusOK)
	rec := e.api("POST", "/api/v1/records", write, "application/fhir+json", assets.DemoRecord(), http.StatusCreated)
	if rec["kid"] != created["kid"] {
		t.Errorf("issued with %v, want the new key %v", rec["kid"], created["kid"])
	}
	list := e.api("GET", "/api/v1/keys", keysTok, "", nil, http.StatusOK)
	if list["active"] != created["kid"] || len(list["keys"].([]any)) != 2 {
		t.Errorf("key list %v", list)
	}

	// The staff keys page: administrators only.
	b := e.browser()
	e.login(b, "admin", adminPwd, http.StatusSeeOther)
	body, csrf := e.get(b, "/admin/keys", 200)
	if !strings.Contains(body, oldKID) || !strings.Contains(body, "compromised since") {
		t.Fatalf("keys page:\n%s", body)
	}
	body = e.post(b, "/admin/keys", url.Values{"csrf": {csrf}}, http.StatusCreated)
	if !strings.Contains(body, "signs nothing yet") {
		t.Errorf("create from the page:\n%s", body)
	}
	ks, _ := e.svc.Keys()
	pending := ks[slices.IndexFunc(ks, func(k service.KeyInfo) bool { return k.State == service.KeyPending })].KID
	e.post(b, "/admin/keys/"+pending+"/activate", url.Values{"csrf": {csrf}}, http.StatusOK)
	if e.svc.KID() != pending {
		t.Error("activation from the page did not switch the key")
	}
	e.post(b, "/admin/keys/"+pending+"/compromise", url.Values{"csrf": {csrf}, "at": {"soon"}}, http.StatusUnprocessableEntity)
	body = e.post(b, "/admin/keys/"+pending+"/compromise", url.Values{"csrf": {csrf}}, http.StatusOK)
	if !strings.Contains(body, "registry issuer compromise --id SLUG --kid "+pending) {
		t.Errorf("compromise from the page:\n%s", body)
	}
	if err := e.svc.CreateAccount("admin", "nurse1", "nurse password 1", service.RoleNurse); err != nil {
		t.Fatal(err)
	}
	nurse := e.browser()
	e.login(nurse, "nurse1", "nurse password 1", http.StatusSeeOther)
	e.get(nurse, "/admin/keys", http.StatusForbidden)
}

func decodeJSON(resp *http.Response, v any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

// TestLedgerShowsRegistryState: the ledger page says whether credentials
// wait for the registry — not configured, all anchored, or unreachable with
// the number waiting and the error — so the desk knows without the API.
func TestLedgerShowsRegistryState(t *testing.T) {
	plain := newEnv(t, Options{})
	b := plain.browser()
	plain.login(b, "admin", adminPwd, http.StatusSeeOther)
	if body, _ := plain.get(b, "/", 200); !strings.Contains(body, "Registry: not configured") {
		t.Fatalf("ledger without a registry:\n%s", body)
	}

	e, reg, _ := newRegistryEnv(t)
	tok, _, _ := e.svc.CreateToken("admin", "EMR", []string{service.ScopeRecordsWrite})
	e.api("POST", "/api/v1/records", tok, "application/fhir+json", assets.DemoRecord(), http.StatusCreated)
	if _, err := e.svc.AnchorNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	b = e.browser()
	e.login(b, "admin", adminPwd, http.StatusSeeOther)
	if body, _ := e.get(b, "/", 200); !strings.Contains(body, "Registry: every credential is anchored.") {
		t.Fatalf("ledger with everything anchored:\n%s", body)
	}
	reg.Stop()
	e.api("POST", "/api/v1/records", tok, "application/fhir+json", assets.DemoRecord(), http.StatusCreated)
	if _, err := e.svc.AnchorNow(context.Background()); err == nil {
		t.Fatal("anchoring succeeded with the registry stopped")
	}
	body, _ := e.get(b, "/", 200)
	if !strings.Contains(body, "Registry: unreachable") || !strings.Contains(body, " 1 waiting") {
		t.Fatalf("ledger with the registry down:\n%s", body)
	}
}
