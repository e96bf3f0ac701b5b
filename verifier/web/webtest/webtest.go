// Package webtest builds the verifier's WebAssembly for tests of the web
// app, once per test binary.
package webtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	once       sync.Once
	wasm, exe  []byte
	buildError error
	buildLog   string
)

// Build returns verifier.wasm (cmd/verifier-wasm built with GOOS=js
// GOARCH=wasm, -trimpath -ldflags=-s -w as make web builds it) and the Go
// release's wasm_exec.js.
func Build(t testing.TB) (verifierWASM, wasmExec []byte) {
	t.Helper()
	once.Do(func() {
		dir, err := os.MkdirTemp("", "immunopass-wasm-")
		if err != nil {
			buildError = err
			return
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "verifier.wasm")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "github.com/immunopass/immunopass/cmd/verifier-wasm")
		cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
		b, err := cmd.CombinedOutput()
		buildLog = string(b)
		if err != nil {
			buildError = err
			return
		}
		if wasm, buildError = os.ReadFile(out); buildError != nil {
			return
		}
		r, err := exec.Command("go", "env", "GOROOT").Output()
		if err != nil {
			buildError = err
			return
		}
		exe, buildError = os.ReadFile(filepath.Join(strings.TrimSpace(string(r)), "lib", "wasm", "wasm_exec.js"))
	})
	if buildError != nil {
		t.Fatalf("building verifier.wasm: %v\n%s", buildError, buildLog)
	}
	return wasm, exe
}
