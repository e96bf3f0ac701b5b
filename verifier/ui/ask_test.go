package ui

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/status"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/verifier"
	"github.com/immunopass/immunopass/verifier/station"
	"github.com/immunopass/immunopass/wallet"
	"github.com/immunopass/immunopass/wallet/store"
)

const listURI = "https://clinic.example/status/1"

// askWallet is a parent's wallet holding Karim's SD-JWT VC, bound to the
// wallet's key for him and issued by the clinic the app trusts; the app's
// trust folder gets the clinic's status list.
func (h *harness) askWallet() *wallet.Wallet {
	h.t.Helper()
	t := h.t
	list, err := status.New(2, status.MinSize)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := list.Token(h.key, listURI, testNow.Add(-time.Hour), testNow.Add(30*24*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(h.dir, station.TrustDir, "status.jwt"), []byte(tok), 0o600)
	h.u.reloadTrust()
	w, err := wallet.Create("", nil, wallet.Options{Store: store.NewMem([]byte("correct horse")), Now: func() time.Time { return testNow.Add(time.Second) }})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := os.ReadFile(filepath.Join(h.dir, station.TrustDir, "clinic.json"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"directory.json": snap, "status.jwt": []byte(tok)} {
		if err := w.AddTrust(name, data); err != nil {
			t.Fatal(err)
		}
	}
	p, err := w.AddProfile(wallet.Profile{Given: "Karim", Family: "Haddad", BirthDate: mustDate(t, "1985-02-03"), Country: "AE"})
	if err != nil {
		t.Fatal(err)
	}
	did, err := w.HolderDID(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	holder, err := jose.ParseDIDKey(did)
	if err != nil {
		t.Fatal(err)
	}
	rec := &vax.Record{Patient: vax.Patient{Given: []string{"Karim"}, Family: "Haddad", BirthDate: mustDate(t, "1985-02-03")},
		Immunizations: []vax.Immunization{{Vaccine: vax.Coding{System: "http://hl7.org/fhir/sid/cvx", Code: "37"},
			Date: mustDate(t, "2019-05-14"), Status: "completed", DoseNumber: 1, Performer: "Al Noor Family Clinic", Country: "AE"}}}
	is, err := sdjwt.Issue(h.key, sdjwt.IssueRequest{Issuer: clinicISS, IssuedAt: testNow.Add(-24 * time.Hour), Holder: holder,
		Status: &sdjwt.StatusRef{URI: listURI, Idx: 7}, Claims: sdjwt.FromRecord(rec), Decoys: 2})
	if err != nil {
		t.Fatal(err)
	}
	cands, err := w.Import("karim.sd-jwt", []byte(is.String()))
	if err != nil || len(cands) != 1 || cands[0].Status != wallet.StatusVerified {
		t.Fatalf("the wallet imports %+v, %v", cands, err)
	}
	if _, err := w.Keep(cands[0], p.ID); err != nil {
		t.Fatal(err)
	}
	return w
}

// answer is the wallet's answer to the challenge QR on the screen, read by
// the wallet from the QR image as its camera would.
func (h *harness) answer(w *wallet.Wallet) string {
	h.t.Helper()
	req, err := w.ReadChallenge("challenge.png", h.u.ask.qr.Content())
	if err != nil {
		h.t.Fatal(err)
	}
	if len(req.Options) != 1 {
		h.t.Fatalf("the wallet offers %+v", req.Options)
	}
	ans, err := w.AnswerChallenge(req, req.Options[0].CredentialID)
	if err != nil {
		h.t.Fatal(err)
	}
	return ans.Items[0].QR
}

func (h *harness) selectOn(screen fyne.CanvasObject) *widget.Select {
	h.t.Helper()
	var found *widget.Select
	visit(screen, func(o fyne.CanvasObject) {
		if x, ok := o.(*widget.Select); ok && found == nil {
			found = x
		}
	})
	if found == nil {
		h.t.Fatal("no select on the screen")
	}
	return found
}

func TestAskChallenge(t *testing.T) {
	h := newHarness(t, station.DefaultSettings())
	w := h.askWallet()
	test.Tap(h.button("Ask"))
	h.shows("Ask for a credential", "What to ask", "Show the challenge")
	if h.u.Challenge() != "" {
		t.Fatal("a challenge before one was asked for")
	}
	h.selectOn(h.u.Window().Content()).SetSelected("Yellow fever vaccination (IHR, Annex 7)")
	test.Tap(h.button("Show the challenge"))
	text := h.u.Challenge()
	ch, err := sdjwt.ParseChallenge(text)
	if err != nil {
		t.Fatalf("the challenge shown does not parse: %v", err)
	}
	if ch.Purpose != "Yellow fever vaccination (IHR, Annex 7)" || !ch.Wants("doses[0]") || !ch.Wants("given_name") || ch.Wants("birthdate") {
		t.Fatalf("the challenge asks %+v", ch)
	}
	// The QR shown holds exactly that text.
	if got, err := qr.Decode(h.u.ask.qr.Content()); err != nil || len(got) != 1 || got[0] != text {
		t.Fatalf("the QR reads %q, %v", got, err)
	}
	h.shows("Valid until", "The wallet scans this code, then shows its answer: scan it now.")
	if h.u.Window().Canvas().Focused() != h.u.askCapture {
		t.Fatal("the scanner field does not have the focus on the Ask screen")
	}

	// The wallet answers; the scanner types the answer.
	ans := h.answer(w)
	h.scan(ans)
	if h.u.verdict == nil || h.u.verdict.verdict != station.VerdictValid {
		t.Fatalf("answer: verdict %+v", h.u.verdict)
	}
	h.shows("VALID", "Karim Haddad", "Yellow fever vaccination (IHR, Annex 7): meets the rules")
	// Done goes back to the Ask screen, the challenge still shown.
	test.Tap(h.button("Done"))
	if h.u.screen != ScreenAsk || h.u.Challenge() != text {
		t.Fatalf("after Done: screen %q", h.u.screen)
	}
	// The same answer again (a replay, or a photo of the wallet's
	// screen): refused.
	h.scan(ans)
	if h.u.verdict.verdict != station.VerdictInvalid || h.u.verdict.codes[0] != verifier.ChallengeMismatch {
		t.Fatalf("replayed answer: %v %v", h.u.verdict.verdict, h.u.verdict.codes)
	}
	test.Tap(h.button("Done"))

	// A new challenge: the answer to the old one is refused, a fresh
	// answer accepted.
	test.Tap(h.button("Show the challenge"))
	if h.u.Challenge() == text {
		t.Fatal("the new challenge is the old one")
	}
	h.scan(ans)
	if h.u.verdict.verdict != station.VerdictInvalid || h.u.verdict.codes[0] != verifier.ChallengeMismatch {
		t.Fatalf("answer to the old challenge: %v %v", h.u.verdict.verdict, h.u.verdict.codes)
	}
	test.Tap(h.button("Done"))
	h.scan(h.answer(w))
	if h.u.verdict.verdict != station.VerdictValid {
		t.Fatalf("fresh answer: %v %v", h.u.verdict.verdict, h.u.verdict.codes)
	}
	test.Tap(h.button("Done"))

	// The challenge expires after ChallengeTTL: the screen says so, and
	// nothing is verified.
	h.clock.t = h.clock.t.Add(ChallengeTTL + time.Second)
	h.u.Paste(ans)
	if h.u.verdict != nil {
		t.Fatal("an answer to an expired challenge was verified")
	}
	h.shows("The challenge expired at")

	// The Scan screen does not ask for an answer: a plain card verifies.
	test.Tap(h.button("Scan"))
	h.scan(h.card("Amira", "Haddad", "2016-04-12"))
	h.shows("VALID", "Amira Haddad")
	test.Tap(h.button("Done"))
	if h.u.screen != ScreenScan {
		t.Fatalf("after Done: screen %q", h.u.screen)
	}
}

func TestAskCustomClaims(t *testing.T) {
	h := newHarness(t, station.DefaultSettings())
	w := h.askWallet()
	h.u.show(ScreenAsk)
	h.selectOn(h.u.Window().Content()).SetSelected("Custom claims")
	test.Tap(h.button("Show the challenge"))
	h.shows("Say which claims to ask for")
	h.selectOn(h.u.Window().Content()).SetSelected("Custom claims")
	h.claimsEntry().SetText("birth date")
	test.Tap(h.button("Show the challenge"))
	h.shows(`"birth date" is not a claim name`)
	if h.u.Challenge() != "" {
		t.Fatal("a challenge for no claims")
	}
	for _, claims := range []string{"Given Name", "  ", "doses[x]", "given_name;rm"} {
		if err := h.u.NewChallenge(nil, claims); err == nil {
			t.Errorf("claims %q accepted", claims)
		}
	}
	if err := h.u.NewChallenge(nil, "given_name,family_name"); err != nil {
		t.Fatal(err)
	}
	h.u.show(ScreenAsk)
	h.shows("Asks for: given name, family name")
	// A file that cannot be read is said on the Ask screen.
	h.u.ScanFile(filepath.Join(t.TempDir(), "answer.png"))
	h.shows("The file could not be opened.")
	h.scan(h.answer(w))
	h.shows("VALID", "Karim Haddad")
	if h.u.verdict.policy != "" {
		t.Fatalf("custom claims answered a rule: %q", h.u.verdict.policy)
	}
}

func (h *harness) claimsEntry() *widget.Entry {
	h.t.Helper()
	var found *widget.Entry
	visit(h.u.Window().Content(), func(o fyne.CanvasObject) {
		if x, ok := o.(*widget.Entry); ok {
			found = x
		}
	})
	if found == nil {
		h.t.Fatal("no claims entry")
	}
	return found
}

func TestAskFor(t *testing.T) {
	h := newHarness(t, station.DefaultSettings())
	if err := h.u.AskFor("school-entry-xx"); err == nil {
		t.Fatal("an unknown context was asked for")
	}
	if err := h.u.AskFor("school-entry-fr"); err != nil {
		t.Fatal(err)
	}
	if h.u.screen != ScreenAsk || h.u.ask == nil || h.u.ask.context.Name != "school-entry-fr" {
		t.Fatalf("screen %q, challenge %+v", h.u.screen, h.u.ask)
	}
	h.shows("School entry in France", "Asks for: given name, family name, birth date, all doses")
}
