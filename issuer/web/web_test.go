package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/immunopass/immunopass/internal/httpserver"
	"github.com/immunopass/immunopass/internal/httpserver/httpservertest"
	"io"
	"mime"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/issuer/service"
)

const adminPwd = "correct horse battery"

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type env struct {
	t     testing.TB
	svc   *service.Service
	srv   *Server
	ts    *httptest.Server
	clock *clock
	doc   *openAPIDoc
}

func newEnv(t testing.TB, o Options) *env {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "clinic")
	c := &clock{t: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	if err := service.Init(dir, service.InitOptions{Issuer: "https://clinic.example", Passphrase: "pass phrase", WorkFactor: 10,
		AdminPassword: adminPwd, Now: c.now()}); err != nil {
		t.Fatal(err)
	}
	svc, err := service.Open(dir, "pass phrase", service.Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	s := New(svc, o)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() { ts.Close(); svc.Close() })
	return &env{t: t, svc: svc, srv: s, ts: ts, clock: c, doc: loadDoc(t)}
}

// browser is a staff member's browser: a cookie jar, no redirects followed.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get fetches a page, checks the status and returns the body and the
// page's CSRF token (if any).
func (e *env) get(c *http.Client, path string, want int) (string, string) {
	e.t.Helper()
	resp, err := c.Get(e.ts.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	body := e.check(resp, "GET", path, want)
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		return body, ""
	}
	return body, m[1]
}

func (e *env) post(c *http.Client, path string, form url.Values, want int) string {
	e.t.Helper()
	resp, err := c.PostForm(e.ts.URL+path, form)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.check(resp, "POST", path, want)
}

// check reads a response, checks its status and that the OpenAPI document
// describes it (and, for JSON, that the body validates against it).
func (e *env) check(resp *http.Response, method, path string, want int) string {
	e.t.Helper()
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		e.t.Fatalf("%s %s: %s, want %d\n%.600s", method, path, resp.Status, want, data)
	}
	e.doc.validate(e.t, method, strings.SplitN(path, "?", 2)[0], resp, data)
	return string(data)
}

func (e *env) login(c *http.Client, user, pwd string, want int) string {
	e.t.Helper()
	_, csrf := e.get(c, "/login", 200)
	return e.post(c, "/login", url.Values{"user": {user}, "password": {pwd}, "csrf": {csrf}}, want)
}

func TestHealthzAndMetrics(t *testing.T) {
	e := newEnv(t, Options{})
	body, _ := e.get(http.DefaultClient, "/healthz", 200)
	if !strings.Contains(body, `"ok"`) {
		t.Errorf("healthz: %s", body)
	}
	body, _ = e.get(http.DefaultClient, "/metrics", 200)
	if !strings.Contains(body, `issuer_http_requests_total{code="200",route="GET /healthz"} 1`) {
		t.Errorf("metrics lack the healthz request:\n%s", body)
	}
	e.get(http.DefaultClient, "/static/style.css", 200)
	e.get(http.DefaultClient, "/openapi.json", 200)
}

func TestStaffSignInRolesAndCSRF(t *testing.T) {
	e := newEnv(t, Options{})
	anon := e.browser()
	// No session: pages redirect to sign in, forms are refused.
	resp, err := anon.Get(e.ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	e.check(resp, "GET", "/", http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/login" {
		t.Errorf("redirect to %q", loc)
	}
	e.post(anon, "/admin/users", url.Values{"user": {"eve"}, "password": {"123456789012"}, "role": {"admin"}}, http.StatusUnauthorized)
	// The sign-in form needs its CSRF token.
	e.get(anon, "/login", 200)
	e.post(anon, "/login", url.Values{"user": {"admin"}, "password": {adminPwd}, "csrf": {"forged"}}, http.StatusForbidden)
	e.post(e.browser(), "/login", url.Values{"user": {"admin"}, "password": {adminPwd}}, http.StatusForbidden)

	admin := e.browser()
	e.login(admin, "admin", adminPwd, http.StatusSeeOther)
	body, csrf := e.get(admin, "/admin/users", 200)
	if csrf == "" || !strings.Contains(body, "Add an account") {
		t.Fatalf("users page:\n%s", body)
	}
	// A form without the session's CSRF token is refused, and changes nothing.
	e.post(admin, "/admin/users", url.Values{"user": {"nurse1"}, "password": {"nurse password 1"}, "role": {"nurse"}}, http.StatusForbidden)
	e.post(admin, "/admin/users", url.Values{"user": {"nurse1"}, "password": {"nurse password 1"}, "role": {"nurse"}, "csrf": {"x" + csrf}}, http.StatusForbidden)
	if accts, _ := e.svc.Accounts(); len(accts) != 1 {
		t.Fatalf("%d accounts after refused forms", len(accts))
	}
	e.post(admin, "/admin/users", url.Values{"user": {"nurse1"}, "password": {"nurse password 1"}, "role": {"nurse"}, "csrf": {csrf}}, http.StatusCreated)
	e.post(admin, "/admin/users", url.Values{"user": {"nurse1"}, "password": {"nurse password 1"}, "role": {"nurse"}, "csrf": {csrf}}, http.StatusConflict)
	e.post(admin, "/admin/users", url.Values{"user": {"nurse2"}, "password": {"short"}, "role": {"nurse"}, "csrf": {csrf}}, http.StatusBadRequest)

	nurse := e.browser()
	e.login(nurse, "nurse1", "nurse password 1", http.StatusSeeOther)
	_, ncsrf := e.get(nurse, "/", 200)
	for _, p := range []string{"/admin/users", "/admin/tokens", "/admin/audit"} {
		e.get(nurse, p, http.StatusForbidden)
	}
	e.post(nurse, "/admin/tokens", url.Values{"name": {"EMR"}, "scope": {"records:write"}, "csrf": {ncsrf}}, http.StatusForbidden)
	// One session's token does not open another's forms.
	e.post(nurse, "/logout", url.Values{"csrf": {csrf}}, http.StatusForbidden)
	e.post(nurse, "/logout", url.Values{"csrf": {ncsrf}}, http.StatusSeeOther)
	e.get(nurse, "/", http.StatusSeeOther)

	// Tokens: created (shown once), listed, revoked.
	_, csrf = e.get(admin, "/admin/tokens", 200)
	body = e.post(admin, "/admin/tokens", url.Values{"name": {"EMR"}, "scope": {"records:write", "records:read"}, "csrf": {csrf}}, http.StatusCreated)
	secret := regexp.MustCompile(`ipt_[A-Za-z0-9_-]+`).FindString(body)
	if secret == "" {
		t.Fatalf("no token shown:\n%s", body)
	}
	tok, err := e.svc.CheckToken(secret, service.ScopeRecordsRead)
	if err != nil {
		t.Fatal(err)
	}
	e.post(admin, "/admin/tokens", url.Values{"name": {"EMR"}, "scope": {"records:all"}, "csrf": {csrf}}, http.StatusBadRequest)
	e.post(admin, "/admin/tokens/"+tok.ID+"/revoke", url.Values{"csrf": {csrf}}, http.StatusOK)
	e.post(admin, "/admin/tokens/nope/revoke", url.Values{"csrf": {csrf}}, http.StatusNotFound)
	if _, err := e.svc.CheckToken(secret, service.ScopeRecordsRead); err == nil {
		t.Error("a revoked token still works")
	}
	body, _ = e.get(admin, "/admin/audit", 200)
	for _, want := range []string{"account.create", "token.create", "token.revoke", "logout", "login"} {
		if !strings.Contains(body, want) {
			t.Errorf("audit page lacks %s", want)
		}
	}
	if strings.Contains(body, "hash chain is broken") {
		t.Error("audit chain reported broken")
	}
}

func TestIdleTimeout(t *testing.T) {
	e := newEnv(t, Options{})
	b := e.browser()
	e.login(b, "admin", adminPwd, http.StatusSeeOther)
	e.get(b, "/", 200)
	e.clock.add(service.IdleTimeout + time.Second)
	e.get(b, "/", http.StatusSeeOther)
}

func TestLockout(t *testing.T) {
	e := newEnv(t, Options{})
	b := e.browser()
	for i := 1; i < service.MaxFailures; i++ {
		e.login(b, "admin", "not the password", http.StatusUnauthorized)
	}
	body := e.login(b, "admin", "not the password", http.StatusLocked)
	if !strings.Contains(body, "locked") {
		t.Errorf("lockout page:\n%s", body)
	}
	e.login(b, "admin", adminPwd, http.StatusLocked)
	e.clock.add(service.LockoutDuration)
	e.login(b, "admin", adminPwd, http.StatusSeeOther)
}

func TestCookieAttributes(t *testing.T) {
	for _, secure := range []bool{false, true} {
		e := newEnv(t, Options{Secure: secure})
		b := e.browser()
		_, csrf := e.get(b, "/login", 200)
		resp, err := b.PostForm(e.ts.URL+"/login", url.Values{"user": {"admin"}, "password": {adminPwd}, "csrf": {csrf}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var found bool
		for _, sc := range resp.Header.Values("Set-Cookie") {
			if !strings.Contains(sc, "session=") || strings.Contains(sc, "Max-Age=0") {
				continue
			}
			found = true
			for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=/"} {
				if !strings.Contains(sc, want) {
					t.Errorf("secure=%v: cookie %q lacks %s", secure, sc, want)
				}
			}
			if strings.Contains(sc, "Secure") != secure || strings.HasPrefix(sc, "__Host-") != secure {
				t.Errorf("secure=%v: cookie %q", secure, sc)
			}
		}
		if !found {
			t.Errorf("secure=%v: no session cookie in %q", secure, resp.Header.Values("Set-Cookie"))
		}
	}
}

func TestBodyLimits(t *testing.T) {
	e := newEnv(t, Options{})
	big := strings.Repeat("a", MaxFormBody+1)
	e.post(e.browser(), "/login", url.Values{"user": {big}}, http.StatusRequestEntityTooLarge)
	secret, _, _ := e.svc.CreateToken("admin", "EMR", []string{service.ScopeRecordsWrite})
	// Declared length over the limit, and a chunked body that turns out to be.
	for _, chunked := range []bool{false, true} {
		var body io.Reader = bytes.NewReader(make([]byte, MaxAPIBody+1))
		if chunked {
			body = io.MultiReader(strings.NewReader(`{"patient":"`), strings.NewReader(strings.Repeat("x", MaxAPIBody)), strings.NewReader(`"}`))
		}
		req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/records", body)
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		e.check(resp, "POST", "/api/v1/records", http.StatusRequestEntityTooLarge)
	}
	// A GET route takes no body.
	req, _ := http.NewRequest("GET", e.ts.URL+"/healthz", strings.NewReader("x"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("GET with a body: %s", resp.Status)
	}
}

func (e *env) api(method, path, token, ctype string, body []byte, want int) map[string]any {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.ts.URL+path, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	data := e.check(resp, method, strings.SplitN(path, "?", 2)[0], want)
	var out map[string]any
	if err := json.Unmarshal([]byte(data), &out); err != nil {
		e.t.Fatalf("%s %s: not JSON: %s", method, path, data)
	}
	return out
}

func TestAPI(t *testing.T) {
	e := newEnv(t, Options{})
	write, _, _ := e.svc.CreateToken("admin", "EMR", []string{service.ScopeRecordsWrite})
	read, _, _ := e.svc.CreateToken("admin", "EMR reader", []string{service.ScopeRecordsRead})
	revoke, _, _ := e.svc.CreateToken("admin", "EMR admin", []string{service.ScopeRecordsRevoke, service.ScopeRecordsRead})
	fhir := assets.DemoRecord()

	// Authentication and scopes.
	e.api("POST", "/api/v1/records", "", "application/fhir+json", fhir, http.StatusUnauthorized)
	e.api("POST", "/api/v1/records", "ipt_unknown", "application/fhir+json", fhir, http.StatusUnauthorized)
	oo := e.api("POST", "/api/v1/records", read, "application/fhir+json", fhir, http.StatusForbidden)
	if !strings.Contains(fmt.Sprint(oo), "records:write") {
		t.Errorf("wrong-scope outcome does not name the scope: %v", oo)
	}
	if entries, _ := e.svc.Entries(0); len(entries) != 0 {
		t.Fatal("a refused request issued something")
	}

	// Issue from a FHIR Bundle, with two holder keys.
	hk, _ := jose.GenerateKey()
	did := url.QueryEscape(hk.Public().DIDKey())
	rec := e.api("POST", "/api/v1/records?holder="+did+"&holder="+did, write, "application/fhir+json", fhir, http.StatusCreated)
	id, _ := rec["id"].(string)
	if sd, _ := rec["sdJwtVc"].([]any); len(sd) != 2 || rec["kid"] != e.svc.KID() || rec["status"] != "valid" {
		t.Fatalf("issued: %v", rec)
	}
	// From record JSON, no holder: the card only.
	recJSON := `{"patient":{"family":"Doe","given":["Ann"],"birthDate":"2020-01-02"},"immunizations":[{"vaccine":{"system":"http://hl7.org/fhir/sid/cvx","code":"08"},"date":"2020-02-02","status":"completed","dose":1}]}`
	rec2 := e.api("POST", "/api/v1/records", write, "application/json", []byte(recJSON), http.StatusCreated)
	if sd, _ := rec2["sdJwtVc"].([]any); len(sd) != 0 || rec2["smartHealthCard"] == "" {
		t.Fatalf("issued from record JSON: %v", rec2)
	}

	// Bad input: an OperationOutcome naming the field.
	for _, tc := range []struct{ body, field string }{
		{`{"patient":{"family":"Doe","birthDate":"2020-01-02"},"immunizations":[{"vaccine":{"system":"http://hl7.org/fhir/sid/cvx","code":"08"},"date":"2031-02-02","status":"completed"}]}`, "immunization[0].date"},
		{`{"patient":{"family":"Doe","birthDate":"2020-01-02","ssn":"1"},"immunizations":[]}`, "ssn"},
		{`{"resourceType":"Patient"}`, "resourceType"},
	} {
		oo := e.api("POST", "/api/v1/records", write, "application/json", []byte(tc.body), http.StatusUnprocessableEntity)
		if !strings.Contains(fmt.Sprint(oo["issue"]), "expression:["+tc.field+"]") {
			t.Errorf("%s: outcome %v does not name %s", tc.body, oo, tc.field)
		}
	}
	e.api("POST", "/api/v1/records?holder=did:key:nope", write, "application/json", []byte(recJSON), http.StatusUnprocessableEntity)
	e.api("POST", "/api/v1/records", write, "text/csv", []byte("a,b"), http.StatusUnsupportedMediaType)

	// Read, revoke, read again.
	e.api("GET", "/api/v1/records/"+id, write, "", nil, http.StatusForbidden)
	got := e.api("GET", "/api/v1/records/"+id, read, "", nil, http.StatusOK)
	if got["smartHealthCard"] != rec["smartHealthCard"] {
		t.Error("GET returns another card")
	}
	e.api("GET", "/api/v1/records/nope", read, "", nil, http.StatusNotFound)
	e.api("POST", "/api/v1/records/"+id+"/revoke", write, "application/json", []byte(`{"reason":"wrong patient"}`), http.StatusForbidden)
	e.api("POST", "/api/v1/records/"+id+"/revoke", revoke, "application/json", []byte(`{"why":"x"}`), http.StatusBadRequest)
	done := e.api("POST", "/api/v1/records/"+id+"/revoke", revoke, "application/json", []byte(`{"reason":"wrong patient"}`), http.StatusOK)
	if done["status"] != "revoked" || done["revocationReason"] != "wrong patient" {
		t.Errorf("revoked: %v", done)
	}
	e.api("POST", "/api/v1/records/"+id+"/revoke", revoke, "", nil, http.StatusConflict)
	e.api("POST", "/api/v1/records/nope/revoke", revoke, "", nil, http.StatusNotFound)

	log, _ := e.svc.Audit(0, 0)
	var actions []string
	for _, a := range log {
		actions = append(actions, a.Actor+" "+a.Action)
	}
	joined := strings.Join(actions, "\n")
	for _, want := range []string{"record.issue", "record.revoke"} {
		if !strings.Contains(joined, want) {
			t.Errorf("audit log lacks %s:\n%s", want, joined)
		}
	}
}

// TestOpenAPIDescribesEveryRoute checks that every registered route has its
// path and method in /openapi.json.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := newEnv(t, Options{})
	if len(e.srv.Routes()) < 10 {
		t.Fatalf("only %d routes", len(e.srv.Routes()))
	}
	for _, r := range e.srv.Routes() {
		p := strings.ReplaceAll(r.Path, "{$}", "")
		if strings.HasSuffix(p, "/") && p != "/" {
			p += "{file}"
		}
		ops, ok := e.doc.paths[p]
		if !ok {
			t.Errorf("route %s %s: path %s not in openapi.json", r.Method, r.Path, p)
			continue
		}
		if _, ok := ops[strings.ToLower(r.Method)]; !ok {
			t.Errorf("route %s %s: method not in openapi.json", r.Method, r.Path)
		}
	}
	// And the document describes nothing that is not served.
	served := map[string]bool{}
	for _, r := range e.srv.Routes() {
		served[strings.ToLower(r.Method)+" "+r.Path] = true
	}
	for p, ops := range e.doc.paths {
		for m := range ops {
			route := p
			if p == "/static/{file}" {
				route = "/static/"
			}
			if route == "/" {
				route = "/{$}"
			}
			if !served[m+" "+route] {
				t.Errorf("openapi.json describes %s %s, which is not served", m, p)
			}
		}
	}
}

// openAPIDoc is the parsed openapi.json with a schema compiler over it.
type openAPIDoc struct {
	raw   map[string]any
	paths map[string]map[string]any
	comp  *jsonschema.Compiler
}

func loadDoc(t testing.TB) *openAPIDoc {
	t.Helper()
	var raw map[string]any
	if err := json.Unmarshal(openAPI, &raw); err != nil {
		t.Fatal(err)
	}
	tree, err := jsonschema.UnmarshalJSON(bytes.NewReader(openAPI))
	if err != nil {
		t.Fatal(err)
	}
	comp := jsonschema.NewCompiler()
	comp.DefaultDraft(jsonschema.Draft2020)
	if err := comp.AddResource("openapi.json", tree); err != nil {
		t.Fatal(err)
	}
	d := &openAPIDoc{raw: raw, paths: map[string]map[string]any{}, comp: comp}
	for p, v := range raw["paths"].(map[string]any) {
		d.paths[p] = v.(map[string]any)
	}
	return d
}

// pointer escapes a JSON pointer token.
func pointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// resolve follows a local $ref.
func (d *openAPIDoc) resolve(v map[string]any) (map[string]any, string) {
	ref, ok := v["$ref"].(string)
	if !ok {
		return v, ""
	}
	cur := any(d.raw)
	for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		cur = cur.(map[string]any)[strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")]
	}
	return cur.(map[string]any), ref
}

// templatePath maps a concrete path to the document's path template.
func (d *openAPIDoc) templatePath(path string) string {
	if _, ok := d.paths[path]; ok {
		return path
	}
	parts := strings.Split(path, "/")
	for p := range d.paths {
		tp := strings.Split(p, "/")
		if len(tp) != len(parts) {
			continue
		}
		match := true
		for i := range tp {
			if tp[i] != parts[i] && !strings.HasPrefix(tp[i], "{") {
				match = false
				break
			}
		}
		if match {
			return p
		}
	}
	return ""
}

// validate checks that the document describes this response (path, method,
// status, content type) and that a JSON body validates against its schema.
func (d *openAPIDoc) validate(t testing.TB, method, path string, resp *http.Response, body []byte) {
	t.Helper()
	tp := d.templatePath(path)
	if tp == "" {
		t.Errorf("%s %s: path not in openapi.json", method, path)
		return
	}
	op, ok := d.paths[tp][strings.ToLower(method)].(map[string]any)
	if !ok {
		t.Errorf("%s %s: method not in openapi.json", method, tp)
		return
	}
	code := fmt.Sprint(resp.StatusCode)
	r, ok := op["responses"].(map[string]any)[code].(map[string]any)
	if !ok {
		t.Errorf("%s %s: status %s not in openapi.json", method, tp, code)
		return
	}
	r, ref := d.resolve(r)
	content, _ := r["content"].(map[string]any)
	if content == nil {
		return
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	media, ok := content[ct].(map[string]any)
	if !ok {
		t.Errorf("%s %s %s: content type %q not in openapi.json", method, tp, code, ct)
		return
	}
	if !strings.HasSuffix(ct, "json") {
		return
	}
	loc := "openapi.json#/paths/" + pointer(tp) + "/" + strings.ToLower(method) + "/responses/" + code + "/content/" + pointer(ct) + "/schema"
	if ref != "" {
		loc = "openapi.json" + ref + "/content/" + pointer(ct) + "/schema"
	}
	_ = media
	sch, err := d.comp.Compile(loc)
	if err != nil {
		t.Fatalf("compiling %s: %v", loc, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Errorf("%s %s %s: body is not JSON: %v", method, tp, code, err)
		return
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("%s %s %s: the response does not match openapi.json: %v\n%.400s", method, tp, code, err, body)
	}
}

// TestAPIIdempotencyKey: an EMR retrying after a lost answer gets the first
// entry back and nothing is signed twice; the key reused for another record
// is refused; keys are per token.
func TestAPIIdempotencyKey(t *testing.T) {
	e := newEnv(t, Options{})
	tok1, _, _ := e.svc.CreateToken("admin", "EMR 1", []string{service.ScopeRecordsWrite})
	tok2, _, _ := e.svc.CreateToken("admin", "EMR 2", []string{service.ScopeRecordsWrite})
	post := func(tok, key string, body []byte, want int) map[string]any {
		t.Helper()
		req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/records", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/fhir+json")
		req.Header.Set("Idempotency-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		json.Unmarshal([]byte(e.check(resp, "POST", "/api/v1/records", want)), &out)
		return out
	}
	fhir := assets.DemoRecord()
	first := post(tok1, "visit-123", fhir, http.StatusCreated)
	again := post(tok1, "visit-123", fhir, http.StatusOK)
	if again["id"] != first["id"] || again["smartHealthCard"] != first["smartHealthCard"] {
		t.Errorf("the retry got another entry: %v vs %v", again["id"], first["id"])
	}
	other := bytes.Replace(fhir, []byte("Haddad"), []byte("Haddat"), 1)
	if bytes.Equal(other, fhir) {
		t.Fatal("the demo record changed: pick another name to alter")
	}
	oo := post(tok1, "visit-123", other, http.StatusUnprocessableEntity)
	if !strings.Contains(fmt.Sprint(oo), "Idempotency-Key") {
		t.Errorf("mismatch outcome: %v", oo)
	}
	if third := post(tok2, "visit-123", fhir, http.StatusCreated); third["id"] == first["id"] {
		t.Error("another token's key replayed the first token's entry")
	}
	post(tok1, "bad key with spaces", fhir, http.StatusUnprocessableEntity)
	if entries, _ := e.svc.Entries(0); len(entries) != 2 {
		t.Errorf("%d ledger entries, want 2", len(entries))
	}
}

// TestAdminUnlocksAndDisables: the lockout message says to ask an
// administrator, who can unlock the account; a disabled account's session
// ends and it cannot sign in; an administrator cannot disable themselves.
func TestAdminUnlocksAndDisables(t *testing.T) {
	e := newEnv(t, Options{})
	if err := e.svc.CreateAccount("admin", "nurse1", "nurse password 1", service.RoleNurse); err != nil {
		t.Fatal(err)
	}
	nurse := e.browser()
	for i := 1; i < service.MaxFailures; i++ {
		e.login(nurse, "nurse1", "wrong password!", http.StatusUnauthorized)
	}
	e.login(nurse, "nurse1", "wrong password!", http.StatusLocked)
	admin := e.browser()
	e.login(admin, "admin", adminPwd, http.StatusSeeOther)
	body, csrf := e.get(admin, "/admin/users", 200)
	if !strings.Contains(body, `action="/admin/users/nurse1/unlock"`) {
		t.Fatalf("no unlock button:\n%s", body)
	}
	e.post(admin, "/admin/users/nurse1/unlock", url.Values{}, http.StatusForbidden)
	e.post(admin, "/admin/users/nurse1/unlock", url.Values{"csrf": {csrf}}, http.StatusOK)
	e.login(nurse, "nurse1", "nurse password 1", http.StatusSeeOther)
	e.get(nurse, "/", 200)

	e.post(admin, "/admin/users/nurse1/disable", url.Values{"csrf": {csrf}}, http.StatusOK)
	e.get(nurse, "/", http.StatusSeeOther) // the open session is over
	e.login(nurse, "nurse1", "nurse password 1", http.StatusUnauthorized)
	e.post(admin, "/admin/users/admin/disable", url.Values{"csrf": {csrf}}, http.StatusBadRequest)
	e.post(admin, "/admin/users/nobody/unlock", url.Values{"csrf": {csrf}}, http.StatusNotFound)
	e.post(admin, "/admin/users/nurse1/promote", url.Values{"csrf": {csrf}}, http.StatusNotFound)
	e.post(admin, "/admin/users/nurse1/enable", url.Values{"csrf": {csrf}}, http.StatusOK)
	e.login(nurse, "nurse1", "nurse password 1", http.StatusSeeOther)

	log, _ := e.svc.Audit(0, 0)
	var actions []string
	for _, a := range log {
		actions = append(actions, a.Action)
	}
	for _, want := range []string{"account.unlock", "account.disable", "account.enable", "login.fail"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("audit log lacks %s", want)
		}
	}
}

// TestLedgerSearch: records issued with a patient id share its derived rid
// and are found by it, by status and by date, through the API and the page.
func TestLedgerSearch(t *testing.T) {
	e := newEnv(t, Options{})
	tok, _, _ := e.svc.CreateToken("admin", "EMR", []string{service.ScopeRecordsWrite, service.ScopeRecordsRead, service.ScopeRecordsRevoke})
	fhir := assets.DemoRecord()
	a := e.api("POST", "/api/v1/records?patient=MRN-1", tok, "application/fhir+json", fhir, http.StatusCreated)
	b := e.api("POST", "/api/v1/records?patient=MRN-1", tok, "application/fhir+json", fhir, http.StatusCreated)
	e.clock.add(48 * time.Hour)
	e.api("POST", "/api/v1/records?patient=MRN-2", tok, "application/fhir+json", fhir, http.StatusCreated)
	if a["patientId"] != "MRN-1" || a["rid"] != b["rid"] || a["id"] == b["id"] {
		t.Errorf("same patient: rids %v %v, want equal (derived from the patient id)", a["rid"], b["rid"])
	}
	oo := e.api("POST", "/api/v1/records?patient=MRN%201", tok, "application/fhir+json", fhir, http.StatusUnprocessableEntity)
	if !strings.Contains(fmt.Sprint(oo), "expression:[patient]") {
		t.Errorf("bad patient id outcome: %v", oo)
	}
	e.api("POST", "/api/v1/records/"+a["id"].(string)+"/revoke", tok, "", nil, http.StatusOK)
	count := func(query string) int {
		t.Helper()
		out := e.api("GET", "/api/v1/records"+query, tok, "", nil, http.StatusOK)
		return len(out["records"].([]any))
	}
	for query, want := range map[string]int{
		"": 3, "?patient=MRN-1": 2, "?patient=MRN-3": 0, "?status=revoked": 1, "?status=valid&patient=MRN-1": 1,
		"?since=2026-12-08": 1, "?until=2026-12-08": 2, "?since=2026-12-07T09:00:00Z&until=2026-12-07T09:00:01Z": 2, "?limit=1": 1,
	} {
		if got := count(query); got != want {
			t.Errorf("GET /api/v1/records%s: %d records, want %d", query, got, want)
		}
	}
	for _, tc := range []struct{ query, field string }{{"?status=lost", "status"}, {"?since=yesterday", "since"}, {"?limit=0", "limit"}} {
		oo := e.api("GET", "/api/v1/records"+tc.query, tok, "", nil, http.StatusBadRequest)
		if !strings.Contains(fmt.Sprint(oo), "expression:["+tc.field+"]") {
			t.Errorf("%s: outcome %v does not name %s", tc.query, oo, tc.field)
		}
	}
	e.api("GET", "/api/v1/records", "", "", nil, http.StatusUnauthorized)

	staff := e.browser()
	e.login(staff, "admin", adminPwd, http.StatusSeeOther)
	body, _ := e.get(staff, "/?patient=MRN-2", 200)
	rows := regexp.MustCompile(`href="/records/[A-Za-z0-9_-]{16}"`)
	if len(rows.FindAllString(body, -1)) != 1 || !strings.Contains(body, "MRN-2") {
		t.Errorf("page search by patient:\n%.3000s", body)
	}
	body, _ = e.get(staff, "/?status=revoked", 200)
	if len(rows.FindAllString(body, -1)) != 1 || !strings.Contains(body, `<option value="revoked" selected>`) {
		t.Errorf("page search by status:\n%.3000s", body)
	}
	e.get(staff, "/?since=soon", http.StatusBadRequest)
}

// TestNoExternalAssetsAndSecurityHeaders: pages load nothing from another
// origin (no CDN) and every answer carries the security headers.
func TestNoExternalAssetsAndSecurityHeaders(t *testing.T) {
	e := newEnv(t, Options{})
	b := e.browser()
	e.login(b, "admin", adminPwd, http.StatusSeeOther)
	external := regexp.MustCompile(`(?i)(src|href|action)="(https?:)?//`)
	for _, p := range []string{"/login", "/", "/records/new", "/admin/users", "/admin/tokens", "/admin/audit"} {
		resp, err := b.Get(e.ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		body := e.check(resp, "GET", p, 200)
		if m := external.FindString(body); m != "" {
			t.Errorf("%s loads from another origin: %s", p, m)
		}
		for h, want := range map[string]string{
			"Content-Security-Policy": "default-src 'self'", "X-Content-Type-Options": "nosniff",
			"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
		} {
			if got := resp.Header.Get(h); !strings.Contains(got, want) {
				t.Errorf("%s: %s = %q, want %q", p, h, got, want)
			}
		}
	}
}

// TestConcurrentIssuance: EMR requests issued at once all succeed, each
// SD-JWT VC has its own status index, and the audit chain holds.
func TestConcurrentIssuance(t *testing.T) {
	e := newEnv(t, Options{})
	tok, _, _ := e.svc.CreateToken("admin", "EMR", []string{service.ScopeRecordsWrite})
	hk, _ := jose.GenerateKey()
	u := e.ts.URL + "/api/v1/records?holder=" + url.QueryEscape(hk.Public().DIDKey())
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", u, bytes.NewReader(assets.DemoRecord()))
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				errs <- fmt.Errorf("POST: %s", resp.Status)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	entries, _ := e.svc.Entries(0)
	seen := map[int]bool{}
	for _, en := range entries {
		for _, sd := range en.SDJWT {
			if seen[sd.Index] {
				t.Errorf("status index %d given twice", sd.Index)
			}
			seen[sd.Index] = true
		}
	}
	if len(entries) != n || len(seen) != n {
		t.Errorf("%d entries, %d status indexes; want %d", len(entries), len(seen), n)
	}
	log, _ := e.svc.Audit(0, 0)
	if _, err := service.VerifyAudit(log); err != nil {
		t.Error(err)
	}
}

// The clinic's server cuts slow and idle clients and marks every answer
// nosniff (its own limits, timeouts shortened for the test).
func TestServerCutsSlowClients(t *testing.T) {
	e := newEnv(t, Options{})
	addr := httpservertest.Serve(t, httpserver.New(e.srv.Handler(), httpservertest.Shorten(Serving(nil))))
	httpservertest.CheckSlowClients(t, addr, "/healthz", "/api/v1/records")
	httpservertest.CheckNosniff(t, "http://"+addr, "/api/v1/records", "/healthz", "/signin", "/no-such-page")
}
