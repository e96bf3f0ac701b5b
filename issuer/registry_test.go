package issuer

import (
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/issuer/fakeregistry"
)

const testIss = "https://registry.example/issuers/clinic"

// hosted starts a fake registry on loopback that accredits a new key.
func hosted(t *testing.T) (*KeyFile, *fakeregistry.Registry, *Registry) {
	t.Helper()
	kf := testKey(t)
	fake := fakeregistry.New()
	fake.AddIssuer(testIss, kf.Key.Public())
	base, err := fake.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Stop() })
	r, err := NewRegistry(base, kf.Key, testIss)
	if err != nil {
		t.Fatal(err)
	}
	return kf, fake, r
}

var fastBackoff = Backoff{Base: 5 * time.Millisecond, Max: 40 * time.Millisecond}

func queueCard(t *testing.T, kf *KeyFile, st *State, r *Registry, out string) *Item {
	t.Helper()
	cards, err := kf.IssueSHC(assets.DemoRecord(), Request{Issuer: testIss})
	if err != nil {
		t.Fatal(err)
	}
	it := &Item{Kind: KindAnchor, Digest: DigestHex(cards[0].JWS), What: "card", Proof: out, Registry: r.Base.String(), Issuer: r.Issuer}
	if err := st.Outbox.Add(it); err != nil {
		t.Fatal(err)
	}
	return it
}

func TestFlushAnchorsAndWritesProof(t *testing.T) {
	kf, fake, r := hosted(t)
	fake.Set(func(f *fakeregistry.Registry) { f.Delay = 2 }) // two 202s before the proof
	st, err := OpenState(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	proofPath := filepath.Join(t.TempDir(), "card.proof")
	it := queueCard(t, kf, st, r, proofPath)
	res, err := st.Outbox.Flush(context.Background(), r, FlushOptions{Wait: []string{it.Name()}, Backoff: fastBackoff, CheckProof: VerifyProof(fake.Verifier())})
	if err != nil {
		t.Fatal(err)
	}
	if res.Anchored != 1 || res.Proved != 1 || len(res.Left) != 0 {
		t.Fatalf("flush: %+v", res)
	}
	want, _ := fake.Index(it.Digest)
	proof, err := os.ReadFile(proofPath)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := ParseDigest(it.Digest)
	if err := VerifyProof(fake.Verifier())(proof, d, want); err != nil {
		t.Fatal(err)
	}
	if err := CheckProof(proof, d, want+1); err == nil {
		t.Fatal("a proof for another index accepted")
	}
	if err := CheckProof(proof, [32]byte{1}, want); err == nil {
		t.Fatal("a proof for another digest accepted")
	}
	if items, _ := st.Outbox.List(); len(items) != 0 {
		t.Fatalf("%d items left after the proof was written", len(items))
	}
}

// TestOutage: the registry is down when the credential is issued; the item
// stays queued with its error; when the registry is back, a flush anchors it,
// and anchoring it again gives the same index.
func TestOutage(t *testing.T) {
	kf, fake, r := hosted(t)
	st, _ := OpenState(t.TempDir())
	// Something already in the log, so the index is not trivially 0.
	if _, err := r.Anchor(context.Background(), [][32]byte{{1}, {2}}); err != nil {
		t.Fatal(err)
	}
	fake.Stop()
	proofPath := filepath.Join(t.TempDir(), "card.proof")
	it := queueCard(t, kf, st, r, proofPath)

	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	res, err := st.Outbox.Flush(ctx, r, FlushOptions{Wait: []string{it.Name()}, Backoff: fastBackoff})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Left) != 1 || res.Left[0].Index != nil || res.Left[0].Attempts < 2 {
		t.Fatalf("during the outage: %+v", res.Left)
	}
	if !strings.Contains(res.Left[0].LastError, "unreachable") || !IsTemporary(res.LastError) {
		t.Fatalf("last error %q", res.Left[0].LastError)
	}
	// A new process sees the same queue.
	st2, _ := OpenState(st.Dir)
	if items, _ := st2.Outbox.List(); len(items) != 1 || items[0].Attempts != res.Left[0].Attempts {
		t.Fatalf("queue after reopening: %+v", items)
	}

	if _, err := fake.Start(""); err != nil {
		t.Fatal(err)
	}
	res, err = st2.Outbox.Flush(context.Background(), r, FlushOptions{Backoff: fastBackoff})
	if err != nil || res.Anchored != 1 || res.Proved != 1 || len(res.Left) != 0 {
		t.Fatalf("after the outage: %+v %v", res, err)
	}
	idx, ok := fake.Index(it.Digest)
	if !ok || idx != 2 {
		t.Fatalf("index %d %v, want 2", idx, ok)
	}
	d, _ := ParseDigest(it.Digest)
	again, err := r.Anchor(context.Background(), [][32]byte{d})
	if err != nil || again[d] != idx || fake.Len() != 3 {
		t.Fatalf("anchoring again: %v %v (log %d)", again, err, fake.Len())
	}
}

// TestFlushRetriesServerErrors: 503s are retried within one flush.
func TestFlushRetriesServerErrors(t *testing.T) {
	kf, fake, r := hosted(t)
	fake.Set(func(f *fakeregistry.Registry) { f.Fail, f.Drop = 2, 1 })
	st, _ := OpenState(t.TempDir())
	it := queueCard(t, kf, st, r, "")
	res, err := st.Outbox.Flush(context.Background(), r, FlushOptions{Backoff: fastBackoff, ProofDir: st.ProofDir()})
	if err != nil || res.Proved != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	// The dropped answer was retried: one entry, not two.
	if fake.Len() != 1 {
		t.Fatalf("log has %d entries after a dropped answer, want 1", fake.Len())
	}
	if _, err := os.Stat(filepath.Join(st.ProofDir(), it.Digest+".proof")); err != nil {
		t.Fatal(err)
	}
}

// TestFlushRefused: a registry that does not know the key refuses for good;
// the item stays queued with the reason, and Flush returns at once.
func TestFlushRefused(t *testing.T) {
	kf, _, r := hosted(t)
	other := testKey(t)
	r.Key = other.Key
	st, _ := OpenState(t.TempDir())
	it := queueCard(t, kf, st, r, "")
	res, err := st.Outbox.Flush(context.Background(), r, FlushOptions{Wait: []string{it.Name()}, Backoff: fastBackoff})
	if err != nil {
		t.Fatal(err)
	}
	var re *RegistryError
	if len(res.Refused) != 1 || !errors.As(res.LastError, &re) || re.Status != 401 || re.Temporary() {
		t.Fatalf("%+v %v", res, res.LastError)
	}
	if !strings.Contains(res.Refused[0].LastError, "401 Unauthorized: unknown-key") {
		t.Fatalf("error %q", res.Refused[0].LastError)
	}
}

func TestTakeStatusPool(t *testing.T) {
	_, fake, r := hosted(t)
	st, _ := OpenState(t.TempDir())
	ctx := context.Background()
	seen := map[StatusEntry]bool{}
	take := func(n int) ([]StatusEntry, error) {
		es, err := st.TakeStatus(ctx, r, n, 4)
		for _, e := range es {
			if seen[e] {
				t.Fatalf("entry %+v handed out twice", e)
			}
			seen[e] = true
		}
		return es, err
	}
	if es, err := take(2); err != nil || len(es) != 2 {
		t.Fatal(es, err)
	}
	fake.Stop() // the pool holds 4 more
	if es, err := take(3); err != nil || len(es) != 3 {
		t.Fatal(es, err)
	}
	if _, err := take(2); err == nil || !strings.Contains(err.Error(), "1 in the local pool, 2 needed") {
		t.Fatalf("empty pool during an outage: %v", err)
	}
	if es, err := take(1); err != nil || len(es) != 1 {
		t.Fatal(es, err)
	}
}

func TestLedger(t *testing.T) {
	st, _ := OpenState(t.TempDir())
	e := LedgerEntry{Record: "MRN-1", Format: "sd-jwt", Digest: strings.Repeat("a", 64), Status: &StatusEntry{URI: "u", Idx: 7}}
	if err := st.AppendLedger(e, LedgerEntry{Record: "MRN-2", Format: "shc", RID: "abcd"}); err != nil {
		t.Fatal(err)
	}
	// A crash mid-append leaves a cut line; it is skipped.
	f, _ := os.OpenFile(st.ledgerPath(), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"record":"MRN-1","for`)
	f.Close()
	got, err := st.Ledger("MRN-1")
	if err != nil || len(got) != 1 || got[0].Status.Idx != 7 {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestCountDoses(t *testing.T) {
	rec, err := vax.FromFHIR(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	got := CountDoses([]*vax.Record{rec, rec}, "")
	if len(got) != 6 {
		t.Fatalf("%d cells: %+v", len(got), got)
	}
	if c := got[0]; c != (StatCount{Vaccine: "http://hl7.org/fhir/sid/cvx|19", Region: "AE", Week: "2016-W15", Count: 2}) {
		t.Fatalf("first cell %+v", c)
	}
	if c := CountDoses([]*vax.Record{rec}, "AE-DU"); c[0].Region != "AE-DU" || c[0].Count != 1 {
		t.Fatalf("%+v", c[0])
	}
}

func TestBackoff(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Max: time.Second}
	for _, tc := range []struct {
		n        int
		lo, high time.Duration
	}{
		{1, 50 * time.Millisecond, 100 * time.Millisecond},
		{2, 100 * time.Millisecond, 200 * time.Millisecond},
		{4, 400 * time.Millisecond, 800 * time.Millisecond},
		{5, 500 * time.Millisecond, time.Second},
		{60, 500 * time.Millisecond, time.Second},
	} {
		for range 50 {
			if d := b.Delay(tc.n); d < tc.lo || d > tc.high {
				t.Fatalf("Delay(%d) = %s, want in [%s, %s]", tc.n, d, tc.lo, tc.high)
			}
		}
	}
}

func TestSignedRequestShape(t *testing.T) {
	kf := testKey(t)
	r, err := NewRegistry("http://127.0.0.1:1/base/", kf.Key, testIss)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := r.signRequest("/v1/anchors", map[string]int{"count": 1})
	b, _ := r.signRequest("/v1/anchors", map[string]int{"count": 1})
	if a == b {
		t.Fatal("two requests with the same nonce")
	}
	for _, bad := range []string{"ftp://x", "http://", "http://h/?q=1", "not a url\x7f"} {
		if _, err := NewRegistry(bad, kf.Key, testIss); err == nil {
			t.Errorf("registry URL %q accepted", bad)
		}
	}
}

func TestDigestIsIssuerJWT(t *testing.T) {
	a := DigestHex("h.p.s~disc1~disc2~")
	b := DigestHex("h.p.s")
	if a != b || len(a) != 64 {
		t.Fatal(a, b)
	}
	if _, err := hex.DecodeString(a); err != nil {
		t.Fatal(err)
	}
}

func FuzzRegistryAnswers(f *testing.F) {
	f.Add([]byte(`{"error":"replay","message":"nonce seen"}`))
	f.Add([]byte("c2sp.org/tlog-proof@v1\nindex 3\n\nnote\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if CheckProof(data, [32]byte{}, 3) == nil {
			t.Fatal("accepted a proof for an all-zero digest")
		}
		ParseDigest(string(data))
		if answerError("x", "u", 500, data).Error() == "" {
			t.Fatal("empty error")
		}
	})
}
