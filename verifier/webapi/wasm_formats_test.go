//go:build !js

package webapi

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// wasmFormatTests are the verifier's tests that read each format the page
// verifies (SHC, SD-JWT VC, HCERT, DIVOC, VC-JWT, vc-di), and context
// policies over them.
var wasmFormatTests = []string{
	"TestSpecExamplesEveryForm", // SHC: JWS, file, numeric text, chunks, PNG
	"TestSDJWTModesAndReasons",
	"TestHCERT",
	"TestContextHCERTYellowFever",
	"TestDIVOC",
	"TestContextDIVOC",
	"TestVCJWT",
	"TestContextVCJWT",
	"TestVCDataIntegrity",
	"TestVCJsonWebSignature2020",
	"TestContextVCDI",
}

// TestWASMReadsEveryFormat: the verifier's format tests pass when compiled
// as the page's WebAssembly is (GOOS=js GOARCH=wasm) and run in node, so
// what the js build leaves out (json-gold's HTTP loaders and N-Quads
// reader, JPEG, GIF and SVG decoding, jsonschema) costs no format. SVG
// pictures are skipped: the js build refuses them by design
// (credential/qr/svg_js.go). 10–30 s; skipped in -short and without
// node.
func TestWASMReadsEveryFormat(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the verifier's tests to WebAssembly")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("no node to run WebAssembly tests")
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	execWASM := filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "go_js_wasm_exec")
	cmd := exec.Command("go", "test", "-count=1", "-v", "-exec", execWASM,
		"-run", "^("+strings.Join(wasmFormatTests, "|")+")$",
		"-skip", "^TestSpecExamplesEveryForm$/.*/svg",
		"github.com/immunopass/immunopass/verifier")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the verifier's format tests in WebAssembly: %v\n%s", err, tail(string(out), 4000))
	}
	for _, name := range wasmFormatTests {
		if !strings.Contains(string(out), "--- PASS: "+name+" ") {
			t.Errorf("%s did not run and pass in WebAssembly\n%s", name, tail(string(out), 2000))
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
