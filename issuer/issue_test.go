package issuer

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/keyfile"
)

func testKey(t testing.TB) *KeyFile {
	kf, err := keyfile.New(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &KeyFile{KeyFile: kf}
}

func holders(t testing.TB, n int) []*jose.Key {
	var out []*jose.Key
	for i := 0; i < n; i++ {
		k, _ := jose.GenerateKey()
		out = append(out, k.Public())
	}
	return out
}

func TestBatchIsUnlinkable(t *testing.T) {
	kf := testKey(t)
	st, err := OpenLocalStatus(filepath.Join(t.TempDir(), "status.json"), "https://clinic.example/status/1")
	if err != nil {
		t.Fatal(err)
	}
	creds, err := kf.IssueSDJWT(assets.DemoRecord(), Request{Issuer: "https://clinic.example"}, holders(t, 10), st, "MRN-1")
	if err != nil {
		t.Fatal(err)
	}
	seenIdx, seenDisc := map[int]bool{}, map[string]bool{}
	for _, c := range creds {
		if seenIdx[c.Index] {
			t.Fatalf("index %d reused", c.Index)
		}
		seenIdx[c.Index] = true
		parts := strings.Split(c.SDJWT, "~")
		for _, d := range parts[1 : len(parts)-1] {
			if seenDisc[d] {
				t.Fatal("a disclosure (salt) repeats across the batch")
			}
			seenDisc[d] = true
		}
	}
	if len(st.Record("MRN-1")) != 10 {
		t.Fatal("record does not own its 10 indexes")
	}
	// The file survives a reload, with allocations and records.
	if err := st.Save(); err != nil {
		t.Fatal(err)
	}
	st2, err := OpenLocalStatus(st.path, "")
	if err != nil || len(st2.Record("MRN-1")) != 10 {
		t.Fatalf("reload: %v", err)
	}
	if err := st2.Set(999999, 1); err == nil {
		t.Fatal("set an index that was never issued")
	}
	if _, err := OpenLocalStatus(st.path, "https://other.example/status"); err == nil {
		t.Fatal("opened a status file for another uri")
	}
}

func TestLocalStatusFileCorrupt(t *testing.T) {
	p := filepath.Join(t.TempDir(), "status.json")
	os.WriteFile(p, []byte(`{"version":1,"bits":2,"lst":"not zlib"}`), 0o600)
	if _, err := OpenLocalStatus(p, ""); err == nil {
		t.Fatal("corrupt status file accepted")
	}
	if _, err := OpenLocalStatus(filepath.Join(t.TempDir(), "none.json"), ""); err == nil {
		t.Fatal("missing status file without a uri accepted")
	}
}

// BenchmarkIssue: credentials per second on one core, both formats from one
// record; and a batch of 10 SD-JWT VCs, with its size.
func BenchmarkIssue(b *testing.B) {
	kf := testKey(b)
	rec := assets.DemoRecord()
	req := Request{Issuer: "https://clinic.example", RIDUser: "MRN-1"}
	b.Run("shc", func(b *testing.B) {
		for b.Loop() {
			if _, err := kf.IssueSHC(rec, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	st, _ := OpenLocalStatus(filepath.Join(b.TempDir(), "s.json"), "https://clinic.example/status/1")
	one := holders(b, 1)
	b.Run("sd-jwt", func(b *testing.B) {
		for b.Loop() {
			if _, err := kf.IssueSDJWT(rec, req, one, st, fmt.Sprint(b.N)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("both", func(b *testing.B) {
		for b.Loop() {
			kf.IssueSHC(rec, req)
			kf.IssueSDJWT(rec, req, one, st, "x")
		}
	})
	ten := holders(b, 10)
	b.Run("sd-jwt-batch-10", func(b *testing.B) {
		var size int
		for b.Loop() {
			st, _ := OpenLocalStatus(filepath.Join(b.TempDir(), "s.json"), "https://clinic.example/status/1")
			creds, err := kf.IssueSDJWT(rec, req, ten, st, "MRN-1")
			if err != nil {
				b.Fatal(err)
			}
			size = 0
			for _, c := range creds {
				size += len(c.SDJWT)
			}
		}
		b.ReportMetric(float64(size), "bytes/batch")
	})
}
