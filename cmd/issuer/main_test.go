package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/immunopass/immunopass/assets"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"issuer": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs cmd/issuer/testdata/script/*.txtar. The verifier is built
// from source once, so the scripts check issue → verify across the two
// binaries as a clinic and a school would run them.
func TestScripts(t *testing.T) {
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "verifier"), "../verifier")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the verifier: %v\n%s", err, out)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", bin+string(os.PathListSeparator)+env.Getenv("PATH"))
			if err := os.WriteFile(filepath.Join(env.WorkDir, "record.json"), assets.DemoRecord(), 0o644); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(env.WorkDir, "record.csv"), assets.DemoRecordCSV(), 0o644)
		},
	})
}
