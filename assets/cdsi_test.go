package assets

import (
	"archive/zip"
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite cdsi.zip from cdsi/*.xml")

// zipCDSi deflates cdsi/*.xml into one zip, deterministically (sorted
// names, a fixed time), so that the same XML gives the same bytes.
func zipCDSi(t *testing.T) []byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("cdsi", "*.xml"))
	if err != nil || len(names) == 0 {
		t.Fatalf("cdsi/*.xml: %v", err)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: filepath.Base(n), Method: zip.Deflate, Modified: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestCDSiArchive: the embedded cdsi.zip holds exactly cdsi/*.xml, byte
// for byte (go test ./assets -run TestCDSiArchive -update rewrites it).
func TestCDSiArchive(t *testing.T) {
	if *update {
		if err := os.WriteFile("cdsi.zip", zipCDSi(t), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("cdsi.zip rewritten; rebuild to embed it")
		return
	}
	names, _ := filepath.Glob(filepath.Join("cdsi", "*.xml"))
	got := CDSi()
	if len(got) != len(names) {
		t.Errorf("cdsi.zip holds %d files, cdsi/ %d: go test ./assets -run TestCDSiArchive -update", len(got), len(names))
	}
	for _, n := range names {
		want, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got[filepath.Base(n)], want) {
			t.Errorf("cdsi.zip's %s differs from %s: go test ./assets -run TestCDSiArchive -update", filepath.Base(n), n)
		}
	}
	if len(got) > 0 {
		b := got["ScheduleSupportingData.xml"]
		b[0] = 'x'
		if CDSi()["ScheduleSupportingData.xml"][0] != '<' {
			t.Error("CDSi shares its bytes")
		}
	}
}

func BenchmarkCDSi(b *testing.B) {
	for b.Loop() {
		CDSi()
	}
}
