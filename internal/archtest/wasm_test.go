package archtest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// wasmBanned are packages that the verifier's WebAssembly
// (cmd/verifier-wasm, GOOS=js GOARCH=wasm) must not link: each made it
// megabytes bigger for nothing the page needs (README, web app figures).
var wasmBanned = map[string]string{
	"github.com/lestrrat-go/jwx/v3/jwk":        "credential/jose reads JWKs itself; jwx's jwk brings net/http and crypto/tls",
	"github.com/lestrrat-go/httprc/v3":         "jwx's HTTP cache",
	"github.com/srwiley/oksvg":                 "the page draws pictures itself (credential/qr/svg_js.go)",
	"github.com/srwiley/rasterx":               "the page draws pictures itself",
	"golang.org/x/net/html":                    "oksvg's",
	"fyne.io/fyne/v2":                          "the desktop app's toolkit",
	"github.com/santhosh-tekuri/jsonschema/v6": "its init compiles five drafts' metaschemas, the largest part of the page's start; credential/hcert/schema_js.go",
	"net/http":                           "json-gold's HTTP document loader brought it, with crypto/tls and HTTP/2 (4.5 MB); third_party/json-gold leaves its loaders out of js builds",
	"crypto/tls":                         "net/http's",
	"github.com/pquerna/cachecontrol":    "json-gold's caching HTTP loader (third_party/json-gold)",
	"github.com/cayleygraph/quad/nquads": "json-gold's N-Quads reader; its init registers the whole parser (third_party/json-gold)",
	"image/jpeg":                         "the page hands pictures as pixels (credential/qr/photo_js.go)",
	"image/gif":                          "the page hands pictures as pixels (credential/qr/photo_js.go)",
}

// TestWASMDeps: the WebAssembly build of the verifier links none of
// wasmBanned.
func TestWASMDeps(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-test=false", module+"/cmd/verifier-wasm")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 20 {
		t.Fatalf("go list found only %d packages", len(deps))
	}
	for _, d := range deps {
		if why, ok := wasmBanned[d]; ok {
			t.Errorf("cmd/verifier-wasm links %s (%s)", d, why)
		}
	}
}
