package web

import (
	"context"
	"encoding/pem"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/immunopass/immunopass/credential/hcert/hcerttest"
	"github.com/immunopass/immunopass/verifier/web/webtest"
)

// bootMarks are the page's own timings (boot.js, app.js), in ms since the
// navigation started.
type bootMarks struct {
	BootMs         float64 `json:"bootMs"`         // boot.js ran
	CompiledMs     float64 `json:"compiledMs"`     // verifier.wasm downloaded and compiled
	TrustFetchedMs float64 `json:"trustFetchedMs"` // trust files downloaded
	InstantiatedMs float64 `json:"instantiatedMs"` // module instantiated, Go starting
	GoReadyMs      float64 `json:"goReadyMs"`      // Go initialised, main running
	TrustLoadedMs  float64 `json:"trustLoadedMs"`  // trust files loaded into the verifier
	ReadyMs        float64 `json:"readyMs"`        // the page takes codes
	WarmedMs       float64 `json:"warmedMs"`       // the warm-up verification done (webapi.App.Warm)
	// measured by the benchmark after the warm-up: immunopass.submit of
	// the spec's card, the first time and the next
	FirstSubmitMs, NextSubmitMs float64
}

// BenchmarkPageReady loads the web app in headless Chromium (a new browser
// for each iteration: a first visit, nothing cached), then once more (a
// second visit: the service worker's cache and V8's code cache), and
// reports the median of each of the page's timing marks, in ms since
// navigation. The goal is first-visit ready ≤ 2000 ms. Run it with a small
// -benchtime (5x): each iteration starts a browser.
func BenchmarkPageReady(b *testing.B) {
	path := ""
	for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if x, err := exec.LookPath(p); err == nil {
			path = x
			break
		}
	}
	if path == "" {
		b.Skip("no chromium")
	}
	trustJSON, err := os.ReadFile(filepath.Join("..", "..", "testdata", "shc", "trust.json"))
	if err != nil {
		b.Fatal(err)
	}
	cardText, err := os.ReadFile(filepath.Join("..", "..", "testdata", "shc", "examples", "example-00-f-qr-code-numeric-value-0.txt"))
	if err != nil {
		b.Fatal(err)
	}
	card := strings.TrimSpace(string(cardText))
	der, _, err := hcerttest.NewDSC(hcerttest.DSCOptions{Country: "FR", NotBefore: time.Now().AddDate(-1, 0, 0)})
	if err != nil {
		b.Fatal(err)
	}
	wasm, exe := webtest.Build(b)
	h, err := Handler(Options{WASM: wasm, WASMExec: exe, Trust: []File{
		{Name: "trust.json", Data: trustJSON},
		{Name: "dsc-fr.pem", Data: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})},
	}})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	defer srv.Close()
	var first, second []bootMarks
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path), chromedp.NoSandbox,
			chromedp.Flag("disable-gpu", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
			chromedp.UserDataDir(b.TempDir()))
		actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelC := chromedp.NewContext(actx)
		ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
		load := func() bootMarks {
			err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/?lang=en"),
				chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.immunopassBoot.marks.warmedMs > 0`)); err != nil {
				b.Fatal(err)
			}
			bm, err := chromedp.Run(ctx, chromedp.Evaluate[bootMarks](`(() => {
				const time = () => { const t = performance.now(); immunopass.submit(`+strconv.Quote(card)+`); immunopass.reset(); return performance.now() - t; };
				const first = time(), next = time();
				return Object.assign({}, window.immunopassBoot.marks, {readyMs: window.immunopassStats.readyMs, FirstSubmitMs: first, NextSubmitMs: next});
			})()`))
			if err != nil {
				b.Fatal(err)
			}
			return bm
		}
		first = append(first, load())
		// The service worker is installed once the verifier is ready.
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`body[data-offline="1"]`))); err != nil {
			b.Fatal(err)
		}
		second = append(second, load())
		cancelT()
		cancelC()
		cancelA()
	}
	b.StopTimer()
	report := func(prefix string, ms []bootMarks) {
		med := func(f func(bootMarks) float64) float64 {
			var xs []float64
			for _, m := range ms {
				xs = append(xs, f(m))
			}
			slices.Sort(xs)
			return xs[len(xs)/2]
		}
		b.ReportMetric(med(func(m bootMarks) float64 { return m.CompiledMs }), prefix+"compiled-ms")
		b.ReportMetric(med(func(m bootMarks) float64 { return m.GoReadyMs - m.InstantiatedMs }), prefix+"goinit-ms")
		b.ReportMetric(med(func(m bootMarks) float64 { return m.TrustLoadedMs - m.GoReadyMs }), prefix+"trustload-ms")
		b.ReportMetric(med(func(m bootMarks) float64 { return m.ReadyMs }), prefix+"ready-ms")
		b.ReportMetric(med(func(m bootMarks) float64 { return m.WarmedMs - m.ReadyMs }), prefix+"warm-ms")
		b.ReportMetric(med(func(m bootMarks) float64 { return m.FirstSubmitMs }), prefix+"submit1-ms")
		b.ReportMetric(med(func(m bootMarks) float64 { return m.NextSubmitMs }), prefix+"submit2-ms")
	}
	report("first-", first)
	report("second-", second)
	b.ReportMetric(float64(len(wasm))/1e6, "wasm-MB")
}
