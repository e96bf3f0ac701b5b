package ui

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/verifier"
)

// newChallenge is a verifier's challenge asking for the name and the
// doses, as the verifier app makes it.
func newChallenge(t *testing.T) *sdjwt.Challenge {
	t.Helper()
	vk, err := jose.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	ch, err := sdjwt.NewChallenge(vk.Public(), [][]any{{"given_name"}, {"family_name"}, {"doses", nil}}, 5*time.Minute, "Border: polio", testNow)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// pasteChallenge opens the challenge dialog from the present screen and
// pastes the challenge's text.
func pasteChallenge(t *testing.T, u *UI, ch *sdjwt.Challenge) {
	t.Helper()
	u.showSection(SectionPresent)
	tap(t, u, "Answer a verifier's challenge…")
	test.Type(entry(t, u, "Paste the challenge text (IPC1:…)"), ch.Format())
	tap(t, u, "Read")
	mustShow(t, u, "The verifier asks for:", "Given names", "Family name", "All doses", "Purpose: Border: polio", "Answer with")
}

func TestChallengeApprove(t *testing.T) {
	u, c := withBoundCard(t)
	ch := newChallenge(t)
	pasteChallenge(t, u, ch)
	tap(t, u, "Approve")
	mustShow(t, u, "Answer to a challenge")
	text := scanQR(t, u)
	r := c.verifierFor(testNow.Add(10*time.Second), ch.Expect()).Verify([]verifier.Input{{Name: "answer", Data: []byte(text)}})[0]
	if !r.Valid || r.Binding != sdjwt.BindingChallenge || r.Subject.Name != "Amira Haddad" || r.Subject.BirthDate != "" {
		t.Fatalf("verifier: %+v", r)
	}
	// Another verifier's challenge is not answered by this QR.
	other := newChallenge(t)
	if r := c.verifierFor(testNow, other.Expect()).Verify([]verifier.Input{{Name: "answer", Data: []byte(text)}})[0]; r.Valid {
		t.Fatal("the answer is accepted for another challenge")
	}
	hs, _ := u.w.History()
	if len(hs) != 1 || hs[0].To != ch.Aud || hs[0].Purpose != "Border: polio" {
		t.Fatalf("history %+v", hs)
	}
}

func TestChallengeRefuse(t *testing.T) {
	u, _ := withBoundCard(t)
	pasteChallenge(t, u, newChallenge(t))
	tap(t, u, "Refuse")
	for _, o := range objects(u) {
		if _, ok := o.(*qrCode); ok {
			t.Fatalf("a QR code is shown after refusing:\n%s", screenText(u))
		}
	}
	mustShow(t, u, "Show QR code")
	if hs, _ := u.w.History(); len(hs) != 0 {
		t.Fatalf("refusing logged %+v", hs)
	}
}

// Print to PDF writes the file, and the wallet's own PDF import finds the
// card's QR code in it again.
func TestPrintPDF(t *testing.T) {
	u := withDemoCard(t)
	creds, _ := u.w.Credentials("")
	u.showPerson(creds[0].ProfileID, 0)
	tap(t, u, "Print to PDF")
	mustShow(t, u, "Saved Amira Haddad.pdf.")
	pdf, err := os.ReadFile(filepath.Join(filepath.Dir(u.cfg.Path), "Amira Haddad.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("not a PDF: %q", pdf[:min(16, len(pdf))])
	}
	cands, err := u.w.Import("Amira Haddad.pdf", pdf)
	if err != nil {
		t.Fatal(err)
	}
	if len(cands) != 1 || cands[0].ID != creds[0].ID || cands[0].Duplicate == "" {
		t.Fatalf("the printout reads back as %+v, want %s", cands, creds[0].ID)
	}
}

// The history export (CSV) holds the presentation.
func TestHistoryExportCSV(t *testing.T) {
	u := withDemoCard(t)
	u.showSection(SectionPresent)
	test.Type(entry(t, u, "Optional: who it is for (kept in your history only)"), "Lycée Molière")
	tap(t, u, "Show QR code")
	u.typedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	u.showSection(SectionHistory)
	mustShow(t, u, "Amira Haddad")
	tap(t, u, "Export CSV…")
	f, err := os.Open(filepath.Join(filepath.Dir(u.cfg.Path), "immunopass-history.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("CSV rows %q", rows)
	}
	line := strings.Join(rows[1], "|")
	for _, want := range []string{"Amira Haddad", "Lycée Molière", "static"} {
		if !strings.Contains(line, want) {
			t.Fatalf("CSV row lacks %q: %q (header %q)", want, rows[1], rows[0])
		}
	}
}
