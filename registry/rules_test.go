package registry

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/policy"
	"github.com/immunopass/immunopass/credential/trust"
)

// Context policies posted by the admin travel in the signed bundle; a bad
// file changes nothing; the ETag moves; a delta repeats them only when they
// changed after its base version.
func TestRulesInBundle(t *testing.T) {
	w := newWorld(t)
	w.issuer("alnoor")
	resp, data := w.bundle()
	b0, _, err := trust.VerifyBundle(data, w.policy, time.Now())
	if err != nil || b0.Policies != nil {
		t.Fatalf("bundle before any rules: %v, policies %d bytes", err, len(b0.Policies))
	}
	etag := resp.Header.Get("ETag")

	before := w.snapshot()
	bad := strings.Replace(string(assets.ContextPolicies()), `"payload":"view"`, `"payload":"fhir"`, 1)
	if code, out := w.post(w.admin, AdminIss, "/v1/admin/rules", RulesRequest{File: bad}); code != 400 || !strings.Contains(fmt.Sprint(out["message"]), `payload "fhir"`) {
		t.Fatalf("bad rules: %d %v", code, out)
	}
	if w.snapshot() != before {
		t.Fatal("a refused rules file changed the store")
	}
	other, err := jose.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := w.post(other, AdminIss, "/v1/admin/rules", RulesRequest{File: string(assets.ContextPolicies())}); code != 401 {
		t.Fatalf("rules signed by another key: %d", code)
	}
	code, out := w.post(w.admin, AdminIss, "/v1/admin/rules", RulesRequest{File: string(assets.ContextPolicies())})
	if code != 200 || fmt.Sprint(out["contexts"]) != "[school-entry-ae school-entry-fr yellow-fever traveller-eu]" {
		t.Fatalf("post rules: %d %v", code, out)
	}
	r1, full := w.bundle()
	if r1.Header.Get("ETag") == etag {
		t.Fatal("the ETag did not change with the rules")
	}
	b1, _, err := trust.VerifyBundle(full, w.policy, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	st := trust.New()
	if _, err := st.LoadBundle("bundle", full, w.policy, time.Now()); err != nil {
		t.Fatal(err)
	}
	set, err := policy.Parse(st.Policies())
	if err != nil || len(set.Contexts) != 4 {
		t.Fatalf("policies from the bundle: %v", err)
	}
	t.Logf("bundle with the shipped policies: %d bytes (%d without)", len(full), len(data))
	// A delta from before the post carries them; one from after does not.
	_, d0 := w.get(fmt.Sprintf("/v1/bundle?since=%d", b0.Version))
	if bd, _, err := trust.VerifyBundle(d0, w.policy, time.Now()); err != nil || bd.Policies == nil {
		t.Fatalf("delta across the post: %v", err)
	}
	w.issuer("second")
	_, d1 := w.get(fmt.Sprintf("/v1/bundle?since=%d", b1.Version))
	if bd, _, err := trust.VerifyBundle(d1, w.policy, time.Now()); err != nil || bd.Policies != nil || len(bd.Issuers) != 2 {
		t.Fatalf("delta after the post: %v", err)
	}
	// The file is served as posted.
	if r, file := w.get("/v1/rules"); r.StatusCode != 200 {
		t.Fatalf("GET /v1/rules: %d", r.StatusCode)
	} else if _, err := policy.Parse(file); err != nil {
		t.Fatal(err)
	}
}
