package backup

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/immunopass/immunopass/wallet/store"
)

var (
	pass = []byte("backup passphrase")
	fast = Options{WorkFactor: 2, Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }}
)

func newStore(t *testing.T) *store.Bolt {
	t.Helper()
	s, err := store.CreateBolt(filepath.Join(t.TempDir(), "wallet.db"), []byte("store pass"), store.TestParams)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fill puts a wallet's worth of varied records into s.
func fill(t *testing.T, s store.Store) {
	t.Helper()
	err := s.Update(func(tx store.Tx) error {
		for p := range 3 {
			tx.Put("profile", fmt.Sprintf("p%d", p), []byte(fmt.Sprintf(`{"name":"Person %d","birthDate":"2016-03-1%d"}`, p, p)))
			tx.Put("key", fmt.Sprintf("p%d", p), []byte{0, 1, 2, 0xff, byte(p)})
			for c := range 4 {
				tx.Put("credential", fmt.Sprintf("p%d/c%d", p, c), bytes.Repeat([]byte("shc:/5676290952"), 100+c))
			}
		}
		tx.Put("history", "2026-01-01T00:00:00Z/1", []byte(`{"to":"school"}`))
		tx.Put("settings", "é unicode id", []byte{})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func dump(t *testing.T, s store.Store) []Record {
	t.Helper()
	snap, err := Take(s, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return snap.Records
}

func sameRecords(a, b []Record) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Kind != b[i].Kind || a[i].ID != b[i].ID || !bytes.Equal(a[i].Value, b[i].Value) {
			return false
		}
	}
	return true
}

func backupBytes(t *testing.T, s store.Store) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteWith(&buf, pass, s, fast); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRoundTrip: a backup restored into a fresh store gives every kind, id
// and value back.
func TestRoundTrip(t *testing.T) {
	src := newStore(t)
	fill(t, src)
	path := filepath.Join(t.TempDir(), "wallet.age")
	if err := WriteFile(path, pass, src, fast); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", st.Mode().Perm())
	}
	f, _ := os.Open(path)
	snap, err := Read(f, pass)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if snap.Version != Version || !snap.Created.Equal(fast.Now()) {
		t.Errorf("snapshot version %d created %v", snap.Version, snap.Created)
	}
	for _, dst := range []store.Store{newStore(t), store.NewMem([]byte("x"))} {
		if err := Restore(dst, snap, false); err != nil {
			t.Fatal(err)
		}
		want, got := dump(t, src), dump(t, dst)
		if len(want) != 3+3+12+1+1 || !sameRecords(got, want) {
			t.Fatalf("restored %d records, want the %d of the source, identical", len(got), len(want))
		}
		// Restoring the same backup again changes nothing and conflicts with nothing.
		if err := Restore(dst, snap, false); err != nil {
			t.Fatalf("second restore: %v", err)
		}
	}
	// A temporary file left by an interrupted backup goes once it is stale;
	// a recent one (perhaps still being written) stays.
	stale := filepath.Join(filepath.Dir(path), ".wallet.age.tmp-123")
	recent := filepath.Join(filepath.Dir(path), ".wallet.age.tmp-456")
	os.WriteFile(stale, []byte("age-encryption.org/v1\n"), 0o600)
	os.WriteFile(recent, []byte("age-encryption.org/v1\n"), 0o600)
	long := time.Now().Add(-2 * StaleAfter)
	os.Chtimes(stale, long, long)
	if err := WriteFile(path, pass, src, fast); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("stale temporary backup file kept")
	}
	if _, err := os.Stat(recent); err != nil {
		t.Error("recent temporary backup file removed")
	}
	os.Remove(recent)
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("backup folder holds %d files, want 1 (no temporary left)", len(entries))
	}
}

// TestStockAge: the backup is a plain age file that the age library (and
// the age tool, when installed) opens with the passphrase.
func TestStockAge(t *testing.T) {
	src := newStore(t)
	fill(t, src)
	data := backupBytes(t, src)
	snap, _ := Take(src, fast.Now())
	id, _ := age.NewScryptIdentity(string(pass))
	r, err := age.Decrypt(bytes.NewReader(data), id)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(r)
	if !bytes.Equal(plain, snap.Marshal()) {
		t.Fatal("age library decrypts to something else than the snapshot")
	}
	t.Run("age binary", func(t *testing.T) {
		if _, err := exec.LookPath("age"); err != nil {
			t.Skip("the age binary is not installed; the age library opened the backup")
		}
		// age -d reads a passphrase from the terminal only; without a pty here,
		// the library check above stands for it.
		t.Skip("age asks for the passphrase on a terminal; the age library opened the backup")
	})
}

func TestReadErrors(t *testing.T) {
	src := newStore(t)
	fill(t, src)
	good := backupBytes(t, src)
	flip := func(i int) []byte { b := bytes.Clone(good); b[i] ^= 0x01; return b }
	encrypt := func(plain string) []byte {
		r, _ := age.NewScryptRecipient(string(pass))
		r.SetWorkFactor(2)
		var buf bytes.Buffer
		w, _ := age.Encrypt(&buf, r)
		io.WriteString(w, plain)
		w.Close()
		return buf.Bytes()
	}
	x25519 := func() []byte {
		id, _ := age.GenerateX25519Identity()
		var buf bytes.Buffer
		w, _ := age.Encrypt(&buf, id.Recipient())
		w.Write(fast.Now().AppendFormat(nil, time.RFC3339))
		w.Close()
		return buf.Bytes()
	}()
	hdrEnd := bytes.Index(good, []byte("\n---")) + 1
	var (
		format  *FormatError
		corrupt *CorruptError
		version *VersionError
	)
	cases := []struct {
		name string
		in   []byte
		pass []byte
		want any // error sentinel or pointer to a typed error
	}{
		{"wrong passphrase", good, []byte("Backup passphrase"), ErrWrongPassphrase},
		{"empty passphrase", good, nil, ErrWrongPassphrase},
		{"empty file", nil, pass, &format},
		{"text file", []byte("profile,credential\nAlice,shc:/56\n"), pass, &format},
		{"store file", []byte("IPWALLET\x01..."), pass, &format},
		{"age to a key", x25519, pass, &format},
		{"truncated in header", good[:hdrEnd-5], pass, &corrupt},
		{"truncated after header", good[:hdrEnd+60], pass, &corrupt},
		{"truncated by 1", good[:len(good)-1], pass, &corrupt},
		{"truncated by 17", good[:len(good)-17], pass, &corrupt},
		{"extra byte", append(bytes.Clone(good), 0), pass, &corrupt},
		{"flipped in header MAC", flip(hdrEnd + 5), pass, &corrupt},
		{"flipped in nonce", flip(hdrEnd + 50), pass, &corrupt},
		{"flipped in payload", flip(len(good) / 2), pass, &corrupt},
		{"flipped last byte", flip(len(good) - 1), pass, &corrupt},
		{"future version", encrypt(`{"type":"immunopass-wallet-backup","version":2,"future":"members"}`), pass, &version},
		{"other JSON", encrypt(`{"type":"something-else","version":1}`), pass, &format},
		{"not JSON", encrypt(`PK\x03\x04`), pass, &format},
	}
	for _, c := range cases {
		snap, err := read(bytes.NewReader(c.in), c.pass, 4)
		ok := false
		switch w := c.want.(type) {
		case error:
			ok = errors.Is(err, w)
		case **FormatError:
			ok = errors.As(err, w)
		case **CorruptError:
			ok = errors.As(err, w)
		case **VersionError:
			ok = errors.As(err, w)
		}
		if !ok || snap != nil {
			t.Errorf("%s: %v, want %T", c.name, err, c.want)
		}
	}
	// A file asking for more scrypt work than allowed is refused before any.
	if _, err := read(bytes.NewReader(good), pass, 1); !errors.As(err, &format) || !strings.Contains(err.Error(), "work factor") {
		t.Errorf("work factor above the maximum: %v", err)
	}
	if err := (&VersionError{Version: 2}).Error(); !strings.Contains(err, "version 2") {
		t.Errorf("VersionError message %q", err)
	}
}

// parseCases are snapshot texts and the problem Parse must report ("" = valid).
var parseCases = []struct{ in, problem string }{
	{`{"type":"immunopass-wallet-backup","version":1,"created":"2026-01-02T03:04:05Z","records":[]}`, ""},
	{`{"type":"immunopass-wallet-backup","version":1,"created":"2026-01-02T03:04:05Z","records":[{"kind":"k","id":"i","value":""},{"kind":"k","id":"j","value":"AQI"}]}`, ""},
	{`{"type":"immunopass-wallet-backup","version":1,"created":"2026-01-02T03:04:05Z","records":[],"extra":1}`, "unknown field"},
	{`{"type":"immunopass-wallet-backup","version":1,"version":1,"created":"2026-01-02T03:04:05Z","records":[]}`, "duplicate"},
	{`{"type":"immunopass-wallet-backup","version":1,"records":[]}`, "required"},
	{`{"type":"immunopass-wallet-backup","version":1,"created":"2026-01-02T03:04:05Z"}`, "required"},
	{`{"type":"immunopass-wallet-backup","version":1,"created":"yesterday","records":[]}`, "RFC 3339"},
	{`{"type":"immunopass-wallet-backup","version":1.5,"created":"2026-01-02T03:04:05Z","records":[]}`, "positive integer"},
	{`{"type":"immunopass-wallet-backup","version":0,"created":"2026-01-02T03:04:05Z","records":[]}`, "positive integer"},
	{`{"type":"immunopass-wallet-backup","version":"1","created":"2026-01-02T03:04:05Z","records":[]}`, "positive integer"},
	{`{"type":"immunopass-wallet-backup","version":1,"created":"2026-01-02T03:04:05Z","records":[{"kind":"k","id":"i"}]}`, "required"},
	{`{"type":"immunopass-wallet-backup","version":1,"created":"2026-01-02T03:04:05Z","records":[{"kind":"","id":"i","value":""}]}`, "empty kind"},
	{`{"type":"immunopass-wallet-backup","version":1,"created":"2026-01-02T03:04:05Z","records":[{"kind":"k","id":"i","value":"AQI="}]}`, "value"},
	{`{"type":"immunopass-wallet-backup","version":1,"created":"2026-01-02T03:04:05Z","records":[{"kind":"k","id":"i","value":"A+I"}]}`, "value"},
	{`{"type":"immunopass-wallet-backup","version":1,"created":"2026-01-02T03:04:05Z","records":[{"kind":"k","id":"j","value":""},{"kind":"k","id":"i","value":""}]}`, "out of order"},
	{`{"type":"immunopass-wallet-backup","version":1,"created":"2026-01-02T03:04:05Z","records":[{"kind":"k","id":"i","value":""},{"kind":"k","id":"i","value":""}]}`, "repeated"},
	{`{"type":"immunopass-wallet-backup","version":1,"created":"2026-01-02T03:04:05Z","records":[{"kind":"k","id":"i","value":"","x":1}]}`, "unknown field"},
	{`{"type":"immunopass-wallet-backup","version":1,"created":"2026-01-02T03:04:05Z","records":[]} {}`, "after"},
	{`[]`, "not a JSON object"},
	{`{"type":"immunopass-wallet-backup","version":7,"created":"x"}`, "newer"},
	// Cases found by fuzzing:
}

func TestParse(t *testing.T) {
	for _, c := range parseCases {
		snap, err := Parse([]byte(c.in))
		if c.problem == "" {
			if err != nil {
				t.Errorf("Parse(%s): %v", c.in, err)
				continue
			}
			again, err := Parse(snap.Marshal())
			if err != nil || !sameRecords(again.Records, snap.Records) {
				t.Errorf("Parse(Marshal(Parse(%s))): %v", c.in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.problem) {
			t.Errorf("Parse(%s): %v, want an error with %q", c.in, err, c.problem)
		}
	}
}

func TestRestoreConflicts(t *testing.T) {
	src := newStore(t)
	fill(t, src)
	snap, _ := Take(src, fast.Now())
	dst := newStore(t)
	dst.Update(func(tx store.Tx) error {
		tx.Put("profile", "p1", []byte("changed since the backup"))
		tx.Put("key", "p0", []byte{0, 1, 2, 0xff, 0}) // same value: no conflict
		tx.Put("profile", "new", []byte("added since the backup"))
		return nil
	})
	before := dump(t, dst)
	err := Restore(dst, snap, false)
	var ce *ConflictError
	if !errors.As(err, &ce) || len(ce.Replaced) != 1 || ce.Replaced[0] != (Key{"profile", "p1"}) {
		t.Fatalf("Restore without replace: %v, want a conflict on profile/p1", err)
	}
	if !strings.Contains(err.Error(), `"profile"/"p1"`) {
		t.Errorf("conflict message %q", err)
	}
	if !sameRecords(dump(t, dst), before) {
		t.Fatal("a refused restore changed the store")
	}
	if err := Restore(dst, snap, true); err != nil {
		t.Fatal(err)
	}
	got := dump(t, dst)
	if len(got) != len(snap.Records)+1 {
		t.Fatalf("%d records after replace, want the backup's %d and the one added", len(got), len(snap.Records))
	}
	if v, _ := recordValue(got, "profile", "p1"); string(v) == "changed since the backup" {
		t.Error("replace kept the conflicting value")
	}
	if _, ok := recordValue(got, "profile", "new"); !ok {
		t.Error("replace dropped a record the backup does not hold")
	}
}

func recordValue(rs []Record, kind, id string) ([]byte, bool) {
	for _, r := range rs {
		if r.Kind == kind && r.ID == id {
			return r.Value, true
		}
	}
	return nil, false
}

// TestRestoreAllOrNothing: a restore that fails part-way leaves the store as
// it was.
func TestRestoreAllOrNothing(t *testing.T) {
	dst := newStore(t)
	fill(t, dst)
	before := dump(t, dst)
	bad := &Snapshot{Version: Version, Records: []Record{
		{Kind: "profile", ID: "fresh", Value: []byte("x")},
		{Kind: "zz", ID: strings.Repeat("i", store.MaxID+1), Value: nil},
	}}
	if err := Restore(dst, bad, true); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("Restore of a bad record: %v", err)
	}
	if !sameRecords(dump(t, dst), before) {
		t.Fatal("a failed restore changed the store")
	}
	dst.Lock()
	snap, _ := Take(store.NewMem(pass), time.Now())
	if err := Restore(dst, snap, true); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("Restore into a locked store: %v", err)
	}
}

// TestWriteFileKeepsOldOnFailure: a failed backup leaves the previous file
// under the final name and no temporary file.
func TestWriteFileKeepsOldOnFailure(t *testing.T) {
	s := newStore(t)
	fill(t, s)
	dir := t.TempDir()
	path := filepath.Join(dir, "wallet.age")
	if err := WriteFile(path, pass, s, fast); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(path)
	s.Lock()
	if err := WriteFile(path, pass, s, fast); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("WriteFile of a locked store: %v", err)
	}
	if err := WriteFile(path, nil, s, fast); err == nil {
		t.Fatal("WriteFile with an empty passphrase succeeded")
	}
	now, _ := os.ReadFile(path)
	entries, _ := os.ReadDir(dir)
	if !bytes.Equal(old, now) || len(entries) != 1 {
		t.Fatalf("failed backups changed the folder: %d entries", len(entries))
	}
}

// FuzzParse: the snapshot parser never panics, and what it accepts survives
// Marshal and Parse unchanged.
func FuzzParse(f *testing.F) {
	for _, c := range parseCases {
		f.Add([]byte(c.in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		snap, err := Parse(data)
		if err != nil {
			return
		}
		again, err := Parse(snap.Marshal())
		if err != nil || !sameRecords(again.Records, snap.Records) || !again.Created.Equal(snap.Created) {
			t.Fatalf("Parse(Marshal(Parse(%q))): %v", data, err)
		}
	})
}

// FuzzRead: the whole Read path (age header, scrypt with a low work factor,
// payload, snapshot) with a fixed passphrase never panics and returns either
// a snapshot or one of the typed errors.
func FuzzRead(f *testing.F) {
	s := store.NewMem(pass)
	s.Update(func(tx store.Tx) error { return tx.Put("profile", "p", []byte("v")) })
	var buf bytes.Buffer
	WriteWith(&buf, pass, s, Options{WorkFactor: 1})
	f.Add(buf.Bytes())
	f.Add([]byte(ageMagic + "-> scrypt AAAA 1\n"))
	f.Add([]byte("not age"))
	f.Fuzz(func(t *testing.T, data []byte) {
		snap, err := read(bytes.NewReader(data), pass, 2)
		if err == nil {
			if snap == nil {
				t.Fatal("nil snapshot and nil error")
			}
			return
		}
		var (
			fe *FormatError
			ce *CorruptError
			ve *VersionError
		)
		if !errors.Is(err, ErrWrongPassphrase) && !errors.As(err, &fe) && !errors.As(err, &ce) && !errors.As(err, &ve) {
			t.Fatalf("untyped error %T: %v", err, err)
		}
	})
}
