package web

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/immunopass/immunopass/credential/hcert"
	"github.com/immunopass/immunopass/credential/hcert/hcerttest"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/verifier"
	"github.com/immunopass/immunopass/verifier/web/webtest"
)

func fakeOptions() Options {
	return Options{WASM: []byte("\x00asm fake"), WASMExec: []byte("// exec"),
		Trust: []File{{Name: "policy.json", Data: []byte("{}")}, {Name: "dir/bundle.json", Data: []byte("{}")}}}
}

// TestSite: the site holds the page, the WebAssembly, the trust files in
// order under trust/, and a service worker whose version and file list are
// filled in and change with any file.
func TestSite(t *testing.T) {
	files, err := Site(fakeOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"index.html", "app.js", "app.css", "i18n.json", "sw.js", "verifier.wasm", "wasm_exec.js", "trust/policy.json", "trust/bundle.json", "trust/manifest.json"} {
		if _, ok := files[p]; !ok {
			t.Errorf("no %s", p)
		}
	}
	var m struct{ Files []string }
	if err := json.Unmarshal(files["trust/manifest.json"], &m); err != nil || strings.Join(m.Files, ",") != "policy.json,bundle.json" {
		t.Errorf("manifest %s: %v", files["trust/manifest.json"], err)
	}
	sw := string(files["sw.js"])
	if strings.Contains(sw, "__VERSION__") || strings.Contains(sw, "__FILES__") || !strings.Contains(sw, `"trust/bundle.json"`) || strings.Contains(sw, `"sw.js"`) {
		t.Errorf("service worker not filled in:\n%s", sw)
	}
	o := fakeOptions()
	o.Trust[1].Data = []byte(`{"v":2}`)
	files2, _ := Site(o)
	if string(files2["sw.js"]) == sw {
		t.Error("the service worker's version does not change with a trust file")
	}
	for _, bad := range []string{"../x", ".hidden", "a b", strings.Repeat("a", 101)} {
		o := fakeOptions()
		o.Trust = []File{{Name: bad, Data: []byte("x")}}
		if _, err := Site(o); err == nil && filepath.Base(bad) == bad {
			t.Errorf("trust file name %q accepted", bad)
		}
	}
	o = fakeOptions()
	o.Trust = append(o.Trust, File{Name: "policy.json", Data: []byte("{}")})
	if _, err := Site(o); err == nil {
		t.Error("two trust files of one name accepted")
	}
	if _, err := Site(Options{}); err != ErrNoWASM {
		t.Errorf("no WASM: %v", err)
	}
	// Every page, script and style comes from the site itself.
	for p, b := range files {
		if strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".css") {
			for _, ext := range []string{"http://", "https://", "//cdn", "fonts.googleapis"} {
				if p != "wasm_exec.js" && strings.Contains(string(b), ext) {
					t.Errorf("%s refers to %q", p, ext)
				}
			}
		}
	}
}

// TestHandler: headers on every response, including refusals.
func TestHandler(t *testing.T) {
	h, err := Handler(fakeOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		method, path string
		code         int
		ctype        string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8"},
		{"GET", "/verifier.wasm", 200, "application/wasm"},
		{"HEAD", "/app.js", 200, "text/javascript; charset=utf-8"},
		{"GET", "/trust/manifest.json", 200, "application/json"},
		{"GET", "/../../etc/passwd", 404, ""},
		{"GET", "/nothing", 404, ""},
		{"POST", "/", 405, ""},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
		if rec.Code != c.code || (c.ctype != "" && rec.Header().Get("Content-Type") != c.ctype) {
			t.Errorf("%s %s: %d %q", c.method, c.path, rec.Code, rec.Header().Get("Content-Type"))
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Content-Security-Policy": CSP, "Referrer-Policy": "no-referrer"} {
			if rec.Header().Get(k) != v {
				t.Errorf("%s %s: %s = %q", c.method, c.path, k, rec.Header().Get(k))
			}
		}
	}
}

func TestExport(t *testing.T) {
	dir := t.TempDir()
	if err := Export(dir, fakeOptions()); err != nil {
		t.Fatal(err)
	}
	files, _ := Site(fakeOptions())
	for p, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil || string(got) != string(want) {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// chromium finds Debian's Chromium; the browser tests need it (make test
// installs it).
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium: make test installs Debian's chromium package")
	}
	t.Skip("no chromium (apt-get install chromium); make test installs it")
	return ""
}

// browser runs a headless Chromium whose camera plays video, and records
// every request the page makes.
type browser struct {
	ctx      context.Context
	cancel   func()
	mu       sync.Mutex
	requests []string
}

func newBrowser(t *testing.T, video string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-video-capture", video),
		// Nothing but the loopback server resolves.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(900, 1200),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	b := &browser{ctx: ctx, cancel: func() { cancelT(); cancelC(); cancelA() }}
	t.Cleanup(b.cancel)
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			b.mu.Lock()
			b.requests = append(b.requests, e.Request.URL)
			b.mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	// chromedp enables the Network domain on every target itself.
	return b
}

type pageStats struct {
	ReadyMs   float64   `json:"readyMs"`
	Frames    int       `json:"frames"`
	FrameMs   []float64 `json:"frameMs"`
	VerdictMs []float64 `json:"verdictMs"`
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// site serves the web app on loopback with the trust the test gives.
func site(t *testing.T, trustFiles []File) (*httptest.Server, Options) {
	t.Helper()
	wasm, exe := webtest.Build(t)
	o := Options{WASM: wasm, WASMExec: exe, Trust: trustFiles}
	h, err := Handler(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, o
}

func screenshot(t *testing.T, b *browser, name string) {
	if dir := os.Getenv("IMMUNOPASS_WEB_SCREENSHOTS"); dir != "" {
		png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBrowserCamera: in headless Chromium with a fake camera playing a
// video of a QR code with noise and motion, the page reads and verifies it
// on the device: the spec's card is VALID with its person's name, the
// revoked one NOT VALID with the reason in words, an EU DCC whose signer
// the page trusts VALID, and a video with no QR code gives no verdict and
// no error. Every request stays on the page's own origin; with the server
// stopped, the service worker still serves the page.
func TestBrowserCamera(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	chromium(t)
	read := func(p string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "shc", p))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	now := time.Now()
	der, key, err := hcerttest.NewDSC(hcerttest.DSCOptions{Country: "FR", NotBefore: now.AddDate(-1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	hc, err := hcert.Issue([]byte(hcerttest.Vaccination), key, hcert.IssueOptions{Issuer: "FR", KID: trust.DSCKID(der),
		IssuedAt: now.AddDate(0, 0, -1), Expires: now.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := site(t, []File{
		{Name: "trust.json", Data: read("trust.json")},
		{Name: "dsc-fr.pem", Data: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})},
	})
	cases := []struct {
		name, lang, text, verdict, person, says string
	}{
		{"shc-valid", "en", strings.TrimSpace(string(read("examples/example-00-f-qr-code-numeric-value-0.txt"))), "valid", "John B. Anyperson", ""},
		{"shc-revoked-ar", "ar", strings.TrimSpace(string(read("examples/example-03-f-qr-code-numeric-value-0.txt"))), "invalid", "", "ألغت جهة الإصدار هذه الشهادة"},
		{"hcert-valid-fr", "fr", hc, "valid", "Amira Haddad", ""},
		{"no-qr", "en", "", "", "", ""},
	}
	var all pageStats
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			video, err := y4m(c.text, 640, 480, 12)
			if err != nil {
				t.Fatal(err)
			}
			vf := filepath.Join(t.TempDir(), "camera.y4m")
			if err := os.WriteFile(vf, video, 0o644); err != nil {
				t.Fatal(err)
			}
			b := newBrowser(t, vf)
			var verdict, name, reasons string
			err = chromedp.Do(b.ctx,
				chromedp.Navigate(srv.URL+"/?lang="+c.lang),
				chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)),
				chromedp.Click(chromedp.ID("camera")))
			if err == nil && c.verdict == "" {
				if err = chromedp.Do(b.ctx, chromedp.Sleep(3*time.Second)); err == nil {
					verdict, err = chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body.dataset.verdict || ""`))
				}
			} else if err == nil {
				if err = chromedp.Do(b.ctx, chromedp.WaitVisible(chromedp.CSS(`body[data-verdict]`))); err == nil {
					verdict, _ = chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body.dataset.verdict`))
					name, _ = chromedp.Run(b.ctx, chromedp.Text(chromedp.ID("name")))
					reasons, err = chromedp.Run(b.ctx, chromedp.TextContent(chromedp.ID("reasons")))
				}
			}
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			screenshot(t, b, "web-"+c.name)
			if verdict != c.verdict || (c.person != "" && name != c.person) || !strings.Contains(reasons, c.says) {
				t.Errorf("%s: verdict %q name %q reasons %q", c.name, verdict, name, reasons)
			}
			st, err := chromedp.Run(b.ctx, chromedp.Evaluate[pageStats](`window.immunopassStats`))
			if err != nil {
				t.Fatal(err)
			}
			if c.verdict == "" && st.Frames < 3 {
				t.Errorf("no-qr: only %d frames were scanned", st.Frames)
			}
			all.ReadyMs = max(all.ReadyMs, st.ReadyMs)
			all.FrameMs = append(all.FrameMs, st.FrameMs...)
			all.VerdictMs = append(all.VerdictMs, st.VerdictMs...)
			b.mu.Lock()
			for _, u := range b.requests {
				if !strings.HasPrefix(u, srv.URL+"/") && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:") {
					t.Errorf("the page asked for %s", u)
				}
			}
			b.mu.Unlock()
		})
	}
	t.Logf("page ready (slowest) %.0f ms; camera frame decode median %.0f ms (%d frames); frame → verdict median %.0f ms",
		all.ReadyMs, median(all.FrameMs), len(all.FrameMs), median(all.VerdictMs))
}

// TestBrowserOffline: after one visit, the service worker serves the page,
// its WebAssembly and its trust with the server gone; and a US-set scanner
// typing on a French desk (keystrokes with no field focused) gives a
// verdict, repaired.
func TestBrowserOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	chromium(t)
	card, err := os.ReadFile(filepath.Join("..", "..", "testdata", "shc", "examples", "example-00-f-qr-code-numeric-value-0.txt"))
	if err != nil {
		t.Fatal(err)
	}
	trustJSON, _ := os.ReadFile(filepath.Join("..", "..", "testdata", "shc", "trust.json"))
	srv, _ := site(t, []File{{Name: "trust.json", Data: trustJSON}})
	vf := filepath.Join(t.TempDir(), "camera.y4m")
	video, _ := y4m("", 320, 240, 2)
	os.WriteFile(vf, video, 0o644)
	b := newBrowser(t, vf)
	if err := chromedp.Do(b.ctx,
		chromedp.Navigate(srv.URL+"/?lang=fr"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-offline="1"]`))); err != nil {
		t.Fatal(err)
	}
	offline, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.ID("offline")))
	if err != nil {
		t.Fatal(err)
	}
	url := srv.URL
	srv.Close()
	if _, err := http.Get(url); err == nil {
		t.Fatal("the server still answers")
	}
	// A US-set scanner on an AZERTY desk: "shc:/5676…" arrives as "shcM!(-è-…".
	frTyped := strings.NewReplacer(":", "M", "/", "!", "1", "&", "2", "é", "3", "\"", "4", "'", "5", "(", "6", "-", "7", "è", "8", "_", "9", "ç", "0", "à").
		Replace(strings.TrimSpace(string(card)))
	if err := chromedp.Do(b.ctx,
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)),
		// What the browser reports for each key a US-set scanner sends on an
		// AZERTY desk: e.key is the layout's character. (Dispatched from the
		// page, as a real scanner types far faster than DevTools key events.)
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[any](`for (const k of `+strconv.Quote(frTyped)+`.split("").concat(["Enter"])) document.dispatchEvent(new KeyboardEvent("keydown", {key: k, bubbles: true})); 0`)(ctx, tg)
			return err
		}),
		chromedp.WaitVisible(chromedp.CSS(`body[data-verdict]`))); err != nil {
		t.Fatalf("offline reload: %v", err)
	}
	verdict, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body.dataset.verdict`))
	name, _ := chromedp.Run(b.ctx, chromedp.Text(chromedp.ID("name")))
	word, _ := chromedp.Run(b.ctx, chromedp.Text(chromedp.ID("word")))
	screenshot(t, b, "web-offline-fr")
	if verdict != "valid" || name != "John B. Anyperson" || word != "VALIDE" {
		t.Errorf("offline, typed on AZERTY: verdict %q name %q word %q", verdict, name, word)
	}
	if !strings.Contains(offline, "hors ligne") {
		t.Errorf("offline note %q", offline)
	}
}

// TestTranslations: the page has every word in English, French and Arabic,
// and every reason and warning code of the verifier in each.
func TestTranslations(t *testing.T) {
	b, err := static.ReadFile("static/i18n.json")
	if err != nil {
		t.Fatal(err)
	}
	var tr map[string]map[string]any
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatal(err)
	}
	en := tr["en"]
	for _, lang := range []string{"en", "fr", "ar"} {
		m := tr[lang]
		if m == nil {
			t.Fatalf("no %s", lang)
		}
		for k := range en {
			if _, ok := m[k]; !ok {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
		for k := range m {
			if _, ok := en[k]; !ok {
				t.Errorf("%s has %q, which English lacks", lang, k)
			}
		}
		reasons, _ := m["reason"].(map[string]any)
		for _, code := range verifier.Codes() {
			if s, _ := reasons[code].(string); s == "" {
				t.Errorf("%s: no words for %q", lang, code)
			}
		}
	}
}
