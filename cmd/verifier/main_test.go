package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/immunopass/immunopass/internal/spectest"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"verifier": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
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
			return os.WriteFile(filepath.Join(env.WorkDir, "spec-trust.json"), snap, 0o644)
		},
	})
}
