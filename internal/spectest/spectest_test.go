package spectest

import (
	"bytes"
	"os"
	"testing"
)

// TestTrustFile: testdata/shc/trust.json, which the README's first
// verification uses, is exactly the snapshot the tests build from the spec's
// published JWKS and CRL.
func TestTrustFile(t *testing.T) {
	want, err := SnapshotJSON()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(Path("trust.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(got), want) {
		t.Fatalf("testdata/shc/trust.json differs from SnapshotJSON(); write it again from SnapshotJSON:\n%s", want)
	}
}
