// Package npmpeer runs the independent npm implementations that interop
// tests check ImmunoPass against. Each lives in a testdata/interop folder
// with a committed lock file and a run.sh whose scripts print one JSON line.
// Tests skip only when node itself is not installed; any other failure of
// the harness (npm ci, a script error) fails the test.
package npmpeer

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Run runs dir/run.sh with args and decodes the JSON line it prints.
func Run(t testing.TB, dir string, args ...string) map[string]any {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed: interop peers skipped")
	}
	cmd := exec.Command("bash", append([]string{filepath.Join(dir, "run.sh")}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s/run.sh %s: %v\n%s", dir, args[0], err, stderr.String())
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("%s/run.sh %s printed %q: %v\n%s", dir, args[0], out, err, stderr.String())
	}
	return m
}

// Write puts data in a fresh temporary file named name and returns its path.
func Write(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
