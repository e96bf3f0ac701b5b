package web

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/oid4vci"
	"github.com/immunopass/immunopass/issuer/service"
)

// TestCatalogCoversTemplates: every text the templates translate has its
// French and Arabic.
func TestCatalogCoversTemplates(t *testing.T) {
	re := regexp.MustCompile(`\{\{T "([^"]+)"`)
	entries, err := templateFS.ReadDir("templates")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, de := range entries {
		data, _ := templateFS.ReadFile("templates/" + de.Name())
		for _, m := range re.FindAllStringSubmatch(string(data), -1) {
			n++
			for _, lang := range []string{"fr", "ar"} {
				if catalog[lang][m[1]] == "" {
					t.Errorf("%s: %q has no %s translation", de.Name(), m[1], lang)
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d texts found in the templates", n)
	}
	for _, g := range vaccineGroups() {
		if catalog["fr"][g.Disease] == "" || catalog["ar"][g.Disease] == "" {
			t.Errorf("disease %q of the vaccine picker is not translated", g.Disease)
		}
	}
}

// TestLanguagesAndRTL: ?lang= switches and is remembered, Accept-Language
// picks the first known language, Arabic pages are dir="rtl", and the style
// sheet uses logical properties only (so that RTL mirrors everything).
func TestLanguagesAndRTL(t *testing.T) {
	e := newEnv(t, Options{})
	b := e.browser()
	body, _ := e.get(b, "/login?lang=ar", 200)
	for _, want := range []string{`<html lang="ar" dir="rtl">`, "تسجيل الدخول", `<span lang="ar" aria-current="true">العربية</span>`, `href="/login?lang=fr"`} {
		if !strings.Contains(body, want) {
			t.Errorf("Arabic sign-in page lacks %q", want)
		}
	}
	body, _ = e.get(b, "/login", 200) // the cookie remembers
	if !strings.Contains(body, `dir="rtl"`) {
		t.Error("the language choice is not remembered")
	}
	req, _ := http.NewRequest("GET", e.ts.URL+"/login", nil)
	req.Header.Set("Accept-Language", "de-CH, fr-CA;q=0.8, en;q=0.5")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body = e.check(resp, "GET", "/login", 200)
	if !strings.Contains(body, `<html lang="fr" dir="ltr">`) || !strings.Contains(body, "Se connecter") {
		t.Errorf("Accept-Language fr not followed:\n%.500s", body)
	}
	// Messages made in Go are translated too, in the page's language.
	e.get(b, "/login?lang=fr", 200)
	body = e.login(b, "admin", "wrong password!", http.StatusUnauthorized)
	if !strings.Contains(body, "Nom d'utilisateur ou mot de passe incorrect.") && !strings.Contains(body, "Nom d&#39;utilisateur ou mot de passe incorrect.") {
		t.Errorf("the sign-in error is not in French:\n%.1500s", body)
	}
	css, _ := staticFS.ReadFile("static/style.css")
	if m := regexp.MustCompile(`(?m)(margin|padding|border)-(left|right)|text-align:\s*(left|right)|[{;]\s*(left|right):|float:\s*(left|right)`).FindString(string(css)); m != "" {
		t.Errorf("style.css uses a physical property (%s): use logical ones (inline-start/end)", m)
	}
}

// luminance is WCAG 2's relative luminance of #rrggbb.
func luminance(t *testing.T, hex string) float64 {
	t.Helper()
	v, err := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	if err != nil || len(hex) != 7 {
		t.Fatalf("colour %q", hex)
	}
	ch := func(c uint64) float64 {
		s := float64(c) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(v>>16&0xff) + 0.7152*ch(v>>8&0xff) + 0.0722*ch(v&0xff)
}

func contrast(t *testing.T, a, b string) float64 {
	la, lb := luminance(t, a), luminance(t, b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// TestContrast checks the style sheet's colours against WCAG 2.2 AA: 4.5:1
// for text, 3:1 for the borders of fields and the focus ring (1.4.11).
func TestContrast(t *testing.T) {
	css, _ := staticFS.ReadFile("static/style.css")
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`--([a-z-]+):\s*(#[0-9a-fA-F]{6})`).FindAllStringSubmatch(string(css), -1) {
		vars[m[1]] = m[2]
	}
	for _, c := range []struct {
		fg, bg string
		min    float64
		what   string
	}{
		{"fg", "bg", 4.5, "text"},
		{"on-accent", "accent", 4.5, "header, buttons"},
		{"accent", "bg", 4.5, "links, secondary buttons"},
		{"accent", "soft", 4.5, "file field"},
		{"fg", "soft", 4.5, "file field text"},
		{"err", "bg", 4.5, "errors"},
		{"on-accent", "err", 4.5, "danger buttons"},
		{"ok", "bg", 4.5, "notices, valid status"},
		{"muted", "bg", 4.5, "hints"},
		{"field", "bg", 3, "field borders"},
		{"focus", "bg", 3, "focus ring"},
		{"on-accent", "accent", 3, "focus ring in the header"},
	} {
		fg, bg := vars[c.fg], vars[c.bg]
		if fg == "" || bg == "" {
			t.Errorf("style.css lacks --%s or --%s", c.fg, c.bg)
			continue
		}
		if r := contrast(t, fg, bg); r < c.min {
			t.Errorf("%s: --%s %s on --%s %s is %.2f:1, want ≥ %.1f:1", c.what, c.fg, fg, c.bg, bg, r, c.min)
		}
	}
	// Every colour in the sheet is one of the variables, so the list above
	// covers them.
	for _, m := range regexp.MustCompile(`#[0-9a-fA-F]{3,6}\b`).FindAllStringIndex(string(css), -1) {
		line := string(css[:m[0]])
		line = line[strings.LastIndexByte(line, '\n')+1:]
		if !strings.HasPrefix(line, ":root") && !strings.HasPrefix(line, ".secret") && !strings.HasPrefix(line, ".qr") {
			t.Errorf("colour %s outside :root: %s…", css[m[0]:m[1]], line)
		}
	}
	if r := contrast(t, "#1a1a1a", "#f3f3f3"); r < 4.5 { // .secret code
		t.Errorf(".secret code: %.2f", r)
	}
}

// nurseEnv is a service with a signed-in nurse.
func nurseEnv(t *testing.T) (*env, *http.Client) {
	e := newEnv(t, Options{})
	if err := e.svc.CreateAccount("admin", "nurse1", "nurse password 1", service.RoleNurse); err != nil {
		t.Fatal(err)
	}
	nurse := e.browser()
	e.login(nurse, "nurse1", "nurse password 1", http.StatusSeeOther)
	return e, nurse
}

// TestPreviewPatientsAndPrint: the form's Preview shows what will be signed
// and issues nothing; "Sign and issue" issues; the patient is then found
// by name and by clinic id, with a link to a filled-in form; the printout
// is a two-page PDF.
func TestPreviewPatientsAndPrint(t *testing.T) {
	e, nurse := nurseEnv(t)
	_, csrf := e.get(nurse, "/records/new", 200)
	form := url.Values{"csrf": {csrf}, "patient": {"MRN-7"}, "family": {"Haddad"}, "given": {"Amira"}, "birthDate": {"2020-03-04"},
		"vaccine0": {"http://hl7.org/fhir/sid/cvx|08"}, "date0": {"2020-03-05"}, "dose0": {"1"}, "series0": {"3"}, "lot0": {"HB-1"},
		"vaccine1": {"https://ec.europa.eu/health/documents/community-register/html/|EU/1/20/1528"}, "date1": {"2021-06-01"}, "lot1": {"FF-22"},
		"step": {"preview"}}
	body := e.post(nurse, "/records", form, http.StatusOK)
	for _, want := range []string{"Check before signing", "CVX 08", "HB-1", "Comirnaty", "1 / 3", `name="step" value="issue"`, `name="lot1" value="FF-22"`} {
		if !strings.Contains(body, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	if entries, _ := e.svc.Entries(0); len(entries) != 0 {
		t.Fatal("the preview issued")
	}
	// A preview of a bad form shows the errors instead.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("date1", "2031-01-01")
	body = e.post(nurse, "/records", bad, http.StatusUnprocessableEntity)
	if !strings.Contains(body, "future") || strings.Contains(body, "Check before signing") {
		t.Errorf("preview of a bad form:\n%.500s", body)
	}
	form.Set("step", "edit")
	body = e.post(nurse, "/records", form, http.StatusOK)
	if !strings.Contains(body, `value="FF-22"`) || !strings.Contains(body, `Preview what will be signed`) {
		t.Error("Change does not give the form back filled in")
	}
	form.Set("step", "issue")
	resp, err := nurse.PostForm(e.ts.URL+"/records", form)
	if err != nil {
		t.Fatal(err)
	}
	e.check(resp, "POST", "/records", http.StatusSeeOther)
	id := strings.TrimPrefix(resp.Header.Get("Location"), "/records/")
	body, _ = e.get(nurse, "/records/"+id, 200)
	if !strings.Contains(body, "/records/"+id+"/print.pdf") {
		t.Error("no print link on the record page")
	}

	for _, q := range []string{"amira", "HADDAD", "MRN-7", "Amira Haddad"} {
		body, _ = e.get(nurse, "/patients?q="+url.QueryEscape(q), 200)
		if !strings.Contains(body, "2020-03-04") || !strings.Contains(body, "/records/new?birthDate=2020-03-04&amp;family=Haddad&amp;given=Amira&amp;patient=MRN-7") {
			t.Errorf("patients?q=%s:\n%.3000s", q, body)
		}
	}
	body, _ = e.get(nurse, "/patients?q=nobody", 200)
	if !strings.Contains(body, "No patient matches") {
		t.Error("no 'no match' line")
	}
	body, _ = e.get(nurse, "/records/new?birthDate=2020-03-04&family=Haddad&given=Amira&patient=MRN-7", 200)
	if !strings.Contains(body, `id="family" name="family" value="Haddad"`) || !strings.Contains(body, `value="MRN-7"`) {
		t.Error("the form is not filled in from the link")
	}

	resp, err = nurse.Get(e.ts.URL + "/records/" + id + "/print.pdf")
	if err != nil {
		t.Fatal(err)
	}
	pdf := e.check(resp, "GET", "/records/"+id+"/print.pdf", 200)
	if resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf, "%PDF-") ||
		!strings.Contains(pdf, "/Count 2") || !strings.Contains(pdf, "/Subtype /Image") {
		t.Errorf("printout: %s, %.200q", resp.Header.Get("Content-Type"), pdf)
	}
	resp, _ = nurse.Get(e.ts.URL + "/records/nope/print.pdf")
	e.check(resp, "GET", "/records/nope/print.pdf", 404)
}

const campaignHead = "family,given,birth_date,vaccine_system,vaccine_code,date,dose,series,lot,performer,country\n"

func campaignCSV(n int) string {
	var b strings.Builder
	b.WriteString(campaignHead)
	for i := range n {
		fmt.Fprintf(&b, "Pupil%d,Sam,2015-0%d-1%d,http://hl7.org/fhir/sid/cvx,03,2016-05-0%d,1,2,LOT%d,School clinic,FR\n", i, 1+i%9, i%10, 1+i%9, i)
		fmt.Fprintf(&b, "Pupil%d,Sam,2015-0%d-1%d,http://hl7.org/fhir/sid/cvx,03,2019-05-0%d,2,2,LOT%d,School clinic,FR\n", i, 1+i%9, i%10, 1+i%9, i)
	}
	return b.String()
}

func uploadCSV(t *testing.T, e *env, c *http.Client, csrf, name, data string, want int) *http.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", csrf)
	fw, _ := mw.CreateFormFile("csv", name)
	fw.Write([]byte(data))
	mw.Close()
	req, _ := http.NewRequest("POST", e.ts.URL+"/batches", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("upload: %s, want %d\n%.2000s", resp.Status, want, b)
	}
	return resp
}

// readEvents reads a server-sent event stream to its end.
func readEvents(t testing.TB, r io.Reader) (names []string, last BatchStatus) {
	t.Helper()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if n, ok := strings.CutPrefix(line, "event: "); ok {
			names = append(names, n)
		}
		if d, ok := strings.CutPrefix(line, "data: "); ok {
			if err := json.Unmarshal([]byte(d), &last); err != nil {
				t.Fatalf("event data %q: %v", d, err)
			}
		}
	}
	return names, last
}

func checkResultsZip(t *testing.T, data []byte, people int) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	pdfs := 0
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		switch {
		case f.Name == "campaign.csv":
			rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
			if err != nil || len(rows) != people+1 || strings.Join(rows[0], ",") != "n,line,family,given,birth_date,ledger_id,status,pdf,offer_link,offer_pin" {
				t.Fatalf("campaign.csv: %v %q", err, b)
			}
			if rows[1][2] != "Pupil0" || rows[1][1] != "2" || rows[1][6] != "valid" || rows[2][1] != "4" {
				t.Errorf("campaign.csv rows: %q", rows[1:3])
			}
			// Every valid row has its own OpenID4VCI offer and PIN.
			links := map[string]bool{}
			for _, row := range rows[1:] {
				if row[6] != "valid" {
					continue
				}
				o, err := oid4vci.ParseOffer(row[8])
				if err != nil || o.PreAuthorizedCode == "" || links[row[8]] || len(row[9]) != oid4vci.PINLength || strings.Trim(row[9], "0123456789") != "" {
					t.Fatalf("row %s: offer %q PIN %q: %v", row[0], row[8], row[9], err)
				}
				links[row[8]] = true
			}
		case strings.HasSuffix(f.Name, ".pdf"):
			pdfs++
			if !bytes.HasPrefix(b, []byte("%PDF-")) {
				t.Errorf("%s is not a PDF", f.Name)
			}
		}
	}
	if pdfs != people {
		t.Errorf("%d PDFs, want %d", pdfs, people)
	}
}

// TestBatchUploadReportsRowsThenIssues: a file with bad rows gets the list
// (line, column, problem) and nothing is issued; a good one is issued, its
// progress streamed, its results zipped.
func TestBatchUploadReportsRowsThenIssues(t *testing.T) {
	e, nurse := nurseEnv(t)
	body, csrf := e.get(nurse, "/batches", 200)
	if !strings.Contains(body, `enctype="multipart/form-data"`) {
		t.Fatal("no upload form")
	}
	bad := campaignCSV(3) + "Late,Kid,2015-01-01,http://hl7.org/fhir/sid/cvx,03,2016-13-01,1,,L,,FR\n" +
		"Early,Kid,2015-01-01,http://hl7.org/fhir/sid/cvx,03,2014-12-01,1,,L,,FR\n"
	resp := uploadCSV(t, e, nurse, csrf, "school.csv", bad, http.StatusUnprocessableEntity)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(b)
	for _, want := range []string{"Nothing was issued", "school.csv", "<td>8</td><td dir=\"ltr\">date</td><td>not a date (want YYYY-MM-DD)</td>", "<td>9</td><td dir=\"ltr\">date</td><td>before birth date 2015-01-01</td>"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q:\n%.4000s", want, page)
		}
	}
	if entries, _ := e.svc.Entries(0); len(entries) != 0 {
		t.Fatal("a bad campaign issued something")
	}
	// Without the CSRF token: refused.
	uploadCSV(t, e, nurse, "", "school.csv", campaignCSV(2), http.StatusForbidden)

	resp = uploadCSV(t, e, nurse, csrf, "school.csv", campaignCSV(12), http.StatusSeeOther)
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, "/batches/") {
		t.Fatalf("redirect to %q", loc)
	}
	resp, err := nurse.Get(e.ts.URL + loc + "/events")
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("events: %s", ct)
	}
	names, last := readEvents(t, resp.Body)
	resp.Body.Close()
	if len(names) == 0 || names[len(names)-1] != "done" || last.Done != 12 || last.Total != 12 || last.Rows != 24 {
		t.Fatalf("events %v, last %+v", names, last)
	}
	body, _ = e.get(nurse, loc, 200)
	if !strings.Contains(body, `data-state="done"`) || !strings.Contains(body, loc+"/results.zip") {
		t.Errorf("job page:\n%.3000s", body)
	}
	resp, _ = nurse.Get(e.ts.URL + loc + "/results.zip")
	data := e.check(resp, "GET", loc+"/results.zip", 200)
	checkResultsZip(t, []byte(data), 12)
	if entries, _ := e.svc.Entries(0); len(entries) != 12 {
		t.Fatalf("%d ledger entries, want 12", len(entries))
	}
	audit, _ := e.svc.Audit(0, 0)
	if !strings.Contains(audit[len(audit)-1].Detail, "campaign ") {
		t.Errorf("audit entry %+v does not name the campaign", audit[len(audit)-1])
	}
	if _, err := service.VerifyAudit(audit); err != nil {
		t.Fatal(err)
	}
	e.get(nurse, "/batches/nope", 404)
}

// TestBatchAPI: POST text/csv; a bad file gets an OperationOutcome with an
// issue per problem, a good one 202 and its status, then the results.
func TestBatchAPI(t *testing.T) {
	e := newEnv(t, Options{})
	tok, _, _ := e.svc.CreateToken("admin", "emr", []string{service.ScopeRecordsWrite, service.ScopeRecordsRead})
	do := func(method, path, ct, body string, want int) (*http.Response, string) {
		req, _ := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp, e.check(resp, method, path, want)
	}
	bad := campaignHead + "A,B,2015-01-01,http://hl7.org/fhir/sid/cvx,,2016-01-01,x,,L,,FR\n"
	_, out := do("POST", "/api/v1/batches", "text/csv", bad, http.StatusUnprocessableEntity)
	var oo OperationOutcome
	json.Unmarshal([]byte(out), &oo)
	if len(oo.Issue) != 2 || oo.Issue[0].Expression[0] != "line[2].vaccine_code" || oo.Issue[1].Expression[0] != "line[2].dose" {
		t.Errorf("outcome %s", out)
	}
	do("POST", "/api/v1/batches", "application/json", "{}", http.StatusUnsupportedMediaType)
	resp, out := do("POST", "/api/v1/batches?name=school.csv", "text/csv; charset=utf-8", campaignCSV(5), http.StatusAccepted)
	var st BatchStatus
	json.Unmarshal([]byte(out), &st)
	if st.Total != 5 || resp.Header.Get("Location") != "/api/v1/batches/"+st.ID {
		t.Fatalf("status %s, Location %s", out, resp.Header.Get("Location"))
	}
	deadline := time.Now().Add(20 * time.Second)
	for st.State == "issuing" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		_, out = do("GET", "/api/v1/batches/"+st.ID, "", "", 200)
		json.Unmarshal([]byte(out), &st)
	}
	if st.State != "done" || st.Done != 5 || st.Results != "/api/v1/batches/"+st.ID+"/results.zip" {
		t.Fatalf("status %s", out)
	}
	_, data := do("GET", st.Results, "", "", 200)
	checkResultsZip(t, []byte(data), 5)
	_, events := do("GET", "/api/v1/batches/"+st.ID+"/events", "", "", 200)
	if names, last := readEvents(t, strings.NewReader(events)); len(names) != 1 || names[0] != "done" || last.Done != 5 {
		t.Errorf("events of a finished campaign: %q", events)
	}
	do("GET", "/api/v1/batches/nope", "", "", 404)
}

func TestTranslateKeepsValues(t *testing.T) {
	for _, c := range []struct{ lang, in, want string }{
		{"fr", `in the future "2031-03-10"`, `dans le futur "2031-03-10"`},
		{"ar", "before birth date 2015-01-01", "قبل تاريخ الميلاد 2015-01-01"},
		{"fr", "Sign in", "Se connecter"},
		{"fr", "Signing key x", "Clé de signature x"},
		{"fr", "Idle", "Idle"},
		{"en", "in the future", "in the future"},
		{"fr", "Id 3", "Id 3"}, // too short a text to match a prefix
	} {
		if got := translate(c.lang, c.in); got != c.want {
			t.Errorf("translate(%s, %q) = %q, want %q", c.lang, c.in, got, c.want)
		}
	}
}

func TestAnchoringWords(t *testing.T) {
	for _, c := range []struct {
		e    any
		want string
	}{
		{service.Entry{}, "not configured"},
		{&service.Entry{}, "not configured"},
		{service.Entry{Anchoring: service.AnchorPending}, "pending"},
		{&service.Entry{Anchoring: service.AnchorNotConfigured}, "not configured"},
		{&service.Entry{Anchoring: service.AnchorAnchored}, "anchored"},
		{nil, "not configured"},
	} {
		if got := anchoring(c.e); got != c.want {
			t.Errorf("anchoring(%#v) = %q, want %q", c.e, got, c.want)
		}
	}
}

// TestBatchFailureIsReported: a campaign stopped by a server problem after
// its first group says so (how many were issued before), in its status and
// its events, and has no results.
func TestBatchFailureIsReported(t *testing.T) {
	e := newEnv(t, Options{})
	tok, _, _ := e.svc.CreateToken("admin", "emr", []string{service.ScopeRecordsWrite, service.ScopeRecordsRead})
	defer func(n int) { BatchGroup, afterGroup = n, nil }(BatchGroup)
	BatchGroup = 10
	afterGroup = func() {
		afterGroup = nil
		// The database goes away under the campaign.
		e.svc.Close()
	}
	req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/batches", strings.NewReader(campaignCSV(30)))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var st BatchStatus
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST: %s", resp.Status)
	}
	j := e.srv.batches.get(st.ID)
	deadline := time.Now().Add(10 * time.Second)
	for j.status("").State == jobIssuing && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	got := j.status("")
	if got.State != jobFailed || got.Done != 10 || !strings.Contains(got.Error, "10 of 30 records were issued before it") || got.Results != "" {
		t.Fatalf("status %+v", got)
	}
	// The status and results answer without the database (the token check
	// needs it, so ask the handlers directly).
	rec := &discardWriter{h: http.Header{}}
	r := httptestRequest("GET", "/api/v1/batches/"+st.ID+"/results.zip")
	r.SetPathValue("id", st.ID)
	e.srv.batchResults(rec, r)
	if rec.code != http.StatusConflict {
		t.Errorf("results of a failed campaign: %d", rec.code)
	}
}

func httptestRequest(method, target string) *http.Request {
	r, _ := http.NewRequest(method, target, nil)
	return r
}
