package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestAcceptsGzip(t *testing.T) {
	for h, want := range map[string]bool{
		"":                         false,
		"gzip":                     true,
		"gzip, deflate, br, zstd":  true,
		"br;q=1.0, GZIP;q=0.5":     true,
		"gzip;q=0":                 false,
		"gzip;q=0.000":             false,
		"gzip;q=junk":              false,
		"deflate":                  false,
		"*":                        true,
		"*;q=0":                    false,
		"gzip;q=0, *":              false,
		"identity, *;q=0.1":        true,
		" x-gzip ; q = 0.3 ":       true,
		"gzipx":                    false,
		"br, gzip;q=0, gzip;q=0.2": true,
	} {
		if got := acceptsGzip(h); got != want {
			t.Errorf("acceptsGzip(%q) = %v", h, got)
		}
	}
}

// TestHandlerGzip: a browser that accepts gzip gets the WebAssembly and the
// scripts gzip'd (the same bytes once inflated), with Vary; one that does
// not, or a small file, gets them as they are.
func TestHandlerGzip(t *testing.T) {
	o := fakeOptions()
	o.WASM = append([]byte("\x00asm"), bytes.Repeat([]byte("verifier "), 5000)...)
	h, err := Handler(o)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := Site(o)
	// Compression runs in the background: until it is done, files go out
	// as they are.
	for _, p := range []string{"/verifier.wasm", "/app.js", "/"} {
		for deadline := time.Now().Add(10 * time.Second); ; {
			req := httptest.NewRequest("GET", p, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Header().Get("Content-Encoding") == "gzip" {
				break
			}
			if p == "/verifier.wasm" && !bytes.Equal(rec.Body.Bytes(), o.WASM) {
				t.Fatal("while compressing: the body is not the file")
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never served gzip'd", p)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for _, c := range []struct {
		path, accept string
		gzipped      bool
	}{
		{"/verifier.wasm", "gzip, deflate, br", true},
		{"/verifier.wasm", "", false},
		{"/verifier.wasm", "gzip;q=0", false},
		{"/app.js", "gzip", true},
		{"/wasm_exec.js", "gzip", false}, // 7 bytes here
		{"/", "gzip", true},
	} {
		req := httptest.NewRequest("GET", c.path, nil)
		req.Header.Set("Accept-Encoding", c.accept)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body := rec.Body.Bytes()
		if got := rec.Header().Get("Content-Encoding") == "gzip"; got != c.gzipped {
			t.Errorf("%s (%q): gzip %v", c.path, c.accept, got)
			continue
		}
		if c.gzipped {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") {
				t.Errorf("%s: no Vary", c.path)
			}
		}
		name := strings.TrimPrefix(c.path, "/")
		if name == "" {
			name = "index.html"
		}
		if !bytes.Equal(body, files[name]) {
			t.Errorf("%s (%q): body differs from the file", c.path, c.accept)
		}
	}
}
