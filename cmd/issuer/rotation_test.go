//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
)

// TestRotationWithRealRegistry rotates the clinic's key against a real
// `registry serve`: the new key cannot be activated until the registry's
// administrator has run rotate-key for it; then new credentials carry the
// new kid and are anchored through the registry with requests signed by the
// new key, while the old key stays registered until its retirement time.
func TestRotationWithRealRegistry(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the registry")
	}
	r := &serveRig{tb: t, dir: t.TempDir(), bin: t.TempDir(), procs: map[string]*exec.Cmd{}}
	t.Cleanup(func() {
		for k := range r.procs {
			r.stop(k, os.Interrupt)
		}
	})
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(exe, filepath.Join(r.bin, "issuer")); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(r.bin, "registry"), "../registry")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the registry: %v\n%s", err, out)
	}
	r.env = append(os.Environ(), "IMMUNOPASS_PASSPHRASE=rotation test passphrase", "IMMUNOPASS_ADMIN_PASSWORD=rotation admin password")
	regAddr, issAddr := freeAddr(t), freeAddr(t)
	reg := "http://" + regAddr
	r.run("registry", "init", "--data", "registry", "--url", "https://registry.example", "--work-factor", "10")
	r.start("registry", "registry", "serve", "--data", "registry", "--listen", regAddr)
	waitHealthy(t, reg)
	r.run("issuer", "init", "--data", "clinic", "--iss", "https://clinic.example", "--registry", reg, "--work-factor", "10")
	if err := os.WriteFile(filepath.Join(r.dir, "jwks.json"), []byte(r.run("issuer", "jwks", "--key", "clinic/key.age")), 0o600); err != nil {
		t.Fatal(err)
	}
	r.run("registry", "issuer", "add", "--data", "registry", "--registry", reg, "--id", "clinic", "--name", "Rotation Clinic",
		"--country", "AE", "--jwks", "jwks.json", "--iss", "https://clinic.example")
	r.token = strings.TrimSpace(r.run("issuer", "token", "create", "--data", "clinic", "--name", "EMR",
		"--scope", "records:write", "--scope", "records:read", "--scope", "keys:manage"))
	r.issuerURL = "http://" + issAddr
	r.start("issuer", "issuer", "serve", "--data", "clinic", "--listen", issAddr)
	waitHealthy(t, r.issuerURL)

	call := func(method, path string, body []byte, want int) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, r.issuerURL+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+r.token)
		if body != nil {
			req.Header.Set("Content-Type", "application/fhir+json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %s, want %d: %s", method, path, resp.Status, want, data)
		}
		var out map[string]any
		json.Unmarshal(data, &out)
		return out
	}
	anchored := func(id string) {
		t.Helper()
		for end := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if rec := call("GET", "/api/v1/records/"+id, nil, 200); rec["anchoring"] == "anchored" {
				return
			}
			if time.Now().After(end) {
				t.Fatalf("entry %s not anchored: %v", id, call("GET", "/api/v1/anchoring", nil, 200))
			}
		}
	}
	first := call("POST", "/api/v1/records", assets.DemoRecord(), 201)
	anchored(first["id"].(string))
	oldKID := first["kid"].(string)

	created := call("POST", "/api/v1/keys", nil, 201)
	newKID := created["kid"].(string)
	oo := call("POST", "/api/v1/keys/"+newKID+"/activate", nil, 409)
	if !strings.Contains(oo["issue"].([]any)[0].(map[string]any)["diagnostics"].(string), "rotate-key") {
		t.Fatalf("activation before the registry knows the key: %v", oo)
	}
	// The registry's administrator registers the new key, the old one
	// signing for another hour.
	resp, err := http.Get(r.issuerURL + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	keys, _, err := jose.ParseJWKS(data)
	if err != nil {
		t.Fatal(err)
	}
	var newKey []*jose.Key
	for _, k := range keys {
		if k.KID() == newKID {
			newKey = append(newKey, k)
		}
	}
	if len(newKey) != 1 || len(keys) != 2 {
		t.Fatalf("served JWKS %s", data)
	}
	if err := os.WriteFile(filepath.Join(r.dir, "new.json"), jose.JWKS(newKey, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	r.run("registry", "issuer", "rotate-key", "--data", "registry", "--registry", reg, "--id", "clinic", "--jwks", "new.json",
		"--retire-at", time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	call("POST", "/api/v1/keys/"+newKID+"/activate", nil, 200)

	second := call("POST", "/api/v1/records", assets.DemoRecord(), 201)
	if second["kid"] != newKID || oldKID == newKID {
		t.Fatalf("issued after the switch with %v, want %s", second["kid"], newKID)
	}
	anchored(second["id"].(string)) // the registry took requests signed by the new key
	list := call("GET", "/api/v1/keys", nil, 200)
	if list["active"] != newKID {
		t.Fatalf("keys %v", list)
	}
}
