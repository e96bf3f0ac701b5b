package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/wallet/store"
)

func newBolt(t *testing.T) (*store.Bolt, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wallet.db")
	s, err := store.CreateBolt(path, pass, store.TestParams)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestBoltPersists(t *testing.T) {
	s, path := newBolt(t)
	put(t, s, "profile", "p1", "Alice")
	put(t, s, "credential", "c1", "shc:/5676")
	want := dump(t, s)
	s.Close()
	s2, err := store.OpenBolt(path, pass)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got := dump(t, s2); got != want {
		t.Fatalf("reopened: %q, want %q", got, want)
	}
	if p, err := s2.Params(); err != nil || p != store.TestParams {
		t.Fatalf("Params = %v, %v", p, err)
	}
}

// TestBoltNoPlaintext greps the raw file for what the wallet keeps.
func TestBoltNoPlaintext(t *testing.T) {
	s, path := newBolt(t)
	secrets := []string{
		"Aïcha Benali", "Benali", "2016-03-14", "19160314", "shc:/567629095243206034602924374044603122295953265460346029254077280433602870286471674522280928613331456437653141590640220306450459085643550341424541364037063665417137241236380304375622046737407532323925433443326057360106452931531270742428395038692212766728666731266342087422573776302062041022437658685343255820002167287607585708105505622752282407670809680507692361773323356634342439664440596761410443377667202663224433674530596175400038397052612140292974753658337372662132066669047253044469405210524536242721550377673434280323045475690310233670562227414567090555653507636250537239522776211205312561442568282012726838630039087127042463716936535535602928393065580072763158437500341209367808706044120443056937202774025363442830266707352420325244383034086403410944206161543408616427036842570732402624073323357437295960612326627635252935722153652956042930065624210426312437766553317725210520065773350424622170270545057722265366377526450022037245262722405620096161245577583433566057357569056206555525437765032667326062032655226125253524283533616637293062555557652945633655735540640640626661640420226062322560405545735606332606202025612126032567635022550676052521732577713341257600303771546577522160006452326206706575652532413432362577305240723662407762286125",
		"eyJhbGciOiJFUzI1NiIsInppcCI6IkRFRiIsImtpZCI6IjNLZmRnLVh3UC03Z1h5eXd0VWZVQUR3QnVtRE9QS01ReC1pRUxMMTFXOXMifQ",
		"profile-0a1b2c3d", "credential-77f1e2", "history", "profile", "credential",
	}
	s.Update(func(tx store.Tx) error {
		tx.Put("profile", "profile-0a1b2c3d", []byte(`{"name":"Aïcha Benali","birthDate":"2016-03-14"}`))
		tx.Put("credential", "credential-77f1e2", []byte(secrets[3]+"\n"+secrets[4]+".payload.sig"))
		tx.Put("history", "h-1", []byte("presented to school on 19160314"))
		return nil
	})
	// Deleted and overwritten values must not linger in free pages either
	// (they are sealed, so even stale pages hold nothing readable).
	s.Update(func(tx store.Tx) error {
		return tx.Put("profile", "profile-0a1b2c3d", []byte("Aïcha Benali 2016-03-14 again"))
	})
	s.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range secrets {
		for _, needle := range []string{sec, sec[:min(len(sec), 12)]} {
			if bytes.Contains(raw, []byte(needle)) {
				t.Errorf("store file holds plaintext %q", needle)
			}
		}
	}
	for _, needle := range []string{"shc:/", "eyJ", "Aïcha", "2016-03"} {
		if bytes.Contains(raw, []byte(needle)) {
			t.Errorf("store file holds plaintext %q", needle)
		}
	}
}

func TestBoltWrongPassphraseTouchesNothing(t *testing.T) {
	s, path := newBolt(t)
	put(t, s, "profile", "p1", "Alice")
	s.Close()
	before, _ := os.ReadFile(path)
	st, _ := os.Stat(path)
	for _, p := range [][]byte{[]byte("wrong"), nil, append(pass, 0)} {
		if _, err := store.OpenBolt(path, p); !errors.Is(err, store.ErrWrongPassphrase) {
			t.Fatalf("OpenBolt(%q): %v, want ErrWrongPassphrase", p, err)
		}
	}
	after, _ := os.ReadFile(path)
	st2, _ := os.Stat(path)
	if !bytes.Equal(before, after) || !st.ModTime().Equal(st2.ModTime()) {
		t.Fatal("a wrong passphrase changed the file")
	}
	s2, err := store.OpenBolt(path, pass)
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
}

func TestBoltCreateAndOpenErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "wallet.db")
	s, err := store.CreateBolt(path, pass, store.TestParams)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := store.CreateBolt(path, pass, store.TestParams); !errors.Is(err, store.ErrExists) {
		t.Errorf("CreateBolt over a store: %v, want ErrExists", err)
	}
	if _, err := store.CreateBolt(filepath.Join(dir, "x"), nil, store.TestParams); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("CreateBolt with an empty passphrase: %v, want ErrInvalid", err)
	}
	if _, err := store.CreateBolt(filepath.Join(dir, "y"), pass, store.Params{}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("CreateBolt with zero params: %v, want ErrInvalid", err)
	}
	missing := filepath.Join(dir, "missing.db")
	if _, err := store.OpenBolt(missing, pass); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenBolt of a missing file: %v", err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("OpenBolt created %q", missing)
	}
	junk := filepath.Join(dir, "junk")
	os.WriteFile(junk, bytes.Repeat([]byte("not a database "), 1000), 0o600)
	var ce *store.CorruptError
	if _, err := store.OpenBolt(junk, pass); !errors.As(err, &ce) {
		t.Errorf("OpenBolt of junk: %v, want *CorruptError", err)
	}
	// A bbolt file that is not a wallet store.
	other := filepath.Join(dir, "other.db")
	db, err := bolt.Open(other, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("x")); return err })
	db.Close()
	if _, err := store.OpenBolt(other, pass); !errors.As(err, &ce) {
		t.Errorf("OpenBolt of another bbolt file: %v, want *CorruptError", err)
	}
	// Only the store file itself is left: no temporary files.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		switch e.Name() {
		case "wallet.db", "junk", "other.db":
		default:
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// TestBoltTampering moves sealed values between records outside the store:
// every read of a moved value is a *CorruptError, never another record's data.
func TestBoltTampering(t *testing.T) {
	s, path := newBolt(t)
	s.Update(func(tx store.Tx) error {
		tx.Put("profile", "a", []byte("Alice"))
		tx.Put("profile", "b", []byte("Bob"))
		return tx.Put("credential", "a", []byte("card"))
	})
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Swap the two sealed values inside one kind bucket, and copy one into the
	// other kind's bucket.
	err = db.Update(func(tx *bolt.Tx) error {
		var buckets [][]byte
		recs := tx.Bucket([]byte("records"))
		recs.ForEachBucket(func(k []byte) error { buckets = append(buckets, bytes.Clone(k)); return nil })
		if len(buckets) != 2 {
			t.Fatalf("%d kind buckets, want 2", len(buckets))
		}
		var keys, vals [][]byte
		for _, bk := range buckets {
			recs.Bucket(bk).ForEach(func(k, v []byte) error {
				if len(k) > 1 {
					keys, vals = append(keys, bytes.Clone(k)), append(vals, bytes.Clone(v))
				}
				return nil
			})
		}
		// Put the first record's sealed value under every other record's key.
		for _, bk := range buckets {
			b := recs.Bucket(bk)
			b.ForEach(func(k, v []byte) error { return nil })
			for i := range keys {
				if b.Get(keys[i]) != nil && i != 0 {
					b.Put(keys[i], vals[0])
				}
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s2, err := store.OpenBolt(path, pass)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	corrupt := 0
	for _, k := range []struct{ kind, id string }{{"profile", "a"}, {"profile", "b"}, {"credential", "a"}} {
		v, err := get(t, s2, k.kind, k.id)
		var ce *store.CorruptError
		switch {
		case errors.As(err, &ce):
			corrupt++
		case err != nil:
			t.Errorf("%s/%s: %v", k.kind, k.id, err)
		case !(k.kind == "profile" && k.id == "a" && v == "Alice" || k.kind == "credential" && v == "card" || k.id == "b" && v == "Bob"):
			t.Errorf("%s/%s read %q: a moved value was accepted", k.kind, k.id, v)
		}
	}
	if corrupt != 2 {
		t.Errorf("%d corrupt reads, want 2", corrupt)
	}
	var ce *store.CorruptError
	if err := s2.View(func(tx store.Tx) error { return tx.ForEach("profile", func(string, []byte) error { return nil }) }); !errors.As(err, &ce) {
		t.Errorf("ForEach over a moved value: %v, want *CorruptError", err)
	}
}

func TestBoltChangePassphraseIsRewrapOnly(t *testing.T) {
	s, path := newBolt(t)
	put(t, s, "credential", "c", "sealed once")
	s.Close()
	before := rawRecords(t, path)
	s, err := store.OpenBolt(path, pass)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ChangePassphrase(pass, []byte("new pass")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if after := rawRecords(t, path); after != before {
		t.Fatal("ChangePassphrase re-sealed records; it should only rewrap the data key")
	}
	if _, err := store.OpenBolt(path, pass); !errors.Is(err, store.ErrWrongPassphrase) {
		t.Fatalf("old passphrase: %v", err)
	}
	s, err = store.OpenBolt(path, []byte("new pass"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := get(t, s, "credential", "c"); err != nil || v != "sealed once" {
		t.Fatalf("after change: %q, %v", v, err)
	}
}

// rawRecords returns the sealed records bucket as text, read with bbolt.
func rawRecords(t *testing.T, path string) string {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b bytes.Buffer
	db.View(func(tx *bolt.Tx) error {
		recs := tx.Bucket([]byte("records"))
		return recs.ForEachBucket(func(k []byte) error {
			return recs.Bucket(k).ForEach(func(k2, v []byte) error {
				fmt.Fprintf(&b, "%x/%x=%x\n", k, k2, v)
				return nil
			})
		})
	})
	return b.String()
}

// TestBoltBadHeader: a header record altered in the file is refused with a
// *HeaderError (or, when still well-formed, reads as a wrong passphrase).
func TestBoltBadHeader(t *testing.T) {
	for _, c := range []struct {
		name   string
		header []byte
	}{
		{"junk", []byte("junk")},
		{"future version", append([]byte("IPWALLET\x02"), make([]byte, store.HeaderSize-9)...)},
		{"huge memory", append([]byte("IPWALLET\x01\x00\x00\x00\x01\xff\xff\xff\xff\x01"), make([]byte, store.HeaderSize-18)...)},
	} {
		s, path := newBolt(t)
		s.Close()
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("meta")).Put([]byte("header"), c.header) })
		db.Close()
		var he *store.HeaderError
		if _, err := store.OpenBolt(path, pass); !errors.As(err, &he) {
			t.Errorf("%s: %v, want *HeaderError", c.name, err)
		}
	}
}

// TestConcurrentUse: transactions, Lock and Unlock from many goroutines (run
// with -race).
func TestConcurrentUse(t *testing.T) {
	for _, impl := range impls {
		t.Run(impl.name, func(t *testing.T) {
			s := impl.new(t)
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 50 {
						err := s.Update(func(tx store.Tx) error { return tx.Put("k", fmt.Sprintf("%d-%d", g, i), []byte("v")) })
						if err != nil && !errors.Is(err, store.ErrLocked) {
							t.Error(err)
						}
						s.View(func(tx store.Tx) error { _, err := tx.Get("k", "0-0"); return err })
						if g == 0 && i%10 == 0 {
							s.Lock()
							s.Unlock(pass)
						}
					}
				}()
			}
			wg.Wait()
			s.Unlock(pass)
			n := 0
			s.View(func(tx store.Tx) error { return tx.ForEach("k", func(string, []byte) error { n++; return nil }) })
			if n == 0 || n > 200 {
				t.Fatalf("%d records", n)
			}
		})
	}
}
