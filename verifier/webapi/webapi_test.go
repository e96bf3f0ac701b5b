package webapi

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/verifier/verifiertest"
)

func outcome(t *testing.T, b []byte) Outcome {
	t.Helper()
	var o Outcome
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return o
}

// TestRegistryTrust: a bundle needs its policy first; with both, the
// registry world's current credential is valid and the trust says when the
// bundle was made; a status list, a snapshot and junk take their own paths.
func TestRegistryTrust(t *testing.T) {
	w, err := verifiertest.New()
	if err != nil {
		t.Fatal(err)
	}
	a := New()
	a.Now = func() time.Time { return verifiertest.Now }
	if err := a.LoadTrust("bundle", w.Bundle); err == nil || !strings.Contains(err.Error(), "needs the trust policy first") {
		t.Fatalf("bundle before policy: %v", err)
	}
	if err := a.LoadTrust("policy.json", w.PolicyJSON); err != nil {
		t.Fatal(err)
	}
	if err := a.LoadTrust("bundle", w.Bundle); err != nil {
		t.Fatal(err)
	}
	o := outcome(t, a.Submit(w.Creds["ok"]))
	if len(o.Results) != 1 || !o.Results[0].Valid {
		t.Fatalf("the current credential: %+v", o.Results)
	}
	var ts TrustStatus
	if err := json.Unmarshal(a.TrustJSON(), &ts); err != nil || !ts.Policy || ts.Issuers == 0 || !ts.BundleTime.Equal(verifiertest.Now) {
		t.Fatalf("trust %+v %v", ts, err)
	}
	if err := a.LoadTrust("junk.json", []byte(`{"nothing": 1}`)); err == nil {
		t.Error("a JSON file that is no trust file was accepted")
	}
	if err := a.LoadTrust("big", make([]byte, MaxTrustFile+1)); err == nil {
		t.Error("an oversized trust file was accepted")
	}
}

// TestSubmit: the spec's card as typed on an AZERTY desk is repaired and
// valid; the chunks of example 02 report progress until the last, then
// verify together; a non-code gives an invalid result, not an error.
func TestSubmit(t *testing.T) {
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "shc", p))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	a := New()
	if err := a.LoadTrust("trust.json", []byte(read("trust.json"))); err != nil {
		t.Fatal(err)
	}
	card := read("examples/example-00-f-qr-code-numeric-value-0.txt")
	azerty := strings.NewReplacer(":", "M", "/", "!", "1", "&", "2", "é", "3", "\"", "4", "'", "5", "(", "6", "-", "7", "è", "8", "_", "9", "ç", "0", "à").Replace(card)
	o := outcome(t, a.Submit(azerty))
	if o.Layout != "fr" || len(o.Results) != 1 || !o.Results[0].Valid || o.Results[0].Subject.Name != "John B. Anyperson" {
		t.Fatalf("AZERTY burst: layout %q %+v", o.Layout, o.Results)
	}
	for i, want := range []string{"1 of 3 read", "2 of 3 read", "3 of 3 read"} {
		o := outcome(t, a.Submit(read("examples/example-02-f-qr-code-numeric-value-"+string(rune('0'+i))+".txt")))
		if o.Progress != want || (i < 2) != (len(o.Results) == 0) {
			t.Fatalf("chunk %d: progress %q, %d results", i+1, o.Progress, len(o.Results))
		}
		if i == 2 && !o.Results[0].Valid {
			t.Fatalf("the assembled card: %+v", o.Results[0])
		}
	}
	o = outcome(t, a.Submit("hello"))
	if len(o.Results) != 1 || o.Results[0].Valid || len(o.Results[0].Reasons) == 0 {
		t.Fatalf("junk: %+v", o.Results)
	}
}

// TestWarm: the warm-up credentials verify VALID against their own trust
// (so Warm runs every step of a verification, not an early refusal), and
// the App's own trust and chunks are untouched.
func TestWarm(t *testing.T) {
	a := New()
	rs, err := a.Warm()
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != len(warmCases) {
		t.Fatalf("%d results", len(rs))
	}
	for i, r := range rs {
		if !r.Valid {
			t.Errorf("%s: %s %v", warmCases[i].input, r.Format, r.Reasons)
		}
	}
	if s := string(a.TrustJSON()); !strings.Contains(s, `"issuers":0`) || !strings.Contains(s, `"dscs":0`) {
		t.Errorf("Warm changed the page's trust: %s", s)
	}
}
