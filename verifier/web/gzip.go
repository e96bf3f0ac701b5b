package web

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// gzipMin is the smallest file worth compressing.
const gzipMin = 1024

// compressible are the extensions served gzip'd to a browser that takes
// it: verifier.wasm is 18 MB as built and under 5 MB gzip'd, which is most
// of a phone's first visit over Wi-Fi.
var compressible = map[string]bool{".wasm": true, ".js": true, ".json": true, ".html": true, ".css": true, ".svg": true, ".webmanifest": true}

// gzipCache holds each file's gzip'd form, made in the background as soon
// as the handler exists (prepare). Until a file's is ready, it is served as
// it is: a request never waits for compression (18 MB take a second or
// more of a busy core), and `verifier serve` starts listening at once.
type gzipCache struct {
	mu sync.Mutex
	m  map[string]*gzipEntry
}

type gzipEntry struct {
	once  sync.Once
	ready atomic.Bool
	b     []byte
}

func (c *gzipCache) entry(p string) *gzipEntry {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*gzipEntry{}
	}
	e := c.m[p]
	if e == nil {
		e = &gzipEntry{}
		c.m[p] = e
	}
	c.mu.Unlock()
	return e
}

// compress makes file p's gzip'd form, once.
func (c *gzipCache) compress(p string, b []byte) {
	e := c.entry(p)
	e.once.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
		zw.Write(b)
		zw.Close()
		e.b = buf.Bytes()
		e.ready.Store(true)
	})
}

// ready returns file p's gzip'd form, or nil while it is being made.
func (c *gzipCache) ready(p string) []byte {
	if e := c.entry(p); e.ready.Load() {
		return e.b
	}
	return nil
}

// prepare compresses every file worth it, one after the other.
func (c *gzipCache) prepare(files map[string][]byte) {
	for p, b := range files {
		if len(b) >= gzipMin && compressible[path.Ext(p)] {
			c.compress(p, b)
		}
	}
}

// write sends file p's bytes b, gzip'd when the client accepts gzip and the
// file is worth it.
func (c *gzipCache) write(w http.ResponseWriter, r *http.Request, p string, b []byte) {
	if len(b) < gzipMin || !compressible[path.Ext(p)] {
		w.Write(b)
		return
	}
	w.Header().Add("Vary", "Accept-Encoding")
	z := c.ready(p)
	if z == nil || !acceptsGzip(r.Header.Get("Accept-Encoding")) {
		w.Write(b)
		return
	}
	w.Header().Set("Content-Encoding", "gzip")
	w.Header().Set("Content-Length", strconv.Itoa(len(z)))
	w.Write(z)
}

// acceptsGzip reads an Accept-Encoding header (RFC 9110 §12.5.3): gzip
// with a non-zero q, or, when gzip is not named, * with a non-zero q.
func acceptsGzip(h string) bool {
	gz, star := -1.0, -1.0
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for _, prm := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(prm), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil {
					f = 0
				}
				q = f
			}
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "gzip", "x-gzip":
			gz = max(gz, q)
		case "*":
			star = max(star, q)
		}
	}
	if gz >= 0 {
		return gz > 0
	}
	return star > 0
}
