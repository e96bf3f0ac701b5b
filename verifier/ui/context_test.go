package ui

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/verifier/station"
	"github.com/immunopass/immunopass/verifier/verifiertest"
)

// yfCard is a card with one yellow fever dose on date.
func (h *harness) yfCard(date string) string {
	h.t.Helper()
	rec := &vax.Record{Patient: vax.Patient{Given: []string{"Karim"}, Family: "Haddad", BirthDate: mustDate(h.t, "1985-02-03")},
		Immunizations: []vax.Immunization{{Vaccine: vax.Coding{System: "http://hl7.org/fhir/sid/cvx", Code: "37"},
			Date: mustDate(h.t, date), Status: "completed", DoseNumber: 1, Performer: "Al Noor Family Clinic", Country: "AE"}}}
	return h.cardOf(rec, h.key)
}

func TestContextVerdict(t *testing.T) {
	set := station.DefaultSettings()
	set.Context = "yellow-fever"
	h := newHarness(t, set)
	if h.u.ver.Context == nil || h.u.ver.Context.Name != "yellow-fever" {
		t.Fatalf("the verifier asks %v", h.u.ver.Context)
	}
	// A dose years ago: meets the rule.
	h.scan(h.yfCard("2019-05-14"))
	h.shows("VALID", "Karim Haddad", "Yellow fever vaccination (IHR, Annex 7): meets the rules", "1 rule checked, all met.")
	if h.u.verdict.policy != "Yellow fever vaccination (IHR, Annex 7): meets the rules" {
		t.Fatalf("policy answer %q", h.u.verdict.policy)
	}
	// A dose three days ago: the card is valid, the rule is not met yet
	// (valid from the 10th day), and the rule says so in words.
	h.scan(h.yfCard(testNow.AddDate(0, 0, -3).Format(time.DateOnly)))
	h.shows("VALID", "Yellow fever vaccination (IHR, Annex 7): does not meet the rules",
		"Meets the rules from 28 Nov 2026.",
		"Not met: A yellow fever vaccination is required; it is valid from 10 days after the vaccination, for life.", "YF-UN-0001")
	// No yellow fever dose at all.
	h.scan(h.card("Amira", "Haddad", "2016-04-12"))
	h.shows("Amira Haddad", "does not meet the rules")
	if h.u.verdict.meetsFrom != "" {
		t.Fatalf("no yellow fever dose, yet %q", h.u.verdict.meetsFrom)
	}
	if len(h.u.verdict.rules) != 1 || h.u.verdict.rules[0] != "YF-UN-0001" {
		t.Fatalf("rules listed %v", h.u.verdict.rules)
	}
	// A card that is not valid gets no rule answer: what it says cannot
	// be relied on.
	other := *h
	other.key = mustKey(t)
	h.scan(other.yfCard("2019-05-14"))
	if h.u.verdict.verdict != station.VerdictInvalid || h.u.verdict.policy != "" {
		t.Fatalf("invalid card: verdict %v, policy %q", h.u.verdict.verdict, h.u.verdict.policy)
	}
}

// A school-entry rule set lists at most maxRulesShown rules not met, then
// counts the others.
func TestContextManyRules(t *testing.T) {
	set := station.DefaultSettings()
	set.Context = "school-entry-ae"
	h := newHarness(t, set)
	h.scan(h.card("Amira", "Haddad", "2016-04-12"))
	h.shows("School entry in the United Arab Emirates: does not meet the rules", "SE-AE-0001", "more.")
	if len(h.u.verdict.rules) != maxRulesShown {
		t.Fatalf("%d rules listed, want %d", len(h.u.verdict.rules), maxRulesShown)
	}
}

// A context the rules in force do not hold (a bundle dropped it) is said,
// on the verdict and in the settings; the verdict itself still shows.
func TestContextUnknown(t *testing.T) {
	set := station.DefaultSettings()
	set.Context = "school-entry-xx"
	h := newHarness(t, set)
	h.scan(h.card("Amira", "Haddad", "2016-04-12"))
	h.shows("VALID", "The rule school-entry-xx chosen in the settings is not in the rules in force.")
	h.u.show(ScreenSettings)
	h.shows("Rule to check", "The rule school-entry-xx chosen in the settings is not in the rules in force.",
		"The rules shipped with the app (no rules in the trust bundle).")
}

// The rules come from the registry's bundle when it carries some (`registry
// rules post`), as for `verifier verify --context`.
func TestContextFromBundle(t *testing.T) {
	w, err := verifiertest.New()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, station.TrustDir), 0o700)
	os.WriteFile(filepath.Join(dir, station.TrustDir, station.PolicyFile), w.PolicyJSON, 0o600)
	os.WriteFile(filepath.Join(dir, station.TrustDir, station.BundleFile), w.Rules, 0o600)
	set := station.DefaultSettings()
	set.Context = "yellow-fever"
	h := newHarnessIn(t, dir, set, verifiertest.Now)
	if h.u.contextsFrom != station.ContextsFromBundle {
		t.Fatalf("rules from %q", h.u.contextsFrom)
	}
	// The world's yellow fever dose is six days old on its clock.
	h.u.Paste(w.Creds["yf"])
	h.shows("Yellow fever vaccination (IHR, Annex 7): does not meet the rules", "YF-UN-0001")
	h.u.show(ScreenSettings)
	h.shows("The rules come from the registry's trust bundle.")
}

// fakeSound records the tones played.
type fakeSound struct {
	played [][]byte
	err    error
}

func (f *fakeSound) Play(wav []byte) error { f.played = append(f.played, wav); return f.err }

func TestSound(t *testing.T) {
	fs := &fakeSound{}
	h := newHarnessWith(t, station.DefaultSettings(), fs)
	h.scan(h.card("Amira", "Haddad", "2016-04-12"))
	if len(fs.played) != 0 {
		t.Fatal("a tone played with the sound off (the default)")
	}
	h.u.set.Sound = true
	h.scan(h.card("Amira", "Haddad", "2016-04-12"))
	other := *h
	other.key = mustKey(t)
	h.scan(other.card("Amira", "Haddad", "2016-04-12"))
	if len(fs.played) != 2 || !bytes.Equal(fs.played[0], station.WAV(station.PassTone)) || !bytes.Equal(fs.played[1], station.WAV(station.FailTone)) {
		t.Fatalf("%d tones played; want the pass tone then the fail tone", len(fs.played))
	}
	// No sound device: the verdict shows all the same.
	fs.err = errors.New("no sound device")
	h.scan(h.card("Karim", "Haddad", "1985-02-03"))
	h.shows("VALID", "Karim Haddad")
	if len(fs.played) != 3 {
		t.Fatalf("%d tones", len(fs.played))
	}
}

// The real player with no player program on the PATH says so, and does
// not block.
func TestSystemPlayerMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if err := (systemPlayer{}).Play(station.WAV(station.PassTone)); !errors.Is(err, errNoPlayer) {
		t.Fatalf("got %v, want errNoPlayer", err)
	}
}

func TestContextFrench(t *testing.T) {
	SetupLanguage("fr")
	t.Cleanup(func() { SetupLanguage("en") })
	if current != "fr" {
		t.Skipf("the French translations could not be selected (language %q)", current)
	}
	set := station.DefaultSettings()
	set.Context = "yellow-fever"
	h := newHarnessLang(t, set, "fr")
	h.scan(h.yfCard(testNow.AddDate(0, 0, -3).Format(time.DateOnly)))
	all := strings.Join(texts(t, h.u.Window().Content()), "\n")
	for _, want := range []string{"VALIDE", "Vaccination contre la fièvre jaune (RSI, annexe 7) : ne respecte pas les règles",
		"Non respectée : Une vaccination contre la fièvre jaune est exigée", "Respecte les règles à partir du 28 nov. 2026."} {
		if !strings.Contains(all, want) {
			t.Errorf("the window does not show %q; it shows:\n%s", want, all)
		}
	}
}

func newHarnessWith(t *testing.T, set station.Settings, p soundPlayer) *harness {
	return startHarness(t, set, harnessOpts{sound: p})
}

func newHarnessIn(t *testing.T, dir string, set station.Settings, now time.Time) *harness {
	return startHarness(t, set, harnessOpts{dir: dir, now: now})
}

func newHarnessLang(t *testing.T, set station.Settings, lang string) *harness {
	return startHarness(t, set, harnessOpts{lang: lang})
}

func mustKey(t testing.TB) *jose.PrivateKey {
	t.Helper()
	k, err := jose.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}
