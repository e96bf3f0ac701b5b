package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/status"
	"github.com/immunopass/immunopass/credential/trust"
)

const testURL = "https://registry.example"

type world struct {
	t      testing.TB
	dir    string
	data   *Data
	srv    *httptest.Server
	admin  *jose.PrivateKey
	policy *trust.Policy
}

func newWorld(t testing.TB) *world {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	if _, err := Init(ctx, dir, InitOptions{URL: testURL, Passphrase: "pw", WorkFactor: 10}); err != nil {
		t.Fatal(err)
	}
	d, err := OpenData(ctx, dir, "pw", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.Server.o.ListSize = status.MinSize
	srv := httptest.NewServer(d.Server.Handler())
	t.Cleanup(func() { srv.Close(); d.Close() })
	admin, err := OpenAdminKey(filepath.Join(dir, AdminKeyFile), "pw")
	if err != nil {
		t.Fatal(err)
	}
	return &world{t: t, dir: dir, data: d, srv: srv, admin: admin, policy: d.Policy}
}

// post sends a signed write and decodes the JSON answer.
func (w *world) post(key *jose.PrivateKey, iss, path string, body any) (int, map[string]any) {
	w.t.Helper()
	req, err := SignRequest(key, iss, path, body, time.Now())
	if err != nil {
		w.t.Fatal(err)
	}
	return w.raw(path, "application/jose", req)
}

func (w *world) raw(path, ct string, body []byte) (int, map[string]any) {
	w.t.Helper()
	resp, err := http.Post(w.srv.URL+path, ct, bytes.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	data, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(data, &out); err != nil {
		w.t.Fatalf("POST %s: %d %q", path, resp.StatusCode, data)
	}
	return resp.StatusCode, out
}

func (w *world) get(path string, hdr ...string) (*http.Response, []byte) {
	w.t.Helper()
	req, _ := http.NewRequest("GET", w.srv.URL+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

// issuer accredits a new issuer and returns its key and iss.
func (w *world) issuer(slug string) (*jose.PrivateKey, string) {
	w.t.Helper()
	k, err := jose.GenerateKey()
	if err != nil {
		w.t.Fatal(err)
	}
	code, out := w.post(w.admin, AdminIss, "/v1/admin/issuers", map[string]any{"id": slug, "name": "Clinic " + slug,
		"country": "AE", "jwks": json.RawMessage(jose.JWKS([]*jose.Key{k.Public()}, nil))})
	if code != 200 {
		w.t.Fatalf("add issuer: %d %v", code, out)
	}
	return k, testURL + "/issuers/" + slug
}

// snapshot is every stored byte that a write could change, nonces and
// bundle bookkeeping aside.
func (w *world) snapshot() string {
	w.t.Helper()
	var b strings.Builder
	err := w.data.Server.db.View(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if bytes.Equal(name, bNonces) || bytes.Equal(name, bBundles) || bytes.Equal(name, bCosigned) {
				continue
			}
			_ = tx.Bucket(name).ForEach(func(k, v []byte) error {
				if bytes.Equal(name, bMeta) && bytes.Equal(k, kBundle) {
					return nil
				}
				fmt.Fprintf(&b, "%s/%x=%x\n", name, k, sha256.Sum256(v))
				return nil
			})
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return b.String()
}

func (w *world) bundle() (*http.Response, []byte) {
	w.t.Helper()
	for i := 0; i < 100; i++ {
		resp, data := w.get("/v1/bundle")
		if resp.StatusCode != http.StatusServiceUnavailable {
			return resp, data
		}
		time.Sleep(50 * time.Millisecond)
	}
	w.t.Fatal("no bundle after 5 s")
	return nil, nil
}

func TestAuthRefusalsChangeNothing(t *testing.T) {
	w := newWorld(t)
	k1, iss1 := w.issuer("alnoor")
	k2, iss2 := w.issuer("other")
	code, out := w.post(k1, iss1, "/v1/status/allocate", map[string]any{"count": 2})
	if code != 200 {
		t.Fatalf("allocate: %d %v", code, out)
	}
	entry := out["entries"].([]any)[0].(map[string]any)
	update := map[string]any{"uri": entry["uri"], "idx": entry["idx"], "status": "revoked"}
	replayed, err := SignRequest(k1, iss1, "/v1/status/update", map[string]any{"uri": entry["uri"], "idx": entry["idx"], "status": "suspended"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if code, out := w.raw("/v1/status/update", "application/jose", replayed); code != 200 {
		t.Fatalf("first use: %d %v", code, out)
	}
	plain, _ := json.Marshal(update)
	old, _ := SignRequest(k1, iss1, "/v1/status/update", update, time.Now().Add(-10*time.Minute))
	forAnchors, _ := SignRequest(k1, iss1, "/v1/anchors", update, time.Now())
	fake, _ := jose.GenerateKey()
	cases := []struct {
		name  string
		send  func() (int, map[string]any)
		code  int
		error string
	}{
		{"unsigned", func() (int, map[string]any) { return w.raw("/v1/status/update", "application/json", plain) }, 401, "unsigned"},
		{"garbage", func() (int, map[string]any) { return w.raw("/v1/status/update", "application/jose", []byte("a.b.c")) }, 401, "bad-signed-request"},
		{"replayed", func() (int, map[string]any) { return w.raw("/v1/status/update", "application/jose", replayed) }, 401, "replay"},
		{"stale iat", func() (int, map[string]any) { return w.raw("/v1/status/update", "application/jose", old) }, 401, "replay"},
		{"signed for another path", func() (int, map[string]any) { return w.raw("/v1/status/update", "application/jose", forAnchors) }, 401, "wrong-target"},
		{"unknown key", func() (int, map[string]any) { return w.post(fake, iss1, "/v1/status/update", update) }, 401, "unknown-key"},
		{"iss of another issuer", func() (int, map[string]any) { return w.post(k2, iss1, "/v1/status/update", update) }, 401, "wrong-iss"},
		{"another issuer's index", func() (int, map[string]any) { return w.post(k2, iss2, "/v1/status/update", update) }, 403, "not-owner"},
		{"issuer on an admin path", func() (int, map[string]any) {
			return w.post(k1, iss1, "/v1/admin/issuers/other/suspend", map[string]any{})
		}, 403, "forbidden"},
		{"admin on an issuer path", func() (int, map[string]any) { return w.post(w.admin, AdminIss, "/v1/status/update", update) }, 403, "forbidden"},
		{"unknown member", func() (int, map[string]any) {
			return w.post(k1, iss1, "/v1/status/update", map[string]any{"uri": entry["uri"], "idx": entry["idx"], "status": "revoked", "x": 1})
		}, 400, "bad-request"},
		{"a member name in another case", func() (int, map[string]any) {
			// Two names to a duplicate check, one field to encoding/json.
			return w.post(k1, iss1, "/v1/status/update", map[string]any{"uri": entry["uri"], "idx": entry["idx"], "status": "valid", "Status": "revoked"})
		}, 400, "bad-request"},
		{"unallocated index", func() (int, map[string]any) {
			return w.post(k1, iss1, "/v1/status/update", map[string]any{"uri": entry["uri"], "idx": 7, "status": "revoked"})
		}, 403, "not-owner"},
	}
	for _, c := range cases {
		before := w.snapshot()
		code, out := c.send()
		if code != c.code || out["error"] != c.error || out["message"] == "" {
			t.Errorf("%s: got %d %v, want %d %q", c.name, code, out, c.code, c.error)
		}
		if after := w.snapshot(); after != before {
			t.Errorf("%s: the store changed:\n%s\n---\n%s", c.name, before, after)
		}
	}
	// Suspended: refused, and nothing changes.
	if code, out := w.post(w.admin, AdminIss, "/v1/admin/issuers/alnoor/suspend", map[string]any{}); code != 200 {
		t.Fatalf("suspend: %d %v", code, out)
	}
	before := w.snapshot()
	for _, path := range []string{"/v1/status/update", "/v1/status/allocate", "/v1/anchors"} {
		body := map[string]any{"count": 1}
		if path == "/v1/status/update" {
			body = update
		} else if path == "/v1/anchors" {
			body = map[string]any{"digests": []string{strings.Repeat("ab", 32)}}
		}
		if code, out := w.post(k1, iss1, path, body); code != 403 || out["error"] != "suspended" {
			t.Errorf("suspended issuer %s: %d %v", path, code, out)
		}
	}
	if after := w.snapshot(); after != before {
		t.Errorf("suspended writes changed the store")
	}
}

func TestBundleETagDeltaAndVerify(t *testing.T) {
	w := newWorld(t)
	k, iss := w.issuer("alnoor")
	_, out := w.post(k, iss, "/v1/status/allocate", map[string]any{"count": 1})
	e := out["entries"].([]any)[0].(map[string]any)
	resp, data := w.bundle()
	if resp.StatusCode != 200 {
		t.Fatalf("bundle: %d %s", resp.StatusCode, data)
	}
	etag := resp.Header.Get("ETag")
	b, warns, err := trust.VerifyBundle(data, w.policy, time.Now())
	if err != nil || len(warns) != 0 {
		t.Fatalf("VerifyBundle: %v %v", err, warns)
	}
	if len(b.Issuers) != 1 || b.Issuers[0].ID != iss || len(b.StatusLists) != 1 || b.Registry != testURL {
		t.Fatalf("bundle content: %+v", b)
	}
	if r, _ := w.get("/v1/bundle", "If-None-Match", etag); r.StatusCode != 304 {
		t.Fatalf("If-None-Match: %d", r.StatusCode)
	}
	// A second issuer changes the directory but no list: the delta since the
	// first version carries no status list.
	w.issuer("second")
	if code, out := w.post(k, iss, "/v1/status/update", map[string]any{"uri": e["uri"], "idx": e["idx"], "status": "revoked"}); code != 200 {
		t.Fatalf("revoke: %d %v", code, out)
	}
	r2, full := w.bundle()
	if r2.Header.Get("ETag") == etag {
		t.Fatal("the ETag did not change")
	}
	b2, _, err := trust.VerifyBundle(full, w.policy, time.Now())
	if err != nil || b2.Version <= b.Version {
		t.Fatalf("second bundle: %v, version %d after %d", err, b2.Version, b.Version)
	}
	st := trust.New()
	if _, err := st.LoadBundle("bundle", full, w.policy, time.Now()); err != nil {
		t.Fatal(err)
	}
	if v, err := st.StatusFor(iss, time.Now()).Status(e["uri"].(string), int(e["idx"].(float64))); err != nil || v != status.Revoked {
		t.Fatalf("status in the bundle: %d %v", v, err)
	}
	rd, delta := w.get(fmt.Sprintf("/v1/bundle?since=%d", b.Version))
	if rd.Header.Get("Bundle-Delta-Since") == "" {
		t.Fatalf("no delta header: %v", rd.Header)
	}
	bd, _, err := trust.VerifyBundle(delta, w.policy, time.Now())
	if err != nil || len(bd.StatusLists) != 1 || len(bd.Issuers) != 2 {
		t.Fatalf("delta: %v %+v", err, bd)
	}
	if r, _ := w.get(fmt.Sprintf("/v1/bundle?since=%d", b2.Version)); r.StatusCode != 304 {
		t.Fatalf("since=current: %d", r.StatusCode)
	}
	// Tokens served separately verify with the registry key.
	_, tok := w.get(strings.TrimPrefix(e["uri"].(string), testURL))
	tk, err := status.ParseToken(string(tok))
	if err != nil || tk.Verify(w.policy.RegistryKey) != nil || tk.URI != e["uri"] {
		t.Fatalf("status token: %v", err)
	}
	if v, _ := tk.Status(int(e["idx"].(float64))); v != status.Revoked {
		t.Fatalf("token status %d", v)
	}
	_, w3c := w.get(strings.TrimPrefix(e["uri"].(string), testURL) + "/w3c")
	bc, err := status.ParseBitstringCredential(string(w3c))
	if err != nil || bc.Verify(w.policy.RegistryKey) != nil {
		t.Fatalf("w3c: %v", err)
	}
	if v, _ := bc.Status(int(e["idx"].(float64))); v != 1 {
		t.Fatalf("w3c status %d", v)
	}
}

func TestJWKSAndCRL(t *testing.T) {
	w := newWorld(t)
	k, iss := w.issuer("alnoor")
	resp, data := w.get("/issuers/alnoor/.well-known/jwks.json")
	keys, bad, err := jose.ParseJWKS(data)
	if resp.StatusCode != 200 || err != nil || len(bad) != 0 || len(keys) != 1 || !keys[0].Equal(k.Public()) {
		t.Fatalf("jwks: %d %s", resp.StatusCode, data)
	}
	if r, _ := w.get("/issuers/alnoor/.well-known/crl/" + k.Public().KID() + ".json"); r.StatusCode != 404 {
		t.Fatalf("crl before revocation: %d", r.StatusCode)
	}
	rid := "MTIzNDU2Nzg5MDEy"
	if code, out := w.post(k, iss, "/v1/crl/revoke", map[string]any{"kid": k.Public().KID(), "rids": []string{rid}}); code != 200 || out["ctr"] != 1.0 {
		t.Fatalf("revoke: %d %v", code, out)
	}
	_, data = w.get("/issuers/alnoor/.well-known/crl/" + k.Public().KID() + ".json")
	crl, err := shc.ParseCRL(data)
	if err != nil || crl.Ctr != 1 || len(crl.RIDs) != 1 {
		t.Fatalf("crl: %v %s", err, data)
	}
	_, data = w.get("/issuers/alnoor/.well-known/jwks.json")
	if !bytes.Contains(data, []byte(`"crlVersion": 1`)) {
		t.Fatalf("jwks without crlVersion: %s", data)
	}
	if code, out := w.post(k, iss, "/v1/crl/revoke", map[string]any{"kid": "someone-else", "rids": []string{rid}}); code != 403 {
		t.Fatalf("foreign kid: %d %v", code, out)
	}
	if r, _ := w.get("/issuers/nobody/.well-known/jwks.json"); r.StatusCode != 404 {
		t.Fatalf("unknown issuer: %d", r.StatusCode)
	}
}

func TestStatsEndpoint(t *testing.T) {
	w := newWorld(t)
	k, iss := w.issuer("alnoor")
	counts := []map[string]any{
		{"vaccine": "http://hl7.org/fhir/sid/cvx|208", "region": "AE-DU", "week": "2026-W47", "count": 40},
		{"vaccine": "http://hl7.org/fhir/sid/cvx|208", "region": "AE-AZ", "week": "2026-W47", "count": 3},
		{"vaccine": "http://hl7.org/fhir/sid/cvx|140", "region": "AE-DU", "week": "2026-W47", "count": 30},
		{"vaccine": "http://hl7.org/fhir/sid/cvx|140", "region": "AE-AZ", "week": "2026-W47", "count": 25},
	}
	if code, out := w.post(k, iss, "/v1/stats", map[string]any{"counts": counts}); code != 200 {
		t.Fatalf("stats: %d %v", code, out)
	}
	if code, out := w.post(k, iss, "/v1/stats", map[string]any{"counts": []map[string]any{{"vaccine": "x", "region": "r", "week": "2026-W47", "count": 1}}}); code != 400 {
		t.Fatalf("bad stats: %d %v", code, out)
	}
	_, csv := w.get("/v1/stats.csv")
	if bytes.Contains(csv, []byte(",3\n")) || !bytes.Contains(csv, []byte("2026-W47,*,*,98")) {
		t.Fatalf("csv:\n%s", csv)
	}
	_, js := w.get("/v1/stats.json")
	var pub struct{ Weeks []Table }
	if err := json.Unmarshal(js, &pub); err != nil || len(pub.Weeks) != 1 {
		t.Fatalf("json: %v %s", err, js)
	}
}

func TestAnchorsAndProof(t *testing.T) {
	w := newWorld(t)
	k, iss := w.issuer("alnoor")
	d := sha256.Sum256([]byte("a credential"))
	h := hex.EncodeToString(d[:])
	code, out := w.post(k, iss, "/v1/anchors", map[string]any{"digests": []string{h}})
	if code != 200 {
		t.Fatalf("anchor: %d %v", code, out)
	}
	idx := out["anchors"].([]any)[0].(map[string]any)["index"]
	_, again := w.post(k, iss, "/v1/anchors", map[string]any{"digests": []string{h}})
	if again["anchors"].([]any)[0].(map[string]any)["index"] != idx {
		t.Fatalf("not idempotent: %v then %v", out, again)
	}
	if code, out := w.post(k, iss, "/v1/anchors", map[string]any{"digests": []string{"XYZ"}}); code != 400 || out["error"] != "bad-digest" {
		t.Fatalf("bad digest: %d %v", code, out)
	}
	if r, _ := w.get("/v1/proof/" + strings.Repeat("00", 32)); r.StatusCode != 404 {
		t.Fatalf("unknown digest: %d", r.StatusCode)
	}
	var proof []byte
	for i := 0; i < 200; i++ {
		r, data := w.get("/v1/proof/" + h)
		if r.StatusCode == 200 {
			proof = data
			break
		}
		if r.StatusCode != 202 {
			t.Fatalf("proof: %d %s", r.StatusCode, data)
		}
		time.Sleep(25 * time.Millisecond)
	}
	p, err := anchor.ParseProof(proof)
	if err != nil {
		t.Fatalf("proof %q: %v", proof, err)
	}
	if _, err := p.Verify(d, w.policy.Checkpoints()); err != nil || float64(p.Index) != idx.(float64) {
		t.Fatalf("proof verify: %v (index %d, want %v)", err, p.Index, idx)
	}
	// The directory versions were anchored too.
	_, dir := w.get("/v1/directory/1")
	dd := sha256.Sum256(dir)
	if r, _ := w.get("/v1/proof/" + hex.EncodeToString(dd[:])); r.StatusCode == 404 {
		t.Fatal("directory version 1 is not anchored")
	}
	if r, body := w.get("/metrics"); r.StatusCode != 200 || !bytes.Contains(body, []byte("registry_anchors_total")) {
		t.Fatalf("metrics: %d", r.StatusCode)
	}
}

func TestCompromiseAndRotate(t *testing.T) {
	w := newWorld(t)
	k, _ := w.issuer("alnoor")
	k2, _ := jose.GenerateKey()
	code, out := w.post(w.admin, AdminIss, "/v1/admin/issuers/alnoor/rotate-key", map[string]any{"jwks": json.RawMessage(jose.JWKS([]*jose.Key{k2.Public()}, nil))})
	if code != 200 {
		t.Fatalf("rotate: %d %v", code, out)
	}
	time.Sleep(700 * time.Millisecond) // let the watcher see a checkpoint
	code, out = w.post(w.admin, AdminIss, "/v1/admin/issuers/alnoor/compromise", map[string]any{"kid": k.Public().KID()})
	if code != 200 {
		t.Fatalf("compromise: %d %v", code, out)
	}
	_, data := w.bundle()
	b, _, err := trust.VerifyBundle(data, w.policy, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	keys := b.Issuers[0].Keys
	if len(keys) != 2 || keys[0].CompromisedAt.IsZero() || keys[0].ValidUntil.IsZero() || keys[1].ValidFrom.IsZero() {
		t.Fatalf("keys: %+v", keys)
	}
	_, jwks := w.get("/issuers/alnoor/.well-known/jwks.json")
	if bytes.Contains(jwks, []byte(k.Public().KID())) {
		t.Fatal("the compromised key is still in the JWKS")
	}
	if code, out := w.post(k, testURL+"/issuers/alnoor", "/v1/status/allocate", map[string]any{"count": 1}); code != 401 || out["error"] != "key-compromised" {
		t.Fatalf("compromised key writes: %d %v", code, out)
	}
}

func TestServeRefusesUninitialised(t *testing.T) {
	dir := t.TempDir()
	if _, err := OpenData(context.Background(), dir, "pw", nil, nil); err == nil || !strings.Contains(err.Error(), "registry init") {
		t.Fatalf("uninitialised: %v", err)
	}
	if _, err := Init(context.Background(), dir, InitOptions{URL: testURL, Passphrase: "pw", WorkFactor: 10}); err != nil {
		t.Fatal(err)
	}
	if _, err := Init(context.Background(), dir, InitOptions{URL: testURL, Passphrase: "pw", WorkFactor: 10}); err == nil || !strings.Contains(err.Error(), "already holds a registry") {
		t.Fatalf("second init: %v", err)
	}
	// A crash during init leaves files but no configuration (written
	// last): neither serve nor init takes the folder, and init says why.
	half := t.TempDir()
	if err := os.WriteFile(filepath.Join(half, KeyFile), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenData(context.Background(), half, "pw", nil, nil); err == nil || !strings.Contains(err.Error(), "registry init") {
		t.Fatalf("half-initialised folder served: %v", err)
	}
	if _, err := Init(context.Background(), half, InitOptions{URL: testURL, Passphrase: "pw", WorkFactor: 10}); err == nil || !strings.Contains(err.Error(), "init did not finish (registry.key exists, registry.json does not)") {
		t.Fatalf("init of a half-initialised folder: %v", err)
	}
	if err := os.RemoveAll(filepath.Join(dir, LogDir, "log")); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenData(context.Background(), dir, "pw", nil, nil); err == nil {
		t.Fatal("missing log state accepted")
	}
}
