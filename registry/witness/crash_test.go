package witness_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/internal/vfs"
	"github.com/immunopass/immunopass/registry/witness"
)

// TestCrashAtEveryStep runs each of the witness's write protocols (Init,
// AddLog, AddCheckpoint) on vfs.Mem, cuts the power after each of its file
// operations, and reopens the folder. What was acknowledged must survive:
// an Init that returned opens with the verifier key it returned, an AddLog
// that returned trusts that log, an AddCheckpoint that returned a
// cosignature has recorded its size (a witness that forgot it could later
// cosign a rolled-back or forked log). What was not acknowledged may be
// there or not, but the folder always opens, or reads as not initialised
// and can be initialised again.
//
// Mutations run by hand (2026-12-07), each makes all three cases fail (the
// set-up of the AddLog and AddCheckpoint cases is made durable by syncAll,
// so their failures are the protocol's own):
//   - no f.Sync() in internal/atomicfile: "Init acknowledged after step 24
//     of 24 but Open fails: witness key in "/w": malformed signer id" (the
//     key file survives the cut, empty); "AddLog acknowledged after step 6
//     of 6 but the log is not trusted after the crash"; AddCheckpoint:
//     "witness state "/w/state.json": unexpected end of JSON input", a
//     witness that no longer opens.
//   - no fsys.SyncDir(dir) in internal/atomicfile: "Init acknowledged after
//     step 24 of 24 but Open fails: witness folder not initialised: "/w" has
//     no witness.key"; the same AddLog failure; "AddCheckpoint acknowledged
//     after step 5 of 5 but the witness reopens at size 3, want 7".
//   - Init creating logs, state.json and witness.vkey exclusively (the code
//     before this test): "crash after step 10: Init again: "/w/logs": file
//     already exists", a half-initialised folder that neither opened nor
//     initialised again.
func TestCrashAtEveryStep(t *testing.T) {
	const dir = "/w"
	tr := newTree(t, "log.example/immunopass/log")
	tr.add(7, "a")
	cp3, cp7 := tr.checkpoint(t, 3), tr.checkpoint(t, 7)
	add7 := &witness.Request{OldSize: 3, Proof: tr.consistency(3, 7), Checkpoint: cp7}

	fresh := func(t *testing.T) *vfs.Mem {
		m := vfs.NewMem()
		if err := m.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		return m
	}
	open := func(t *testing.T, m *vfs.Mem) *witness.Witness {
		w, err := witness.OpenFS(m, dir)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	// trusted says whether w cosigns a checkpoint of tr (on a copy of the
	// state: it is called on a witness that is then thrown away).
	trusted := func(w *witness.Witness) bool {
		_, err := w.AddCheckpoint(&witness.Request{Checkpoint: cp3})
		var we *witness.Error
		return err == nil || !(errors.As(err, &we) && we.Status == 404)
	}

	t.Run("init", func(t *testing.T) {
		m := fresh(t)
		base := m.Ops()
		if _, err := witness.InitFS(m, dir, "witness.example"); err != nil {
			t.Fatal(err)
		}
		steps := m.Ops() - base
		for k := 0; k <= steps; k++ {
			m := fresh(t)
			m.CrashAfter(k)
			vkey, err := witness.InitFS(m, dir, "witness.example")
			if err != nil && !errors.Is(err, vfs.ErrCrashed) {
				t.Fatalf("crash after step %d: Init: %v", k, err)
			}
			m.Crash()
			w, oerr := witness.OpenFS(m, dir)
			switch {
			case err == nil && oerr != nil:
				t.Fatalf("Init acknowledged after step %d of %d but Open fails: %v", k, steps, oerr)
			case err == nil && w.VerifierKey() != vkey:
				t.Fatalf("Init acknowledged after step %d: verifier key %q, Init returned %q", k, w.VerifierKey(), vkey)
			case oerr != nil && !errors.Is(oerr, witness.ErrNotInitialised):
				t.Fatalf("crash after step %d of %d: Open: %v, want a witness or ErrNotInitialised", k, steps, oerr)
			case oerr != nil:
				vkey, err := witness.InitFS(m, dir, "witness.example")
				if err != nil {
					t.Fatalf("crash after step %d: Init again: %v", k, err)
				}
				if w := open(t, m); w.VerifierKey() != vkey {
					t.Fatalf("crash after step %d: Init again gave %q, Open %q", k, vkey, w.VerifierKey())
				}
			}
		}
	})

	// initialised returns a Mem holding a witness, with tr trusted and
	// checkpoint 3 cosigned when withState.
	initialised := func(t *testing.T, withLog bool) *vfs.Mem {
		m := fresh(t)
		if _, err := witness.InitFS(m, dir, "witness.example"); err != nil {
			t.Fatal(err)
		}
		if withLog {
			w := open(t, m)
			if err := w.AddLog(tr.vkey); err != nil {
				t.Fatal(err)
			}
			if _, err := w.AddCheckpoint(&witness.Request{Checkpoint: cp3}); err != nil {
				t.Fatal(err)
			}
		}
		syncAll(t, m, dir)
		return m
	}

	t.Run("add log", func(t *testing.T) {
		m := initialised(t, false)
		w := open(t, m)
		base := m.Ops()
		if err := w.AddLog(tr.vkey); err != nil {
			t.Fatal(err)
		}
		steps := m.Ops() - base
		for k := 0; k <= steps; k++ {
			m := initialised(t, false)
			w := open(t, m)
			m.CrashAfter(k)
			err := w.AddLog(tr.vkey)
			if err != nil && !errors.Is(err, vfs.ErrCrashed) {
				t.Fatalf("crash after step %d: AddLog: %v", k, err)
			}
			m.Crash()
			if w := open(t, m); err == nil && !trusted(w) {
				t.Fatalf("AddLog acknowledged after step %d of %d but the log is not trusted after the crash", k, steps)
			}
		}
	})

	t.Run("add checkpoint", func(t *testing.T) {
		m := initialised(t, true)
		w := open(t, m)
		base := m.Ops()
		if _, err := w.AddCheckpoint(add7); err != nil {
			t.Fatal(err)
		}
		steps := m.Ops() - base
		if steps < 4 {
			t.Fatalf("AddCheckpoint has %d steps, want at least 4", steps)
		}
		for k := 0; k <= steps; k++ {
			m := initialised(t, true)
			w := open(t, m)
			m.CrashAfter(k)
			sigs, err := w.AddCheckpoint(add7)
			if err != nil && !errors.Is(err, vfs.ErrCrashed) {
				t.Fatalf("crash after step %d: AddCheckpoint: %v", k, err)
			}
			if err == nil && len(sigs) == 0 {
				t.Fatalf("crash after step %d: no cosignature", k)
			}
			if err != nil && w.Size(tr.origin) != 3 {
				t.Fatalf("crash after step %d: a failed AddCheckpoint moved the witness to size %d", k, w.Size(tr.origin))
			}
			m.Crash()
			got := open(t, m).Size(tr.origin)
			switch {
			case err == nil && got != 7:
				t.Fatalf("AddCheckpoint acknowledged after step %d of %d but the witness reopens at size %d, want 7", k, steps, got)
			case got != 3 && got != 7:
				t.Fatalf("crash after step %d of %d: the witness reopens at size %d, want 3 or 7", k, steps, got)
			}
		}
	})
}

// syncAll makes every file of dir durable, so that the set-up of a case
// survives a crash whatever the protocol under test does.
func syncAll(t *testing.T, m *vfs.Mem, dir string) {
	ents, err := m.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		f, err := m.OpenFile(dir+"/"+e.Name(), os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	if err := m.SyncDir(dir); err != nil {
		t.Fatal(err)
	}
}

// TestOpenRefusesMismatchedVKey: Init replaces the files it writes before
// the key (a crash may have left them), so a second Init racing the first
// could replace witness.vkey after the first's key won; Open refuses a
// folder whose verifier key is not the key's.
func TestOpenRefusesMismatchedVKey(t *testing.T) {
	m := vfs.NewMem()
	if _, err := witness.InitFS(m, "/a", "witness.example"); err != nil {
		t.Fatal(err)
	}
	other, err := witness.InitFS(m, "/b", "witness.example")
	if err != nil {
		t.Fatal(err)
	}
	f, err := m.OpenFile("/a/witness.vkey", os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte(other + "\n"))
	f.Close()
	if _, err := witness.OpenFS(m, "/a"); err == nil || !strings.Contains(err.Error(), "witness.vkey does not match witness.key") {
		t.Fatalf("Open with another verifier key: %v", err)
	}
}
