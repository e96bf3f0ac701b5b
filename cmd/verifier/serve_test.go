package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/immunopass/immunopass/internal/httpserver"
	"github.com/immunopass/immunopass/internal/httpserver/httpservertest"
	"github.com/immunopass/immunopass/verifier/web"
	"github.com/immunopass/immunopass/verifier/web/webtest"
)

// wasmDir writes the verifier's WebAssembly where IMMUNOPASS_VERIFIER_WASM
// finds it (a binary built with make build carries it instead).
func wasmDir(t *testing.T) string {
	t.Helper()
	wasm, exe := webtest.Build(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "verifier.wasm"), wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "wasm_exec.js"), exe, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestServe: `verifier serve` serves the web app with the trust files it
// was given, with the page's security headers, and stops cleanly on
// SIGINT; `web export` writes the same files.
func TestServe(t *testing.T) {
	t.Setenv("IMMUNOPASS_VERIFIER_WASM", wasmDir(t))
	trustFile := filepath.Join("..", "..", "testdata", "shc", "trust.json")
	pr, pw := io.Pipe()
	done := make(chan int)
	var stderr strings.Builder
	go func() {
		done <- run([]string{"serve", "--listen", "127.0.0.1:0", "--trust", trustFile}, nil, pw, &stderr)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("serve said nothing: %v %s", err, stderr.String())
	}
	go io.Copy(io.Discard, pr)
	url := regexp.MustCompile(`http://127\.0\.0\.1:\d+/`).FindString(line)
	if url == "" || !strings.Contains(line, "1 trust file") {
		t.Fatalf("serve said %q", line)
	}
	for path, want := range map[string]string{"": "<title>", "trust/manifest.json": `"trust.json"`, "verifier.wasm": "\x00asm"} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) || resp.Header.Get("Content-Security-Policy") != web.CSP {
			t.Errorf("GET /%s: %d, %d bytes, CSP %q", path, resp.StatusCode, len(b), resp.Header.Get("Content-Security-Policy"))
		}
	}
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop on SIGINT")
	}

	out := filepath.Join(t.TempDir(), "site")
	var so, se strings.Builder
	if code := run([]string{"web", "export", "--out", out, "--trust", trustFile}, nil, &so, &se); code != 0 {
		t.Fatalf("export: %d %s", code, se.String())
	}
	for _, p := range []string{"index.html", "sw.js", "verifier.wasm", "wasm_exec.js", "trust/trust.json", "trust/manifest.json"} {
		if _, err := os.Stat(filepath.Join(out, p)); err != nil {
			t.Error(err)
		}
	}
}

// The web app's server cuts slow and idle clients and marks every answer
// nosniff (its own options, timeouts shortened for the test).
func TestServeCutsSlowClients(t *testing.T) {
	h, err := web.Handler(web.Options{WASM: []byte("\x00asm"), WASMExec: []byte("//")})
	if err != nil {
		t.Fatal(err)
	}
	addr := httpservertest.Serve(t, httpserver.New(h, httpservertest.Shorten(serving)))
	httpservertest.CheckSlowClients(t, addr, "/", "/")
	httpservertest.CheckNosniff(t, "http://"+addr, "/", "/", "/app.js", "/no-such-page")
}
