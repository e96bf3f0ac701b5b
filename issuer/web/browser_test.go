package web

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/immunopass/immunopass/issuer/service"
)

// The staff pages in headless Chromium, driven as a nurse and an
// administrator would: keyboard sign-in, find/create a patient, two doses,
// preview, issue, the QR code, print, revoke, a campaign with a bad row
// then a good one with its progress, sign out; and the refusals: a forged
// CSRF token, the lockout, a nurse on an administrator's page. One
// browser, one server, a few seconds.
//
// IMMUNOPASS_CLINIC_SCREENSHOTS=DIR also saves every page, in English and
// in Arabic, as DIR/clinic-*.png (scripts/clinic-screenshots.sh).

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium: make test installs Debian's chromium package (make deps-test-apt)")
	}
	t.Skip("no chromium (apt-get install chromium); make test installs it")
	return ""
}

type staffBrowser struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string // screenshots
}

func newStaffBrowser(t *testing.T, base string) *staffBrowser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.Flag("lang", "en-GB"),
		chromedp.UserDataDir(t.TempDir()),
		// A tablet held in landscape at the vaccination desk.
		chromedp.WindowSize(1180, 820),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 120*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return &staffBrowser{t: t, ctx: ctx, base: base, dir: os.Getenv("IMMUNOPASS_CLINIC_SCREENSHOTS")}
}

func (b *staffBrowser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	start := time.Now()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	if d := time.Since(start); d > time.Second {
		b.t.Logf("%s: %s", what, d.Round(time.Millisecond))
	}
}

func (b *staffBrowser) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitReady(chromedp.CSS("main h1")))
}

func (b *staffBrowser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *staffBrowser) eval(js string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: %v", js, err)
	}
	return s
}

// shot saves the page (full height) when screenshots are asked for.
func (b *staffBrowser) shot(name string) { b.t.Helper(); b.screenshot(name, false) }

// shotTop saves the screen only (a long list).
func (b *staffBrowser) shotTop(name string) { b.t.Helper(); b.screenshot(name, true) }

func (b *staffBrowser) screenshot(name string, top bool) {
	b.t.Helper()
	// Nothing is wider than the tablet's screen.
	if w := b.eval(`(() => { const d = document.documentElement; if (d.scrollWidth <= d.clientWidth + 1) return ""; let out = d.scrollWidth + ">" + d.clientWidth; for (const el of document.querySelectorAll("body *")) { const r = el.getBoundingClientRect(); if (r.right > d.clientWidth + 1 || r.left < -1) out += " " + el.tagName + "." + el.className + "#" + el.id + "[" + Math.round(r.left) + "," + Math.round(r.right) + "]"; } return out; })()`); w != "" {
		b.t.Errorf("%s: the page is wider than the screen: %s", name, w)
	}
	if b.dir == "" {
		return
	}
	// A page shorter than the screen: the screen (FullScreenshot offsets a
	// short right-to-left page).
	shot := chromedp.FullScreenshot(100)
	if top || b.eval(`String(document.documentElement.scrollHeight <= innerHeight)`) == "true" {
		shot = chromedp.CaptureScreenshot()
	}
	png, err := chromedp.Run(b.ctx, shot)
	if err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.dir, "clinic-"+name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// shotAr opens the same page in Arabic (right to left, nothing wider than
// the screen), saves it, then comes back to English.
func (b *staffBrowser) shotAr(path, name string) {
	b.t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	b.open(path + sep + "lang=ar")
	if dir := b.eval(`document.documentElement.dir`); dir != "rtl" {
		b.t.Errorf("%s in Arabic: dir=%q", path, dir)
	}
	b.shot(name + "-ar")
	b.open(path + sep + "lang=en")
}

func TestBrowserStaffDesk(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	chromiumPath(t)
	e := newEnv(t, Options{})
	for _, a := range [][3]string{{"nurse1", "nurse password 1", service.RoleNurse}, {"locked1", "locked password 1", service.RoleNurse}} {
		if err := e.svc.CreateAccount("admin", a[0], a[1], a[2]); err != nil {
			t.Fatal(err)
		}
	}
	b := newStaffBrowser(t, e.ts.URL)

	// Sign in with the keyboard only: the user field has the focus.
	b.open("/login?lang=en")
	b.shot("login")
	b.shotAr("/login", "login")
	b.do("keyboard sign-in", chromedp.KeyEvent("nurse1"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("nurse password 1"), chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(`form.search[action="/"]`)))

	// A nurse is refused an administrator's page.
	b.open("/admin/users")
	if got := b.text("main .error"); !strings.Contains(got, "administrators only") {
		t.Errorf("nurse on /admin/users: %q", got)
	}

	// Find the patient: not there yet, so a new one.
	b.open("/patients?q=Haddad")
	if got := b.text("main tbody"); !strings.Contains(got, "No patient matches") {
		t.Errorf("patients: %q", got)
	}
	b.shot("patients-empty")
	b.do("new patient", chromedp.Click(chromedp.ID("new-patient")), chromedp.WaitVisible(chromedp.ID("family")))
	b.do("record two doses",
		chromedp.SendKeys(chromedp.ID("family"), "Haddad"),
		chromedp.SetValue(chromedp.ID("given"), "Amira"),
		chromedp.SetValue(chromedp.ID("patient"), "MRN-4411"),
		chromedp.SetValue(chromedp.ID("birthDate"), "2020-03-04"),
		chromedp.SetValue(chromedp.ID("vaccine0"), "http://hl7.org/fhir/sid/cvx|03"),
		chromedp.SetValue(chromedp.ID("date0"), "2021-03-10"),
		chromedp.SetValue(chromedp.ID("dose0"), "1"),
		chromedp.SetValue(chromedp.ID("series0"), "2"),
		chromedp.SetValue(chromedp.ID("lot0"), "MMR-7731A"),
		chromedp.SetValue(chromedp.ID("vaccine1"), "http://hl7.org/fhir/sid/cvx|03"),
		chromedp.SendKeys(chromedp.ID("date1"), "2031-03-10"), // a typo: in the future
		chromedp.SetValue(chromedp.ID("dose1"), "2"),
		chromedp.SetValue(chromedp.ID("series1"), "2"),
		chromedp.SetValue(chromedp.ID("lot1"), "MMR-8120B"),
		chromedp.Click(chromedp.CSS(`button[value="preview"]`)),
		chromedp.WaitVisible(chromedp.ID("date1-err")))
	// The error is next to its field, the field is marked, nothing is lost.
	if got := b.text("#date1-err"); !strings.Contains(got, "future") {
		t.Errorf("date1 error %q", got)
	}
	if v := b.eval(`document.getElementById("date1").getAttribute("aria-describedby")`); v != "date1-err" {
		t.Errorf("date1 aria-describedby %q", v)
	}
	if id := b.eval(`document.activeElement.id`); id != "date1" {
		t.Errorf("the focus is on %q, not on the field to correct", id)
	}
	b.shot("record-errors")
	b.do("fix the date", chromedp.SetValue(chromedp.ID("date1"), "2024-09-02"),
		chromedp.Click(chromedp.CSS(`button[value="preview"]`)), chromedp.WaitVisible(chromedp.ID("sign")))
	if got := b.text("main table"); !strings.Contains(got, "MMR-7731A") || !strings.Contains(got, "MMR-8120B") || !strings.Contains(got, "2024-09-02") {
		t.Errorf("preview: %q", got)
	}
	b.shot("preview")
	b.do("sign", chromedp.Click(chromedp.ID("sign")), chromedp.WaitVisible(chromedp.CSS("figure.qr img")))
	recordURL := b.eval(`location.pathname`)
	if w := b.eval(`String(document.querySelector("figure.qr img").naturalWidth)`); w == "0" {
		t.Error("the QR code image did not load")
	}
	b.shot("record")
	b.shotAr(recordURL, "record")
	if entries, _ := e.svc.Entries(0); len(entries) != 1 || entries[0].Doses != 2 || entries[0].PatientID != "MRN-4411" {
		t.Fatalf("ledger: %+v", entries)
	}
	// Print: the link opens the PDF (fetched here with the page's session).
	href := b.eval(`document.getElementById("print").getAttribute("href")`)
	if got := b.eval(`fetch(` + jsString(href) + `).then(r => r.headers.get("content-type") + " " + r.status)`); got != "application/pdf 200" {
		t.Errorf("print: %q", got)
	}
	// The patient is found now.
	b.open("/patients?q=amira")
	if got := b.text("main tbody"); !strings.Contains(got, "MRN-4411") {
		t.Errorf("patients after issuing: %q", got)
	}
	b.shot("patients")
	b.shotAr("/patients?q=amira", "patients")
	// French has the longest labels: the record form still fits.
	b.open("/records/new?lang=fr")
	if got := b.text("main h1"); got != "Saisir et émettre" {
		t.Errorf("French record form: %q", got)
	}
	b.shot("record-new-fr")
	b.open("/?lang=en")
	b.open("/")
	b.shot("ledger")
	b.shotAr("/", "ledger")

	// A campaign with a bad row: the report; then a good one, its progress.
	bad := filepath.Join(t.TempDir(), "school-day.csv")
	os.WriteFile(bad, []byte(campaignCSV(4)+"Nasser,Lina,2016-02-30,http://hl7.org/fhir/sid/cvx,03,2017-03-01,1,,L9,,AE\n"), 0o644)
	b.open("/batches")
	b.do("upload a bad campaign", chromedp.SetUploadFiles(chromedp.ID("csv"), []string{bad}),
		chromedp.Click(chromedp.CSS(`#upload button`)), chromedp.WaitVisible(chromedp.ID("problems")))
	if got := b.text("#problems tbody"); !strings.Contains(got, "10") || !strings.Contains(got, "birth_date") {
		t.Errorf("campaign report: %q", got)
	}
	b.shot("campaign-errors")
	if dir := b.eval(`document.documentElement.lang`); dir != "en" {
		t.Errorf("lang %q", dir)
	}
	defer func(n int) { BatchGroup, afterGroup = n, nil }(BatchGroup)
	// Several groups, slow enough that the page sees them go by; the first
	// waits until the progress page is on the screen.
	release, first := make(chan struct{}), true
	BatchGroup, afterGroup = 50, func() {
		if first {
			first = false
			select {
			case <-release:
			case <-time.After(30 * time.Second):
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	good := filepath.Join(t.TempDir(), "school-day.csv")
	os.WriteFile(good, []byte(campaignCSV(400)), 0o644)
	b.do("upload a good campaign", chromedp.SetUploadFiles(chromedp.ID("csv"), []string{good}),
		chromedp.Click(chromedp.CSS(`#upload button`)), chromedp.WaitVisible(chromedp.ID("bar")))
	if st := b.eval(`document.getElementById("job").dataset.state`); st != "issuing" {
		t.Errorf("the campaign page opened in state %q", st)
	}
	close(release)
	b.do("watch the progress", chromedp.WaitVisible(chromedp.ID("results")))
	if got := b.eval(`document.getElementById("bar").value + "/" + document.getElementById("bar").max + " " + document.getElementById("job").dataset.updates`); !strings.HasPrefix(got, "400/400 ") || strings.HasSuffix(got, " undefined") {
		t.Errorf("progress bar and events: %s", got)
	}
	jobURL := b.eval(`location.pathname`)
	b.shot("campaign")
	b.shotAr(jobURL, "campaign")
	b.open("/batches")
	b.shot("campaigns")
	if got := b.eval(`fetch(document.querySelector("tbody a").href + "/results.zip").then(r => r.headers.get("content-type") + " " + r.status)`); got != "application/zip 200" {
		t.Errorf("results: %q", got)
	}
	b.open("/?lang=en")
	b.shotTop("ledger-after-campaign")

	// A forged CSRF token is refused, and the session stays.
	b.open("/records/new")
	b.eval(`document.querySelector("form.record input[name=csrf]").value = "forged"`)
	b.do("forge", chromedp.Click(chromedp.CSS(`button[value="preview"]`)), chromedp.WaitVisible(chromedp.CSS("main .error")))
	if got := b.text("main .error"); !strings.Contains(got, "security token") {
		t.Errorf("forged CSRF: %q", got)
	}
	b.shot("csrf-refused")

	// Sign out (the refusal page keeps the header).
	b.do("sign out", chromedp.Click(chromedp.CSS(".signout button")), chromedp.WaitVisible(chromedp.ID("password")))
	b.open("/")
	if got := b.eval(`location.pathname`); got != "/login" {
		t.Errorf("after signing out, / is %s", got)
	}

	// Lockout after failed sign-ins.
	for i := range service.MaxFailures {
		b.open("/login")
		b.do("wrong password", chromedp.SendKeys(chromedp.ID("user"), "locked1"), chromedp.SendKeys(chromedp.ID("password"), "not the password"),
			chromedp.Submit(chromedp.ID("password")), chromedp.WaitVisible(chromedp.CSS("main .error")))
		got := b.text("main .error")
		if i < service.MaxFailures-1 && !strings.Contains(got, "Wrong user name or password") || i == service.MaxFailures-1 && !strings.Contains(got, "locked") {
			t.Errorf("attempt %d: %q", i+1, got)
		}
	}
	b.shot("locked")

	// An administrator revokes the record.
	e.clock.add(time.Minute) // the sign-in rate limit refills
	b.open("/login")
	b.do("admin sign-in", chromedp.SendKeys(chromedp.ID("user"), "admin"), chromedp.SendKeys(chromedp.ID("password"), adminPwd),
		chromedp.Submit(chromedp.ID("password")), chromedp.WaitVisible(chromedp.CSS(`form.search[action="/"]`)))
	b.open(recordURL)
	b.do("revoke", chromedp.SendKeys(chromedp.ID("reason"), "entered for the wrong child"),
		chromedp.Click(chromedp.CSS("button.danger")), chromedp.WaitVisible(chromedp.CSS("main .notice")))
	if got := b.text("dd.status-revoked"); !strings.Contains(got, "revoked") {
		t.Errorf("after revoking: %q", got)
	}
	b.shot("record-revoked")
	for _, p := range []struct{ path, name string }{{"/admin/users", "users"}, {"/admin/audit", "audit"}, {"/admin/tokens", "tokens"}} {
		b.open(p.path)
		b.shotTop(p.name)
	}
	b.shotAr("/admin/users", "users")
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
