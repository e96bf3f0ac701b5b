package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/internal/offlinetest"
	"github.com/immunopass/immunopass/internal/spectest"
	"github.com/immunopass/immunopass/verifier/verifiertest"
)

// TestOfflineCLI runs `verifier verify` of cards (a SMART Health Card, an
// SD-JWT VC against a registry bundle, with a context's rules) in a
// process with no network (unshare -n).
func TestOfflineCLI(t *testing.T) {
	offlinetest.Run(t, "TestOfflineCLIChild")
}

func TestOfflineCLIChild(t *testing.T) {
	if !offlinetest.Child() {
		t.Skip("run by TestOfflineCLI in a network namespace of its own")
	}
	offlinetest.RequireNoNetwork(t)
	dir := t.TempDir()
	snap, err := spectest.SnapshotJSON()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "spec-trust.json"), snap, 0o644)
	if err := writeRegistry(filepath.Join(dir, "reg")); err != nil {
		t.Fatal(err)
	}
	verify := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(append([]string{"verify"}, args...), strings.NewReader(""), &out, &errb); code != 0 {
			t.Fatalf("verifier verify %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
		}
		return out.String()
	}
	card := spectest.Path("examples", "example-00-f-qr-code-numeric-value-0.txt")
	if out := verify("--trust", filepath.Join(dir, "spec-trust.json"), card); !strings.HasPrefix(out, "VALID") {
		t.Fatalf("SMART Health Card offline:\n%s", out)
	}
	reg := func(n string) string { return filepath.Join(dir, "reg", n) }
	out := verify("--at", verifiertest.Now.Format("2006-01-02T15:04:05Z"), "--policy", reg("policy.json"), "--trust", reg("rules.bundle"),
		"--context", "yellow-fever", reg("yf.txt"))
	if !strings.HasPrefix(out, "VALID") || !strings.Contains(out, "DOES NOT MEET THE RULES") {
		t.Fatalf("SD-JWT VC with the bundle's rules offline:\n%s", out)
	}
}
