package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/immunopass/immunopass/internal/spectest"
	"github.com/immunopass/immunopass/verifier/verifiertest"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"verifier": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// writeRegistry writes a registry world (verifiertest) as files: policy.json,
// bundle, stale.bundle, below-quorum.bundle, old.bundle (version 2), <name>.txt credentials and
// <name>.proof proofs. Scripts verify with --at 2026-11-21T09:00:00Z.
func writeRegistry(dir string) error {
	w, err := verifiertest.New()
	if err != nil {
		return err
	}
	files := map[string][]byte{"policy.json": w.PolicyJSON, "bundle": w.Bundle, "stale.bundle": w.Stale, "below-quorum.bundle": w.BelowQuorum, "old.bundle": w.Old}
	for n, c := range w.Creds {
		files[n+".txt"] = []byte(c + "\n")
	}
	for n, p := range w.Proofs {
		files[n+".proof"] = p
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for n, data := range files {
		if err := os.WriteFile(filepath.Join(dir, n), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// TestScripts runs testdata/script/*.txtar with the official SMART Health
// Cards examples copied into each script's work directory as spec/…, and
// a VCI snapshot trusting the spec issuer as spec-trust.json.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			dst := filepath.Join(env.WorkDir, "spec")
			if err := os.CopyFS(dst, os.DirFS(filepath.Join(spectest.Dir(), "examples"))); err != nil {
				return err
			}
			snap, err := spectest.SnapshotJSON()
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(env.WorkDir, "spec-trust.json"), snap, 0o644); err != nil {
				return err
			}
			return writeRegistry(filepath.Join(env.WorkDir, "reg"))
		},
	})
}
