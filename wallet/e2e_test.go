package wallet

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/verifier"
	"github.com/immunopass/immunopass/wallet/backup"
	"github.com/immunopass/immunopass/wallet/store"
)

// family is a wallet with two people and their records, as a new user
// sets it up.
type family struct {
	w            *Wallet
	c            *clinic
	amira, karim Profile
}

func setUpFamily(t *testing.T, w *Wallet, c *clinic) *family {
	t.Helper()
	f := &family{w: w, c: c}
	var err error
	if f.amira, err = w.AddProfile(Profile{Given: "Amira", Family: "Haddad", BirthDate: mustDate("2016-04-12"), Country: "AE"}); err != nil {
		t.Fatal(err)
	}
	if f.karim, err = w.AddProfile(Profile{Given: "Karim", Family: "Al Haddad", BirthDate: mustDate("2025-08-01"), Country: "FR"}); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"directory.json": c.snapshot, "status.jwt": c.statusToken(t)} {
		if err := w.AddTrust(name, data); err != nil {
			t.Fatal(err)
		}
	}
	// Amira: the clinic's printout (PDF with the SHC QR) and an SD-JWT VC
	// bound to her key, issued to the did:key the wallet showed.
	amiraRec := demoRecord(t)
	keep := func(name string, data []byte, want Profile) {
		t.Helper()
		cands, err := w.Import(name, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, cd := range cands {
			if cd.Status != StatusVerified || cd.Suggested != want.ID {
				t.Fatalf("%s: %s %v suggested %q, want %s", name, cd.Status, cd.Reasons, cd.Suggested, want.Given)
			}
			if _, err := w.Keep(cd, cd.Suggested); err != nil {
				t.Fatal(err)
			}
		}
	}
	keep("printout.pdf", printout(t, shcQRPNG(t, c.shc(t, amiraRec))), f.amira)
	did, _ := w.HolderDID(f.amira.ID)
	key, err := jose.ParseDIDKey(did)
	if err != nil {
		t.Fatal(err)
	}
	sd, _ := c.sdjwt(t, amiraRec, key)
	keep("amira.sd-jwt", []byte(sd), f.amira)
	did, _ = w.HolderDID(f.karim.ID)
	key, _ = jose.ParseDIDKey(did)
	sd, _ = c.sdjwt(t, karimRecord(), key)
	qrText, _ := sdjwt.EncodeQR(sd)
	keep("paste", []byte(qrText), f.karim)
	return f
}

// wallets' visible content, for comparing before and after a restore.
type content struct {
	Profiles []Profile
	Creds    map[string][]Credential
	Groups   map[string][]DiseaseGroup
	Due      map[string][]DueItem
	History  []HistoryEntry
}

func snapshotOf(t *testing.T, w *Wallet) content {
	t.Helper()
	c := content{Creds: map[string][]Credential{}, Groups: map[string][]DiseaseGroup{}, Due: map[string][]DueItem{}}
	var err error
	if c.Profiles, err = w.Profiles(); err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Profiles {
		c.Creds[p.ID], _ = w.Credentials(p.ID)
		c.Groups[p.ID], _ = w.Immunizations(p.ID)
		if c.Due[p.ID], err = w.Due(p.ID); err != nil {
			t.Fatal(err)
		}
	}
	c.History, _ = w.History()
	return c
}

func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "wallet.db")
	clock := func() time.Time { return testNow }
	w, err := Create(path, []byte("family passphrase"), Options{Now: clock, Params: store.TestParams})
	if err != nil {
		t.Fatal(err)
	}
	c := newClinic(t)
	f := setUpFamily(t, w, c)

	// What is due: Amira (10, UAE) has had her infant doses but not the
	// school-entry booster; Karim (15 months, France) is behind.
	due := func(p Profile) map[DueState][]string {
		items, err := w.Due(p.ID)
		if err != nil {
			t.Fatal(err)
		}
		m := map[DueState][]string{}
		for _, it := range items {
			m[it.State] = append(m[it.State], it.Vaccine)
		}
		return m
	}
	ad := due(f.amira)
	if !slices.Contains(ad[Done], "BCG") || !slices.Contains(ad[Overdue], "DTaP/Tdap") || !slices.Contains(ad[Overdue], "Varicella") {
		t.Fatalf("Amira's due view: %v", ad)
	}
	kd := due(f.karim)
	if len(kd[Overdue]) == 0 || len(kd[Done]) != 0 {
		t.Fatalf("Karim's due view: %v", kd)
	}
	// His two hexavalent doses count for each of their groups; rotavirus is
	// too late at 15 months, the pneumococcal vaccine is caught up.
	kitems, _ := w.Due(f.karim.ID)
	for _, g := range []string{"DTAP", "POL", "HIB", "HepB"} {
		if it := item(kitems, g); it == nil || len(it.Given) != 2 || !it.Given[0].Valid || !it.Given[1].Valid || it.Dose != 3 {
			t.Fatalf("Karim's %s: %+v", g, it)
		}
	}
	if it := item(kitems, "ROTA"); it == nil || it.State != TooLate {
		t.Fatalf("Karim's rotavirus: %+v", it)
	}
	if it := item(kitems, "PCV"); it == nil || it.State != Overdue || it.Dose != 1 {
		t.Fatalf("Karim's PCV: %+v", it)
	}

	// Present school-only: the verifier accepts it and sees only the name
	// and the school's vaccines.
	p, err := w.Present(PresentRequest{ProfileID: f.amira.ID, Preset: "school", To: "Lycée Molière"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 1 || p.Items[0].Format != FormatSDJWTVC || p.Mode != ModeLive || !p.Expires.Equal(testNow.Add(LiveRefresh)) {
		t.Fatalf("school presentation: %+v", p)
	}
	ts := c.trust
	_ = ts.LoadStatus("status", c.statusToken(t))
	vf := verifier.Verifier{Trust: ts, At: testNow.Add(5 * time.Second)}
	sym, err := qr.Encode(p.Items[0].QR, qr.L)
	if err != nil {
		t.Fatal(err)
	}
	png, _ := sym.PNG(4)
	r := vf.Verify([]verifier.Input{{Name: "scan.png", Data: png}})[0]
	if !r.Valid || r.Binding != sdjwt.BindingLive || r.Subject.BirthDate != "" || r.Subject.Name != "Amira Haddad" {
		t.Fatalf("verifier: %+v", r)
	}
	if r.Withheld < 2+1+1 { // decoys, birth date, BCG
		t.Fatalf("withheld %d", r.Withheld)
	}
	for _, im := range r.Immunizations {
		if im.Vaccine.Code == "19" {
			t.Fatal("BCG disclosed to a school")
		}
	}
	// A refreshed QR is still valid 30 s later, and a static print too.
	p2, err := w.Refresh(p)
	if err != nil || p2.HistoryID != p.HistoryID || p2.Items[0].QR == p.Items[0].QR {
		t.Fatalf("refresh: %v", err)
	}
	if r := vf.Verify([]verifier.Input{{Name: "qr", Data: []byte(p2.Items[0].QR)}})[0]; !r.Valid {
		t.Fatalf("refreshed: %v", r.Reasons)
	}
	// Travel, static: name, birth date and polio doses.
	pt, err := w.Present(PresentRequest{ProfileID: f.karim.ID, Preset: "travel-polio", Mode: ModeStatic})
	if err != nil {
		t.Fatal(err)
	}
	if r := vf.Verify([]verifier.Input{{Name: "qr", Data: []byte(pt.Items[0].QR)}})[0]; !r.Valid || r.Subject.BirthDate != "2025-08-01" || len(r.Immunizations) != 2 {
		t.Fatalf("travel: %+v", r)
	}
	hist, _ := w.History()
	if len(hist) != 2 || hist[0].Mode != ModeStatic || hist[1].To != "Lycée Molière" || slices.Contains(hist[1].Claims, "birthdate") {
		t.Fatalf("history: %+v", hist)
	}

	// Back up, wipe, restore into a fresh wallet: everything is there again.
	var bk bytes.Buffer
	if err := w.backupWith(&bk, []byte("backup pass"), 10); err != nil {
		t.Fatal(err)
	}
	if last, _ := w.LastBackup(); !last.Equal(testNow) {
		t.Fatalf("last backup %v", last)
	}
	before := snapshotOf(t, w)
	if err := w.Lock(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Profiles(); !errors.Is(err, ErrLocked) {
		t.Fatalf("locked wallet: %v", err)
	}
	if _, err := Open(path, []byte("wrong"), Options{Now: clock}); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	w2, err := Create(path, []byte("new passphrase"), Options{Now: clock, Params: store.TestParams})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w2.ReadBackup(bytes.NewReader(bk.Bytes()), []byte("nope")); !errors.Is(err, backup.ErrWrongPassphrase) {
		t.Fatalf("wrong backup passphrase: %v", err)
	}
	snap, err := w2.ReadBackup(bytes.NewReader(bk.Bytes()), []byte("backup pass"))
	if err != nil {
		t.Fatal(err)
	}
	if snap.Profiles != 2 || snap.Credentials != 3 || snap.History != 2 {
		t.Fatalf("snapshot summary %+v", snap)
	}
	if err := w2.Restore(snap, false); err != nil {
		t.Fatal(err)
	}
	after := snapshotOf(t, w2)
	if !reflect.DeepEqual(before, after) {
		b, _ := json.Marshal(before)
		a, _ := json.Marshal(after)
		t.Fatalf("restored wallet differs:\n%s\n%s", b, a)
	}
	// The restored holder keys still work: present again, verifier accepts.
	p3, err := w2.Present(PresentRequest{ProfileID: f.amira.ID, Preset: "school"})
	if err != nil {
		t.Fatal(err)
	}
	if r := vf.Verify([]verifier.Input{{Name: "qr", Data: []byte(p3.Items[0].QR)}})[0]; !r.Valid {
		t.Fatalf("after restore: %v", r.Reasons)
	}
	// Restoring again over changed content needs confirmation.
	_ = w2.RenameProfile(f.amira.ID, "Amira", "Haddad-Saleh")
	var ce *backup.ConflictError
	if err := w2.Restore(snap, false); !errors.As(err, &ce) {
		t.Fatalf("restore over changes: %v", err)
	}
	if err := w2.Restore(snap, true); err != nil {
		t.Fatal(err)
	}
	if p, _ := w2.Profile(f.amira.ID); p.Family != "Haddad" {
		t.Fatal("replace did not restore")
	}
	_ = w2.Lock()
	w3, err := Open(path, []byte("new passphrase"), Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if ps, _ := w3.Profiles(); len(ps) != 2 {
		t.Fatalf("reopened: %d profiles", len(ps))
	}
	_ = w3.Lock()
	if raw, _ := os.ReadFile(path); bytes.Contains(raw, []byte("Amira")) || bytes.Contains(raw, []byte("Haddad")) {
		t.Fatal("plaintext name in the wallet file")
	}
}

func TestPrintPDFReimports(t *testing.T) {
	w := newTestWallet(t, Options{})
	c := newClinic(t)
	f := setUpFamily(t, w, c)
	var pdf bytes.Buffer
	if err := w.PrintPDF(f.amira.ID, &pdf); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf.Bytes(), []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	// A fresh wallet reads the printout back: both credentials, valid.
	w2 := newTestWallet(t, Options{})
	_ = w2.AddTrust("directory.json", c.snapshot)
	_ = w2.AddTrust("status.jwt", c.statusToken(t))
	cands, err := w2.Import("amira-print.pdf", pdf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	held, _ := w.Credentials(f.amira.ID)
	if len(cands) != len(held) {
		t.Fatalf("%d QR codes read back, want %d", len(cands), len(held))
	}
	for _, cd := range cands {
		if cd.Status != StatusVerified || !slices.ContainsFunc(held, func(h Credential) bool { return h.ID == cd.ID }) {
			t.Fatalf("printed credential read back as %s %v", cd.Status, cd.Reasons)
		}
	}
}

func TestChallenge(t *testing.T) {
	w := newTestWallet(t, Options{})
	c := newClinic(t)
	f := setUpFamily(t, w, c)
	vk, _ := jose.GenerateKey()
	ch, err := sdjwt.NewChallenge(vk.Public(), [][]any{{"given_name"}, {"family_name"}, {"doses", nil}}, 5*time.Minute, "Border: polio", testNow)
	if err != nil {
		t.Fatal(err)
	}
	sym, _ := qr.Encode(ch.Format(), qr.M)
	png, _ := sym.PNG(4)
	for _, in := range []struct {
		name string
		data []byte
	}{{"challenge.png", png}, {"paste", []byte("  " + ch.Format() + "\n")}} {
		req, err := w.ReadChallenge(in.name, in.data)
		if err != nil {
			t.Fatal(err)
		}
		if req.Verifier != vk.Public().DIDKey() || req.Purpose != "Border: polio" || !slices.Equal(req.Asks, []string{"given name", "family name", "all doses"}) {
			t.Fatalf("challenge read as %+v", req)
		}
		if len(req.Options) != 2 { // Amira's and Karim's bound SD-JWT VCs
			t.Fatalf("options %+v", req.Options)
		}
		var opt ChallengeOption
		for _, o := range req.Options {
			if o.ProfileID == f.karim.ID {
				opt = o
			}
		}
		ans, err := w.AnswerChallenge(req, opt.CredentialID)
		if err != nil {
			t.Fatal(err)
		}
		ts := c.trust
		_ = ts.LoadStatus("status", c.statusToken(t))
		vf := verifier.Verifier{Trust: ts, At: testNow, Challenge: ch.Expect()}
		r := vf.Verify([]verifier.Input{{Name: "answer", Data: []byte(ans.Items[0].QR)}})[0]
		if !r.Valid || r.Binding != sdjwt.BindingChallenge || r.Subject.BirthDate != "" {
			t.Fatalf("answer: %+v", r)
		}
	}
	// Expired.
	late := newTestWallet(t, Options{Now: func() time.Time { return testNow.Add(time.Hour) }})
	var ee *ChallengeExpiredError
	if _, err := late.ReadChallenge("paste", []byte(ch.Format())); !errors.As(err, &ee) {
		t.Fatalf("expired challenge: %v", err)
	}
	if h, _ := w.History(); len(h) != 2 || h[0].To != vk.Public().DIDKey() {
		t.Fatalf("history %+v", h)
	}
}
