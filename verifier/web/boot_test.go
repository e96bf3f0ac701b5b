package web

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/immunopass/immunopass/verifier/web/webtest"
)

// TestBrowserPlainFileServer: an exported site on a server that sends
// verifier.wasm without the application/wasm type (which streaming
// compilation needs) still starts: boot.js compiles the bytes instead.
func TestBrowserPlainFileServer(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	chromium(t)
	trustJSON, err := os.ReadFile(filepath.Join("..", "..", "testdata", "shc", "trust.json"))
	if err != nil {
		t.Fatal(err)
	}
	wasm, exe := webtest.Build(t)
	dir := t.TempDir()
	if err := Export(dir, Options{WASM: wasm, WASMExec: exe, Trust: []File{{Name: "trust.json", Data: trustJSON}}}); err != nil {
		t.Fatal(err)
	}
	fs := http.FileServer(http.Dir(dir))
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".wasm") {
			w.Header().Set("Content-Type", "application/octet-stream")
		}
		fs.ServeHTTP(w, r)
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	defer srv.Close()
	res, err := http.Get(srv.URL + "/verifier.wasm")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Fatalf("the server sends %q: the test tests nothing", ct)
	}
	vf := filepath.Join(t.TempDir(), "camera.y4m")
	video, _ := y4m("", 320, 240, 2)
	if err := os.WriteFile(vf, video, 0o644); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, vf)
	if err := chromedp.Do(b.ctx, chromedp.Navigate(srv.URL+"/?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`))); err != nil {
		t.Fatalf("the page never became ready: %v", err)
	}
	line, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.ID("trust")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(line, "1 issuer") {
		t.Errorf("trust line %q", line)
	}
}
