package main

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// The scripts run the real main in a child process. They cover what happens
// before a window opens (flags, the data folder, a damaged settings file),
// so they need no display; the screens are tested in verifier/ui and looked
// at under Xvfb (scripts/verifier-screenshots.sh).
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"verifier-app": main})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script"})
}
