// Package web is the verifier's offline web app: a page that reads QR codes
// with the device's camera, a keyboard-wedge scanner, a pasted text or a
// picture, and verifies them on the device with the project's own verifier
// compiled to WebAssembly (cmd/verifier-wasm, verifier/webapi). The page
// loads nothing from outside its origin (a Content-Security-Policy says so
// to the browser), a service worker keeps it and its trust files for use
// with no network, and nothing about the people checked is kept or sent.
//
// `verifier serve` serves it (Handler) and `verifier web export DIR` writes
// it as a static folder that any web server or a USB stick can hold
// (Export). Both are the same files (Site): the static assets embedded
// here, verifier.wasm and Go's wasm_exec.js, the trust files the operator
// gives, a trust/manifest.json listing them, and the service worker with
// the site's version (a digest of every file) and file list filled in.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/immunopass/immunopass/internal/atomicfile"
)

//go:embed static
var static embed.FS

// CSP is the page's Content-Security-Policy: its own origin only, and
// WebAssembly compilation.
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' blob: data:; " +
	"media-src 'self' blob: mediastream:; connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; " +
	"form-action 'none'; frame-ancestors 'none'"

// File is one trust file handed to the page.
type File struct {
	Name string
	Data []byte
}

// Options are what a site is made of beyond the embedded assets.
type Options struct {
	WASM     []byte // verifier.wasm (GOOS=js GOARCH=wasm build of cmd/verifier-wasm)
	WASMExec []byte // wasm_exec.js of the Go release that built it
	Trust    []File // trust policy, bundle, snapshots, DSCs, status lists: loaded in this order
}

// ErrNoWASM: the site cannot work without the verifier's WebAssembly.
var ErrNoWASM = errors.New("the web app needs verifier.wasm and wasm_exec.js (make build builds them into the verifier binary)")

var trustName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// Site returns every file of the site by path.
func Site(o Options) (map[string][]byte, error) {
	if len(o.WASM) == 0 || len(o.WASMExec) == 0 {
		return nil, ErrNoWASM
	}
	files := map[string][]byte{"verifier.wasm": o.WASM, "wasm_exec.js": o.WASMExec}
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := static.ReadFile(p)
		files[strings.TrimPrefix(p, "static/")] = b
		return err
	})
	if err != nil {
		return nil, err
	}
	names := []string{}
	for _, f := range o.Trust {
		n := filepath.Base(f.Name)
		if !trustName.MatchString(n) {
			return nil, fmt.Errorf("trust file name %q: use letters, digits, '.', '_' and '-'", n)
		}
		if slices.Contains(names, n) {
			return nil, fmt.Errorf("two trust files named %q", n)
		}
		names = append(names, n)
		files["trust/"+n] = f.Data
	}
	manifest, _ := json.Marshal(map[string]any{"files": names})
	files["trust/manifest.json"] = manifest
	// The service worker caches every file but itself, under a version
	// that changes whenever any file does.
	var list []string
	for p := range files {
		if p != "sw.js" {
			list = append(list, p)
		}
	}
	slices.Sort(list)
	h := sha256.New()
	for _, p := range list {
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(files[p]))
		h.Write(files[p])
	}
	version := hex.EncodeToString(h.Sum(nil))[:16]
	js, _ := json.Marshal(append([]string{"./"}, list...))
	sw := files["sw.js"]
	sw = bytes.Replace(sw, []byte("__VERSION__"), []byte(version), 1)
	sw = bytes.Replace(sw, []byte("__FILES__"), js, 1)
	files["sw.js"] = sw
	return files, nil
}

var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
	".wasm": "application/wasm", ".json": "application/json", ".webmanifest": "application/manifest+json",
	".svg": "image/svg+xml",
}

// Handler serves the site. Only GET and HEAD; every response carries the
// CSP, nosniff, no referrer, and no-cache (the service worker keeps the
// offline copy).
func Handler(o Options) (http.Handler, error) {
	files, err := Site(o)
	if err != nil {
		return nil, err
	}
	var gz gzipCache // gzip.go
	go gz.prepare(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
		h.Set("Cache-Control", "no-cache")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		if p == "" {
			p = "index.html"
		}
		b, ok := files[p]
		if !ok {
			http.NotFound(w, r)
			return
		}
		ct := contentTypes[path.Ext(p)]
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.Set("Content-Type", ct)
		if p == "sw.js" {
			h.Set("Service-Worker-Allowed", "/")
		}
		gz.write(w, r, p, b)
	}), nil
}

// Export writes the site into dir (created if missing), each file
// atomically. A web server must serve .wasm as application/wasm.
func Export(dir string, o Options) error {
	files, err := Site(o)
	if err != nil {
		return err
	}
	for p, b := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := atomicfile.Write(full, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Built returns the WebAssembly built into this binary (make build), or
// ErrNoWASM.
func Built() (wasm, exec []byte, err error) {
	if len(builtWASM) == 0 || len(builtExec) == 0 {
		return nil, nil, ErrNoWASM
	}
	return builtWASM, builtExec, nil
}
