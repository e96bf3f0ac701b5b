package wallet

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/internal/ratiobench"
	"github.com/immunopass/immunopass/verifier"
)

// batchWallet is a wallet trusting a test clinic, with Amira's profile, and
// n copies of her record as Receive would hand them to keepBatch.
func batchWallet(t testing.TB, n int) (*Wallet, *clinic, string, []received) {
	t.Helper()
	c := newClinic(t)
	w := newTestWallet(t, Options{})
	p, err := w.AddProfile(Profile{Given: "Amira", Family: "Haddad", BirthDate: mustDate("2016-04-12"), Country: "AE"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddTrust("directory.json", c.snapshot); err != nil {
		t.Fatal(err)
	}
	if err := w.AddTrust("status.jwt", c.statusToken(t)); err != nil {
		t.Fatal(err)
	}
	var items []received
	for range n {
		k, err := jose.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		sd, _ := c.sdjwt(t, demoRecord(t), k.Public())
		cands, err := w.Import("received", []byte(sd))
		if err != nil || len(cands) != 1 || !cands[0].Status.Trusted() {
			t.Fatalf("import: %v %+v", err, cands)
		}
		items = append(items, received{cand: cands[0], key: k})
	}
	return w, c, p.ID, items
}

// stored counts the records of a kind.
func stored(t *testing.T, w *Wallet, kind string) int {
	t.Helper()
	n := 0
	if err := w.view(func(t tx) error {
		return t.ForEach(kind, func(string, []byte) error { n++; return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestKeepBatchAllOrNothing: a copy not bound to its key, or a profile that
// is gone, keeps no copy and no key.
func TestKeepBatchAllOrNothing(t *testing.T) {
	w, _, pid, items := batchWallet(t, 3)
	bad := slices.Clone(items)
	bad[2].key = items[0].key // the third copy is not bound to this key
	var ie *ImportError
	if _, err := w.keepBatch(bad, pid, false); !errors.As(err, &ie) {
		t.Fatalf("a copy bound to another key: %v", err)
	}
	if _, err := w.keepBatch(items, "no-such-person", false); err == nil {
		t.Fatal("kept under a missing profile")
	}
	// The same copy twice: refused inside the transaction, after the
	// first was written to it.
	dup := []received{items[0], items[1], items[0]}
	if _, err := w.keepBatch(dup, pid, false); err == nil {
		t.Fatal("the same copy twice was kept")
	}
	for _, kind := range []string{kindCred, kindCredKey, indexKind(pid)} {
		if n := stored(t, w, kind); n != 0 {
			t.Errorf("%d %s records left by failed keeps", n, kind)
		}
	}
	card, err := w.keepBatch(items, pid, false)
	if err != nil {
		t.Fatal(err)
	}
	if card.Copies != 3 || card.Batch == "" || !card.Bound {
		t.Fatalf("kept %+v", card)
	}
	if stored(t, w, kindCred) != 3 || stored(t, w, kindCredKey) != 3 {
		t.Fatal("not every copy kept with its key")
	}
}

// TestPresentRotatesCopies: least-shown first, each copy with its own key,
// a credential kept the old way with the person's key; removing the
// person removes the copies' keys.
func TestPresentRotatesCopies(t *testing.T) {
	w, c, pid, items := batchWallet(t, 3)
	card, err := w.keepBatch(items, pid, false)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for i := range 7 {
		p, err := w.Present(PresentRequest{ProfileID: pid, Preset: "school", Mode: ModeLive})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 1 {
			t.Fatalf("%d items: the copies are one record", len(p.Items))
		}
		id := p.Items[0].CredentialID
		seen[id]++
		// Within each round of 3 every copy is shown once.
		if i < 3 && seen[id] != 1 || i >= 3 && i < 6 && seen[id] != 2 {
			t.Fatalf("presentation %d reused %s too soon: %v", i+1, id, seen)
		}
		var cred Credential
		var key *jose.PrivateKey
		w.view(func(t tx) error {
			getCred(t, id, &cred)
			key, _ = keyOf(t, &cred)
			return nil
		})
		if key == nil || holderDID(cred.Text) != key.Public().DIDKey() {
			t.Fatalf("copy %s presented without its own key", id)
		}
	}
	cps, err := w.Copies(card.ID)
	if err != nil || len(cps) != 3 {
		t.Fatal(cps, err)
	}
	total := 0
	for _, cp := range cps {
		total += cp.Presented
	}
	if total != 7 {
		t.Errorf("presentations counted: %d, want 7", total)
	}
	// Deleting the history does not restart the rotation.
	if err := w.DeleteHistory(); err != nil {
		t.Fatal(err)
	}
	if cps2, _ := w.Copies(card.ID); !slices.Equal(cps, cps2) {
		t.Errorf("counts changed with the history: %+v → %+v", cps, cps2)
	}

	// An SD-JWT VC bound to the person's key, kept the old way.
	pk, err := w.holderKey(pid)
	if err != nil {
		t.Fatal(err)
	}
	rec := karimRecord()
	rec.Patient = demoRecord(t).Patient
	sd, _ := c.sdjwt(t, rec, pk.Public())
	cands, _ := w.Import("old.sd-jwt", []byte(sd))
	old, err := w.Keep(cands[0], pid)
	if err != nil || !old.Bound {
		t.Fatalf("old-style keep: %+v %v", old, err)
	}
	p, err := w.Present(PresentRequest{ProfileID: pid, Credentials: []string{old.ID}, Preset: "full", Mode: ModeLive})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := w.itemKeys(p)
	if err != nil || len(keys) != 1 || keys[0].Public().DIDKey() != pk.Public().DIDKey() {
		t.Fatalf("old-style record not signed with the person's key: %v", err)
	}
	if creds, _ := w.Credentials(pid); len(creds) != 2 {
		t.Errorf("%d records listed, want 2", len(creds))
	}
	var ne *ProfileNotEmptyError
	if err := w.RemoveProfile(pid, false); !errors.As(err, &ne) || ne.Credentials != 2 {
		t.Errorf("removing the person unconfirmed: %v, want 2 records (the batch counts once)", err)
	}
	if err := w.RemoveProfile(pid, true); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{kindCred, kindCredKey, kindUses} {
		if n := stored(t, w, kind); n != 0 {
			t.Errorf("%d %s records left after removing the person", n, kind)
		}
	}
}

// TestMoveBatch: moving a record moves every copy, still bound to its keys.
func TestMoveBatch(t *testing.T) {
	w, _, pid, items := batchWallet(t, 2)
	card, err := w.keepBatch(items, pid, false)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := w.AddProfile(Profile{Given: "Karim", Family: "Haddad"})
	if err := w.MoveCredential(card.ID, other.ID); err != nil {
		t.Fatal(err)
	}
	creds, _ := w.Credentials(other.ID)
	if len(creds) != 1 || creds[0].Copies != 2 || !creds[0].Bound {
		t.Fatalf("moved: %+v", creds)
	}
	if left, _ := w.Credentials(pid); len(left) != 0 {
		t.Errorf("left behind: %+v", left)
	}
}

func TestCards(t *testing.T) {
	in := []Credential{{ID: "z", Batch: "b"}, {ID: "x"}, {ID: "a", Batch: "b"}, {ID: "m", Batch: "c"}}
	out := cards(in)
	want := []Credential{{ID: "a", Batch: "b", Copies: 2}, {ID: "x", Copies: 1}, {ID: "m", Batch: "c", Copies: 1}}
	if !slices.EqualFunc(out, want, func(a, b Credential) bool { return a.ID == b.ID && a.Copies == b.Copies }) {
		t.Errorf("cards = %+v", out)
	}
}

// TestBackupKeepsCopies: a backup holds every copy with its key and count;
// restored into another wallet, the record is one, presents with the
// copies' own keys and goes on rotating where it was.
func TestBackupKeepsCopies(t *testing.T) {
	w, c, pid, items := batchWallet(t, 3)
	card, err := w.keepBatch(items, pid, false)
	if err != nil {
		t.Fatal(err)
	}
	first, err := w.Present(PresentRequest{ProfileID: pid, Preset: "school", Mode: ModeLive})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "wallet.age")
	if err := w.backupFileWith(path, []byte("backup pass"), 2); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	snap, err := w.ReadBackup(f, []byte("backup pass"))
	if err != nil {
		t.Fatal(err)
	}
	if snap.Credentials != 1 {
		t.Errorf("the backup says %d records, want 1 (3 copies)", snap.Credentials)
	}
	fresh := newTestWallet(t, Options{})
	if err := fresh.Restore(snap, false); err != nil {
		t.Fatal(err)
	}
	if err := fresh.AddTrust("status.jwt", c.statusToken(t)); err != nil {
		t.Fatal(err)
	}
	creds, err := fresh.Credentials(pid)
	if err != nil || len(creds) != 1 || creds[0].ID != card.ID || creds[0].Copies != 3 {
		t.Fatalf("restored: %+v %v", creds, err)
	}
	p, err := fresh.Present(PresentRequest{ProfileID: pid, Preset: "school", Mode: ModeLive})
	if err != nil {
		t.Fatal(err)
	}
	if p.Items[0].CredentialID == first.Items[0].CredentialID {
		t.Error("the restored wallet presented the copy already shown")
	}
	keys, err := fresh.itemKeys(p)
	if err != nil || holderDID(mustCred(t, fresh, p.Items[0].CredentialID).Text) != keys[0].Public().DIDKey() {
		t.Fatalf("restored copy not presented with its own key: %v", err)
	}
}

// BenchmarkPresentCopy: a live presentation of a record held as 5 copies
// (the least-shown copy picked, its own key read) against one of a record
// kept the old way (the person's key), interleaved.
func BenchmarkPresentCopy(b *testing.B) {
	w, c, pid, items := batchWallet(b, DefaultCopies)
	card, err := w.keepBatch(items, pid, false)
	if err != nil {
		b.Fatal(err)
	}
	pk, _ := w.holderKey(pid)
	sd, _ := c.sdjwt(b, demoRecord(b), pk.Public())
	cands, _ := w.Import("old.sd-jwt", []byte(sd))
	old, err := w.Keep(cands[0], pid)
	if err != nil {
		b.Fatal(err)
	}
	present := func(id string) func() error {
		return func() error {
			_, err := w.Present(PresentRequest{ProfileID: pid, Credentials: []string{id}, Preset: "school", Mode: ModeLive})
			return err
		}
	}
	ratiobench.Run(b, present(card.ID), present(old.ID))
}

// TestChallengeCopies: a verifier's challenge lists the record once and two
// answers use two copies, each verified and bound to its own key; a copy
// named directly presents the record.
func TestChallengeCopies(t *testing.T) {
	w, c, pid, items := batchWallet(t, 2)
	card, err := w.keepBatch(items, pid, false)
	if err != nil {
		t.Fatal(err)
	}
	vk, _ := jose.GenerateKey()
	ch, err := sdjwt.NewChallenge(vk.Public(), [][]any{{"given_name"}, {"doses", nil}}, 5*time.Minute, "School", testNow)
	if err != nil {
		t.Fatal(err)
	}
	ts := c.trust
	if err := ts.LoadStatus("status", c.statusToken(t)); err != nil {
		t.Fatal(err)
	}
	var used []string
	for range 2 {
		req, err := w.ReadChallenge("paste", []byte(ch.Format()))
		if err != nil {
			t.Fatal(err)
		}
		if len(req.Options) != 1 || req.Options[0].CredentialID != card.ID {
			t.Fatalf("options %+v: want the record once", req.Options)
		}
		ans, err := w.AnswerChallenge(req, req.Options[0].CredentialID)
		if err != nil {
			t.Fatal(err)
		}
		vf := verifier.Verifier{Trust: ts, At: testNow, Challenge: ch.Expect()}
		if r := vf.Verify([]verifier.Input{{Name: "answer", Data: []byte(ans.Items[0].QR)}})[0]; !r.Valid || r.Binding != sdjwt.BindingChallenge {
			t.Fatalf("answer: %+v", r)
		}
		used = append(used, ans.Items[0].CredentialID)
	}
	if used[0] == used[1] {
		t.Errorf("both answers used copy %s", used[0])
	}
	// The copy that is not the listed one, named directly (as the history
	// names it): the record is presented.
	other := used[0]
	if other == card.ID {
		other = used[1]
	}
	if _, err := w.Present(PresentRequest{ProfileID: pid, Credentials: []string{other}, Preset: "school", Mode: ModeLive}); err != nil {
		t.Errorf("present by a copy's ID: %v", err)
	}
	var nf *NotFoundError
	if _, err := w.Present(PresentRequest{ProfileID: pid, Credentials: []string{"nope"}, Preset: "school"}); !errors.As(err, &nf) {
		t.Errorf("present an unknown ID: %v", err)
	}
}
