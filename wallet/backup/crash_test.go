package backup

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/internal/vfs"
	"github.com/immunopass/immunopass/wallet/store"
)

// TestCrashAtEveryStep writes a backup over an older one on vfs.Mem, cuts
// the power after each file operation of WriteFileFS (temporary file,
// chmod, every write of the age stream, fsync, rename, folder fsync, the
// scan for stale temporaries), and reads what is left under the final
// name: the old backup or the complete new one, each decrypting to its own
// records, never part of one; and once WriteFileFS returned nil, always the
// new one.
//
// Mutations run by hand (2026-12-07), each makes the test fail (the set-up
// makes the older backup durable by itself, so the failure is the new one's):
//   - no f.Sync() in internal/atomicfile: "backup acknowledged after step 17
//     of 18, but after the crash /b/wallet.age is not the new backup: not a
//     wallet backup: not an age-encrypted file (it starts "") (present true,
//     0 bytes)": the rename survived the cut, the data did not.
//   - no fsys.SyncDir(dir) in internal/atomicfile: "backup acknowledged after
//     step 17 of 18, but after the crash /b/wallet.age is not the new backup:
//     it is the old one": the rename was forgotten.
func TestCrashAtEveryStep(t *testing.T) {
	const path = "/b/wallet.age"
	src := store.NewMem([]byte("x"))
	fill(t, src)
	older := store.NewMem([]byte("x"))
	if err := older.Update(func(tx store.Tx) error { return tx.Put("profile", "p0", []byte(`{"name":"Old"}`)) }); err != nil {
		t.Fatal(err)
	}
	wantNew, wantOld := dump(t, src), dump(t, older)
	oldTime := fast
	oldTime.Now = func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) }

	setup := func() *vfs.Mem {
		m := vfs.NewMem()
		if err := m.MkdirAll("/b", 0o700); err != nil {
			t.Fatal(err)
		}
		if err := WriteFileFS(m, path, pass, older, oldTime); err != nil {
			t.Fatal(err)
		}
		// Make the older backup durable here too, so that a mutation of
		// the write protocol shows on the new backup, not on this one.
		f, err := m.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if err := m.SyncDir("/b"); err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := setup()
	base := m.Ops()
	if err := WriteFileFS(m, path, pass, src, fast); err != nil {
		t.Fatal(err)
	}
	steps := m.Ops() - base
	if steps < 6 {
		t.Fatalf("WriteFileFS has %d steps, want at least 6", steps)
	}
	for k := 0; k <= steps; k++ {
		m := setup()
		m.CrashAfter(k)
		err := WriteFileFS(m, path, pass, src, fast)
		if err != nil && !errors.Is(err, vfs.ErrCrashed) {
			t.Fatalf("crash after step %d: %v", k, err)
		}
		m.Crash()
		data, present := m.Files()[path]
		snap, rerr := Read(strings.NewReader(data), pass)
		isNew := rerr == nil && sameRecords(snap.Records, wantNew) && snap.Created.Equal(fast.Now())
		isOld := rerr == nil && sameRecords(snap.Records, wantOld) && snap.Created.Equal(oldTime.Now())
		switch {
		case err == nil && !isNew && isOld:
			t.Fatalf("backup acknowledged after step %d of %d, but after the crash %s is not the new backup: it is the old one", k, steps, path)
		case err == nil && !isNew:
			t.Fatalf("backup acknowledged after step %d of %d, but after the crash %s is not the new backup: %v (present %v, %d bytes)", k, steps, path, rerr, present, len(data))
		case !isNew && !isOld:
			t.Fatalf("crash after step %d of %d: %s is neither backup: %v (present %v, %d bytes)", k, steps, path, rerr, present, len(data))
		}
		for name := range m.Files() {
			if name != path && !strings.HasPrefix(name, "/b/.wallet.age.tmp-") {
				t.Fatalf("crash after step %d: unexpected file %q", k, name)
			}
		}
	}
}
