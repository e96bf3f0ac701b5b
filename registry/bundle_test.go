package registry

import (
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/status"
	"github.com/immunopass/immunopass/credential/trust"
)

// TestBundleSparseLists: the bundle carries a mostly-valid list in the
// sparse form, holding exactly the entries of the statuslist+jwt served
// separately.
func TestBundleSparseLists(t *testing.T) {
	w := newWorld(t)
	k, iss := w.issuer("alnoor")
	_, out := w.post(k, iss, "/v1/status/allocate", map[string]any{"count": 3})
	es := out["entries"].([]any)
	for i, st := range []string{"revoked", "suspended"} {
		e := es[i].(map[string]any)
		if code, out := w.post(k, iss, "/v1/status/update", map[string]any{"uri": e["uri"], "idx": e["idx"], "status": st}); code != 200 {
			t.Fatalf("%s: %d %v", st, code, out)
		}
	}
	_, data := w.bundle()
	b, _, err := trust.VerifyBundle(data, w.policy, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(b.StatusLists) != 1 {
		t.Fatalf("%d lists", len(b.StatusLists))
	}
	sl := b.StatusLists[0]
	if sl.Sparse == "" || sl.Lst != "" || sl.Size != status.MinSize || sl.Bits != ListBits {
		t.Fatalf("bundle list not in the sparse form: %+v", sl)
	}
	inBundle, err := sl.List()
	if err != nil {
		t.Fatal(err)
	}
	_, tok := w.get(strings.TrimPrefix(sl.URI, testURL))
	tk, err := status.ParseToken(string(tok))
	if err != nil || tk.Verify(w.policy.RegistryKey) != nil {
		t.Fatalf("status token: %v", err)
	}
	for i, want := range []uint8{status.Revoked, status.Suspended, status.Valid} {
		idx := int(es[i].(map[string]any)["idx"].(float64))
		if v, _ := inBundle.Get(idx); v != want {
			t.Errorf("entry %d in the bundle: %d, want %d", idx, v, want)
		}
		if v, _ := tk.Status(idx); v != want {
			t.Errorf("entry %d in the token: %d, want %d", idx, v, want)
		}
	}
	for i := range inBundle.Len() {
		a, _ := inBundle.Get(i)
		if b, err := tk.Status(i); err != nil || a != b {
			t.Fatalf("entry %d: %d in the bundle, %d in the token (%v)", i, a, b, err)
		}
	}
}
