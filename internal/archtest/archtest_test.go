// Package archtest enforces DESIGN.md's import rules on the whole module.
package archtest

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/immunopass/immunopass"

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func list(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "-test=false", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

func rel(path string) string { return strings.TrimPrefix(strings.TrimPrefix(path, module), "/") }

func under(path, dir string) bool { return path == dir || strings.HasPrefix(path, dir+"/") }

func anyUnder(path string, dirs ...string) bool {
	for _, d := range dirs {
		if under(path, d) {
			return true
		}
	}
	return false
}

// rule is one import restriction: packages matching from may not import
// anything matching to.
type rule struct {
	name string
	from func(p string) bool
	to   func(imp string) bool
}

var roles = []string{"issuer", "wallet", "verifier", "registry"}

var rules = []rule{
	{"credential/... imports no role package", func(p string) bool { return under(p, "credential") },
		func(i string) bool { return anyUnder(rel(i), roles...) && strings.HasPrefix(i, module) }},
	{"credential/... does no network or storage I/O", func(p string) bool { return under(p, "credential") },
		func(i string) bool {
			return i == "net/http" || i == "net" || i == "os/exec" || strings.HasPrefix(i, "go.etcd.io/bbolt") || strings.HasPrefix(i, "fyne.io/")
		}},
	{"jwx only in credential/jose", func(p string) bool { return !under(p, "credential/jose") },
		func(i string) bool { return strings.HasPrefix(i, "github.com/lestrrat-go/jwx") }},
	{"go-qrcode and gozxing only in credential/qr", func(p string) bool { return !under(p, "credential/qr") },
		func(i string) bool {
			return strings.HasPrefix(i, "github.com/skip2/go-qrcode") || strings.HasPrefix(i, "github.com/makiuchi-d/gozxing")
		}},
	{"Fyne only in the GUI packages", func(p string) bool {
		return !anyUnder(p, "wallet/ui", "verifier/ui", "cmd/wallet", "cmd/verifier-app")
	}, func(i string) bool { return strings.HasPrefix(i, "fyne.io/") }},
	{"nothing imports cmd/", func(p string) bool { return true },
		func(i string) bool { return strings.HasPrefix(i, module+"/cmd/") }},
}

func TestImportRules(t *testing.T) {
	for _, p := range list(t) {
		r := rel(p.ImportPath)
		for _, rl := range rules {
			if !rl.from(r) {
				continue
			}
			for _, imp := range p.Imports {
				if rl.to(imp) {
					t.Errorf("%s: %s imports %s", rl.name, r, imp)
				}
			}
		}
	}
}

func TestRoleIsolation(t *testing.T) {
	for _, p := range list(t) {
		r := rel(p.ImportPath)
		for _, role := range []string{"issuer", "wallet", "registry"} {
			if !under(r, role) {
				continue
			}
			for _, imp := range p.Imports {
				ir := rel(imp)
				if !strings.HasPrefix(imp, module) {
					continue
				}
				for _, other := range []string{"issuer", "wallet", "registry"} {
					if other != role && under(ir, other) {
						t.Errorf("%s imports %s: roles stay apart", r, ir)
					}
				}
				if under(ir, "verifier") && role != "wallet" {
					t.Errorf("%s imports %s: only the wallet may use the verifier", r, ir)
				}
			}
		}
	}
}

// TestServerBinariesNeedNoCgo checks that the CLIs and servers pull in no
// GUI toolkit, so they build with CGO_ENABLED=0.
func TestServerBinariesNeedNoCgo(t *testing.T) {
	for _, p := range list(t) {
		r := rel(p.ImportPath)
		if !anyUnder(r, "cmd/issuer", "cmd/verifier", "cmd/registry") || under(r, "cmd/verifier-app") {
			continue
		}
		for _, d := range p.Deps {
			if strings.HasPrefix(d, "fyne.io/") {
				t.Errorf("%s depends on %s", r, d)
			}
		}
	}
}
