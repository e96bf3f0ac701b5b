package station

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/registry"
	"github.com/immunopass/immunopass/verifier"
	"github.com/immunopass/immunopass/verifier/verifiertest"
)

func TestMain(m *testing.M) {
	hashParams = kdfParams{Memory: 64, Time: 1, Threads: 1}
	os.Exit(m.Run())
}

func TestParseSettings(t *testing.T) {
	hash, err := HashPassphrase("supervisor 1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, json, want string // want: "" = accepted, else part of the error
	}{
		{"defaults", `{}`, ""},
		{"full", `{"language":"fr","autoClear":30,"layout":"de","count":true,"kiosk":true,"supervisor":"` + hash + `"}`, ""},
		{"unknown member", `{"lang":"fr"}`, "unknown field"},
		{"language", `{"language":"de"}`, `language "de"`},
		{"layout", `{"layout":"dvorak"}`, `layout "dvorak"`},
		{"negative delay", `{"autoClear":-1}`, "auto-clear delay -1"},
		{"kiosk without hash", `{"kiosk":true}`, "kiosk mode without"},
		{"hash not argon2id", `{"supervisor":"$2a$10$abc"}`, "not an argon2id PHC string"},
		{"huge memory", `{"supervisor":"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$` + strings.Repeat("A", 43) + `"}`, "out of range"},
		{"not JSON", `kiosk=false`, "not valid settings JSON"},
		{"context and sound", `{"context":"school-entry-ae","sound":true}`, ""},
		{"context not a name", `{"context":"../School Entry"}`, `context "../School Entry" is not a context policy name`},
		{"trailing data", `{} {"kiosk":true}`, "data after"},
	} {
		s, err := ParseSettings("settings.json", []byte(c.json))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: got %v, want an error with %q", c.name, err, c.want)
		case c.want != "":
			var se *SettingsError
			if !errors.As(err, &se) || s != DefaultSettings() {
				t.Errorf("%s: want a *SettingsError and the defaults, got %T %+v", c.name, err, s)
			}
		}
	}
}

func FuzzParseSettings(f *testing.F) {
	f.Add([]byte(`{"language":"fr","autoClear":30,"layout":"de","count":true}`))
	f.Add([]byte(`{"kiosk":true,"supervisor":"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$c3VtMTIzNDU2Nzg5MDEyMzQ1Ng"}`))
	f.Add([]byte(`{"supervisor":"$argon2id$v=19$m=8,t=1,p=1$$"}`))
	f.Add([]byte(`{"context":"yellow-fever","sound":true}`))
	f.Add([]byte(`{"context":"Yellow Fever","sound":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSettings("f", data)
		if err != nil {
			return
		}
		// Accepted settings save and read back the same.
		dir := t.TempDir()
		if err := s.Save(dir); err != nil {
			t.Fatal(err)
		}
		back, err := LoadSettings(dir)
		if err != nil || back != s {
			t.Fatalf("round trip: %+v, %v; want %+v", back, err, s)
		}
		if s.Supervisor != "" {
			// Never a panic or a huge allocation, whatever the hash says.
			_ = CheckPassphrase(s.Supervisor, "x")
		}
	})
}

func TestSupervisorPassphrase(t *testing.T) {
	h, err := HashPassphrase("gate 4 supervisor")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(h, "gate 4") {
		t.Fatalf("hash %q", h)
	}
	if err := CheckPassphrase(h, "gate 4 supervisor"); err != nil {
		t.Fatal(err)
	}
	if err := CheckPassphrase(h, "gate 4 supervisoR"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if _, err := HashPassphrase("short"); err == nil {
		t.Fatal("a 5-character passphrase was accepted")
	}
	h2, _ := HashPassphrase("gate 4 supervisor")
	if h2 == h {
		t.Fatal("two hashes of one passphrase are equal: no fresh salt")
	}
}

func TestJudge(t *testing.T) {
	for _, c := range []struct {
		name string
		rs   []verifier.Result
		want Verdict
	}{
		{"none", nil, VerdictInvalid},
		{"valid", []verifier.Result{{Valid: true, Reasons: []string{"ok"}}}, VerdictValid},
		{"printed code", []verifier.Result{{Valid: true, Warnings: []string{verifier.NotHolderBound}}}, VerdictValid},
		{"stale trust", []verifier.Result{{Valid: true, Warnings: []string{verifier.StaleTrust}}}, VerdictManual},
		{"clock skew", []verifier.Result{{Valid: true, Warnings: []string{verifier.ClockSkew}}}, VerdictManual},
		{"revoked", []verifier.Result{{Reasons: []string{verifier.Revoked}}}, VerdictInvalid},
		{"unsupported kind", []verifier.Result{{Reasons: []string{verifier.Policy}}}, VerdictManual},
		{"one of two invalid", []verifier.Result{{Valid: true}, {Reasons: []string{verifier.BadSignature}}}, VerdictInvalid},
	} {
		if got, _ := Judge(c.rs); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestCounts(t *testing.T) {
	dir := t.TempDir()
	day := time.Date(2026, 12, 7, 10, 0, 0, 0, time.Local)
	for _, v := range []Verdict{VerdictValid, VerdictValid, VerdictInvalid, VerdictManual} {
		if err := AddCount(dir, day, v); err != nil {
			t.Fatal(err)
		}
	}
	AddCount(dir, day.AddDate(0, 0, 1), VerdictValid)
	c, err := LoadCounts(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := c["2026-12-07"]; got != (DayCount{Valid: 2, Invalid: 1, Manual: 1}) || c["2026-12-08"].Valid != 1 {
		t.Fatalf("counts %+v", c)
	}
	// A year and more later, the old days are gone.
	AddCount(dir, day.AddDate(2, 0, 0), VerdictInvalid)
	if c, _ := LoadCounts(dir); len(c) != 1 {
		t.Fatalf("old days kept: %+v", c)
	}
	// A damaged file starts again rather than stopping the count.
	os.WriteFile(filepath.Join(dir, CountsFile), []byte("{garbage"), 0o600)
	if err := AddCount(dir, day, VerdictValid); err != nil {
		t.Fatal(err)
	}
}

func TestTrustFolder(t *testing.T) {
	w, err := verifiertest.New()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	now := verifiertest.Now
	st := LoadTrust(dir, now)
	if st.Policy != nil || st.Bundle != nil || st.Issuers != 0 {
		t.Fatalf("empty folder: %+v", st)
	}
	// A bundle before the policy: refused, nothing saved.
	if _, err := ImportTrust(dir, "registry.bundle", w.Bundle, now); err == nil || !strings.Contains(err.Error(), "load the policy first") {
		t.Fatalf("bundle without policy: %v", err)
	}
	if what, err := ImportTrust(dir, "policy.json", w.PolicyJSON, now); err != nil || what != "trust policy" {
		t.Fatalf("policy: %q %v", what, err)
	}
	if what, err := ImportTrust(dir, "v3.bundle", w.Bundle, now); err != nil || what != "registry bundle" {
		t.Fatalf("bundle: %q %v", what, err)
	}
	st = LoadTrust(dir, now)
	if st.Policy == nil || st.Bundle == nil || st.Bundle.Version != 3 || st.Issuers < 2 || st.Stale || len(st.Problems) != 0 {
		t.Fatalf("loaded: %+v", st)
	}
	// An older version is refused and the newer one kept.
	var old *OlderBundleError
	if _, err := ImportTrust(dir, "v2.bundle", w.Old, now); !errors.As(err, &old) || old.Have != 3 || old.Got != 2 {
		t.Fatalf("older bundle: %v", err)
	}
	// A tampered bundle is refused.
	bad := []byte(strings.Replace(string(w.Bundle), "clinic", "clinix", 1))
	if _, err := ImportTrust(dir, "bad.bundle", bad, now); err == nil {
		t.Fatal("tampered bundle accepted")
	}
	// Not a trust file at all.
	var ie *ImportError
	if _, err := ImportTrust(dir, "holiday.jpg", []byte("\xff\xd8\xff\xe0 not trust"), now); !errors.As(err, &ie) {
		t.Fatalf("garbage: %v", err)
	}
	if LoadTrust(dir, now).Bundle.Version != 3 {
		t.Fatal("the bundle in use changed")
	}
	// 200 hours later the bundle is stale: still used, and said.
	st = LoadTrust(dir, now.Add(200*time.Hour))
	if !st.Stale || st.Issuers < 2 || st.Age != 200*time.Hour {
		t.Fatalf("stale: %+v", st)
	}
	// A damaged file in the folder is listed, the rest still loads.
	os.WriteFile(filepath.Join(dir, TrustDir, "broken.json"), []byte(`{"issuerInfo":5}`), 0o600)
	st = LoadTrust(dir, now)
	if len(st.Problems) != 1 || !strings.HasPrefix(st.Problems[0], "broken.json: ") || st.Bundle == nil {
		t.Fatalf("problems %q", st.Problems)
	}
}

// TestUpdateFromLoopbackRegistry runs a real registry (registry.Init and its
// HTTP handler) on loopback and updates a station from it, the way "Update
// now" does.
func TestUpdateFromLoopbackRegistry(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewUnstartedServer(nil)
	url := "http://" + srv.Listener.Addr().String()
	regDir := t.TempDir()
	if _, err := registry.Init(ctx, regDir, registry.InitOptions{URL: url, Passphrase: "pw", WorkFactor: 10}); err != nil {
		t.Fatal(err)
	}
	d, err := registry.OpenData(ctx, regDir, "pw", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = d.Server.Handler()
	srv.Start()
	t.Cleanup(func() { srv.Close(); d.Close() })

	dir := t.TempDir()
	now := time.Now()
	client := srv.Client()
	if _, err := Update(ctx, client, dir, url, now); err == nil || !strings.Contains(err.Error(), "no trust policy") {
		t.Fatalf("without a policy: %v", err)
	}
	pol, err := os.ReadFile(filepath.Join(regDir, "policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ImportTrust(dir, "policy.json", pol, now); err != nil {
		t.Fatal(err)
	}
	if _, err := Update(ctx, client, dir, "", now); !errors.Is(err, ErrNoRegistry) {
		t.Fatalf("no address: %v", err)
	}
	r, err := Update(ctx, client, dir, url, now)
	if err != nil || r.Unchanged || r.Version == 0 {
		t.Fatalf("first update: %+v %v", r, err)
	}
	st := LoadTrust(dir, now)
	if st.Bundle == nil || st.Bundle.Version != r.Version || st.Bundle.Registry != url {
		t.Fatalf("after update: %+v", st)
	}
	// Again, from the address the bundle names: nothing new (304).
	r2, err := Update(ctx, client, dir, "", now)
	if err != nil || !r2.Unchanged || r2.Version != r.Version {
		t.Fatalf("second update: %+v %v", r2, err)
	}
	// A registry that answers with something else is refused; the bundle
	// in use stays.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(`{"type":"immunopass-trust-bundle","version":99}` + "\nnot.a.jws\n"))
	}))
	defer other.Close()
	if _, err := Update(ctx, other.Client(), dir, other.URL, now); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("forged bundle: %v", err)
	}
	if LoadTrust(dir, now).Bundle.Version != r.Version {
		t.Fatal("the forged bundle replaced the real one")
	}
	srv.Close()
	if _, err := Update(ctx, client, dir, "", now); err == nil || !strings.Contains(err.Error(), "could not be reached") {
		t.Fatalf("registry down: %v", err)
	}
}

func TestPDFCodes(t *testing.T) {
	if _, err := PDFCodes([]byte("%PDF-1.4\nnot really\n")); !errors.As(err, new(*PDFError)) {
		t.Fatalf("damaged PDF: %v", err)
	}
	if IsPDF([]byte("shc:/56")) || !IsPDF([]byte("%PDF-1.7")) {
		t.Fatal("IsPDF")
	}
}

// FuzzPDFCodes: whatever a dropped "PDF" holds, an error or codes, never a
// panic.
func FuzzPDFCodes(f *testing.F) {
	f.Add([]byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"))
	f.Add([]byte("%PDF-1.7\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		texts, err := PDFCodes(data)
		if err == nil && len(texts) == 0 {
			t.Fatal("no error and no code")
		}
	})
}
