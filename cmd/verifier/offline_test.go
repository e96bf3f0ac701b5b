package main

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/internal/offlinetest"
	"github.com/immunopass/immunopass/internal/spectest"
	"github.com/immunopass/immunopass/verifier/verifiertest"
)

// TestOfflineCLI runs `verifier verify` of cards (a SMART Health Card, an
// SD-JWT VC against a registry bundle, with a context's rules, a DIVOC
// certificate, one with a context the verifier does not hold) in a process
// with no network (unshare -n).
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

	// JSON-LD credentials: the contexts are embedded, so a DIVOC
	// certificate verifies with no network; a context the verifier does not
	// hold is refused by name, never fetched.
	demo := func(n string) string { return filepath.Join("..", "..", "assets", "demo", n) }
	if out := verify("--trust", demo("divoc-trust.json"), demo("divoc-youssef.txt")); !strings.HasPrefix(out, "VALID  DIVOC") {
		t.Fatalf("DIVOC offline:\n%s", out)
	}
	cert := divocJSON(t, demo("divoc-youssef.txt"))
	cert = bytes.Replace(cert, []byte("https://cowin.gov.in/credentials/vaccination/v2"), []byte("https://vaccination.example/unknown/v9"), 1)
	os.WriteFile(filepath.Join(dir, "certificate.json"), cert, 0o644)
	var o, e bytes.Buffer
	code := run([]string{"verify", "--trust", demo("divoc-trust.json"), filepath.Join(dir, "certificate.json")}, strings.NewReader(""), &o, &e)
	if code == 0 || !strings.Contains(o.String()+e.String(), "https://vaccination.example/unknown/v9") {
		t.Fatalf("a certificate with an unknown context, offline: exit %d\n%s%s", code, o.String(), e.String())
	}
}

// divocJSON is the certificate.json inside a "B64:" DIVOC text file.
func divocJSON(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	z, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(strings.TrimSpace(string(b)), "B64:"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil || len(zr.File) != 1 {
		t.Fatalf("%s: not a one-entry ZIP: %v", path, err)
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	out, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
