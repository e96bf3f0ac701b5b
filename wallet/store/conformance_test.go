package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/wallet/store"
)

var pass = []byte("correct horse battery staple")

// impls are every Store implementation; each conformance case runs on all.
var impls = []struct {
	name string
	new  func(t *testing.T) store.Store
}{
	{"mem", func(t *testing.T) store.Store { return store.NewMem(pass) }},
	{"bolt", func(t *testing.T) store.Store {
		s, err := store.CreateBolt(filepath.Join(t.TempDir(), "wallet.db"), pass, store.TestParams)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

// TestConformance runs the Store contract against every implementation.
func TestConformance(t *testing.T) {
	for _, impl := range impls {
		t.Run(impl.name, func(t *testing.T) {
			for _, c := range conformance {
				t.Run(c.name, func(t *testing.T) { c.run(t, impl.new(t)) })
			}
		})
	}
}

func put(t *testing.T, s store.Store, kind, id, value string) {
	t.Helper()
	if err := s.Update(func(tx store.Tx) error { return tx.Put(kind, id, []byte(value)) }); err != nil {
		t.Fatalf("put %q %q: %v", kind, id, err)
	}
}

func get(t *testing.T, s store.Store, kind, id string) (string, error) {
	t.Helper()
	var v []byte
	err := s.View(func(tx store.Tx) (err error) {
		v, err = tx.Get(kind, id)
		return err
	})
	return string(v), err
}

// dump returns every record as "kind/id=value" lines, in order.
func dump(t *testing.T, s store.Store) string {
	t.Helper()
	var b strings.Builder
	err := s.View(func(tx store.Tx) error {
		kinds, err := tx.Kinds()
		if err != nil {
			return err
		}
		for _, k := range kinds {
			if err := tx.ForEach(k, func(id string, v []byte) error {
				fmt.Fprintf(&b, "%s/%s=%s\n", k, id, v)
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	return b.String()
}

var errBoom = errors.New("boom")

var conformance = []struct {
	name string
	run  func(t *testing.T, s store.Store)
}{
	{"get put delete", func(t *testing.T, s store.Store) {
		if _, err := get(t, s, "profile", "p1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("get of nothing: %v, want ErrNotFound", err)
		}
		put(t, s, "profile", "p1", "Alice")
		put(t, s, "profile", "p1", "Alice B.")
		put(t, s, "credential", "p1", "other kind, same id")
		if v, err := get(t, s, "profile", "p1"); err != nil || v != "Alice B." {
			t.Fatalf("get = %q, %v", v, err)
		}
		if err := s.Update(func(tx store.Tx) error { return tx.Delete("profile", "p1") }); err != nil {
			t.Fatal(err)
		}
		if _, err := get(t, s, "profile", "p1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("get after delete: %v", err)
		}
		if err := s.Update(func(tx store.Tx) error { return tx.Delete("profile", "p1") }); err != nil {
			t.Fatalf("delete of nothing: %v", err)
		}
		if got, want := dump(t, s), "credential/p1=other kind, same id\n"; got != want {
			t.Fatalf("dump = %q, want %q", got, want)
		}
	}},
	{"empty value", func(t *testing.T, s store.Store) {
		put(t, s, "k", "i", "")
		if v, err := get(t, s, "k", "i"); err != nil || v != "" {
			t.Fatalf("get = %q, %v", v, err)
		}
	}},
	{"foreach order and kinds", func(t *testing.T, s store.Store) {
		ids := []string{"b", "a", "c10", "c9", "Z", "é", "a/b"}
		s.Update(func(tx store.Tx) error {
			for _, id := range ids {
				if err := tx.Put("history", id, []byte("v"+id)); err != nil {
					return err
				}
			}
			return tx.Put("profile", "x", []byte("y"))
		})
		var got []string
		err := s.View(func(tx store.Tx) error {
			return tx.ForEach("history", func(id string, v []byte) error {
				if string(v) != "v"+id {
					t.Errorf("%q = %q", id, v)
				}
				got = append(got, id)
				return nil
			})
		})
		want := slices.Clone(ids)
		slices.Sort(want)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("ForEach ids = %q, %v; want %q", got, err, want)
		}
		var kinds []string
		s.View(func(tx store.Tx) (err error) { kinds, err = tx.Kinds(); return err })
		if !slices.Equal(kinds, []string{"history", "profile"}) {
			t.Fatalf("Kinds = %q", kinds)
		}
		// A kind whose last record goes is no longer listed.
		put(t, s, "gone", "1", "x")
		s.Update(func(tx store.Tx) error { return tx.Delete("gone", "1") })
		s.View(func(tx store.Tx) (err error) { kinds, err = tx.Kinds(); return err })
		if !slices.Equal(kinds, []string{"history", "profile"}) {
			t.Fatalf("Kinds after emptying one = %q", kinds)
		}
		// ForEach stops at fn's error and returns it.
		n := 0
		err = s.View(func(tx store.Tx) error {
			return tx.ForEach("history", func(string, []byte) error { n++; return errBoom })
		})
		if !errors.Is(err, errBoom) || n != 1 {
			t.Fatalf("ForEach error: %v after %d calls", err, n)
		}
		// Unknown kind: nothing, no error.
		if err := s.View(func(tx store.Tx) error {
			return tx.ForEach("none", func(string, []byte) error { return errBoom })
		}); err != nil {
			t.Fatal(err)
		}
	}},
	{"update sees its own writes", func(t *testing.T, s store.Store) {
		put(t, s, "k", "old", "1")
		put(t, s, "k", "gone", "1")
		err := s.Update(func(tx store.Tx) error {
			tx.Put("k", "new", []byte("2"))
			tx.Put("k", "old", []byte("3"))
			tx.Delete("k", "gone")
			if v, err := tx.Get("k", "new"); err != nil || string(v) != "2" {
				return fmt.Errorf("get new = %q, %v", v, err)
			}
			if _, err := tx.Get("k", "gone"); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("get gone: %v", err)
			}
			var ids []string
			tx.ForEach("k", func(id string, v []byte) error { ids = append(ids, id+"="+string(v)); return nil })
			if !slices.Equal(ids, []string{"new=2", "old=3"}) {
				return fmt.Errorf("ForEach in tx = %q", ids)
			}
			kinds, _ := tx.Kinds()
			if !slices.Equal(kinds, []string{"k"}) {
				return fmt.Errorf("Kinds in tx = %q", kinds)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}},
	{"foreach may write", func(t *testing.T, s store.Store) {
		for i := range 5 {
			put(t, s, "k", fmt.Sprint(i), "v")
		}
		err := s.Update(func(tx store.Tx) error {
			return tx.ForEach("k", func(id string, _ []byte) error {
				if err := tx.Delete("k", id); err != nil {
					return err
				}
				return tx.Put("k", "x"+id, []byte("w"))
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := dump(t, s); got != "k/x0=w\nk/x1=w\nk/x2=w\nk/x3=w\nk/x4=w\n" {
			t.Fatalf("dump = %q", got)
		}
	}},
	{"rollback on error and panic", func(t *testing.T, s store.Store) {
		put(t, s, "k", "keep", "1")
		before := dump(t, s)
		err := s.Update(func(tx store.Tx) error {
			tx.Put("k", "keep", []byte("changed"))
			tx.Put("k", "new", []byte("x"))
			tx.Put("other", "new", []byte("x"))
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("Update returned %v, want fn's error", err)
		}
		func() {
			defer func() { recover() }()
			s.Update(func(tx store.Tx) error {
				tx.Delete("k", "keep")
				panic("boom")
			})
		}()
		if got := dump(t, s); got != before {
			t.Fatalf("after rollbacks: %q, want %q", got, before)
		}
		put(t, s, "k", "after", "ok") // the store still works
	}},
	{"view is read-only", func(t *testing.T, s store.Store) {
		err := s.View(func(tx store.Tx) error {
			if err := tx.Put("k", "i", nil); !errors.Is(err, store.ErrReadOnly) {
				t.Errorf("Put in View: %v", err)
			}
			if err := tx.Delete("k", "i"); !errors.Is(err, store.ErrReadOnly) {
				t.Errorf("Delete in View: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}},
	{"tx dead after fn", func(t *testing.T, s store.Store) {
		var kept store.Tx
		s.Update(func(tx store.Tx) error { kept = tx; return nil })
		if err := kept.Put("k", "i", nil); !errors.Is(err, store.ErrTxClosed) {
			t.Errorf("Put: %v", err)
		}
		if _, err := kept.Get("k", "i"); !errors.Is(err, store.ErrTxClosed) {
			t.Errorf("Get: %v", err)
		}
		if err := kept.ForEach("k", nil); !errors.Is(err, store.ErrTxClosed) {
			t.Errorf("ForEach: %v", err)
		}
		if _, err := kept.Kinds(); !errors.Is(err, store.ErrTxClosed) {
			t.Errorf("Kinds: %v", err)
		}
	}},
	{"values are copies", func(t *testing.T, s store.Store) {
		v := []byte("abc")
		s.Update(func(tx store.Tx) error { return tx.Put("k", "i", v) })
		v[0] = 'X'
		s.View(func(tx store.Tx) error {
			got, _ := tx.Get("k", "i")
			got[1] = 'Y'
			return nil
		})
		if got, _ := get(t, s, "k", "i"); got != "abc" {
			t.Fatalf("value = %q, want %q", got, "abc")
		}
	}},
	{"invalid names", func(t *testing.T, s store.Store) {
		for _, c := range []struct{ kind, id string }{
			{"", "id"}, {"kind", ""}, {strings.Repeat("k", store.MaxKind+1), "id"},
			{"kind", strings.Repeat("i", store.MaxID+1)}, {"kind", "\xff"},
		} {
			err := s.Update(func(tx store.Tx) error { return tx.Put(c.kind, c.id, []byte("v")) })
			if !errors.Is(err, store.ErrInvalid) {
				t.Errorf("Put(%q, %q): %v, want ErrInvalid", c.kind, c.id, err)
			}
			err = s.View(func(tx store.Tx) error { _, err := tx.Get(c.kind, c.id); return err })
			if !errors.Is(err, store.ErrInvalid) {
				t.Errorf("Get(%q, %q): %v, want ErrInvalid", c.kind, c.id, err)
			}
		}
		err := s.Update(func(tx store.Tx) error { return tx.Put("k", "i", make([]byte, store.MaxValue+1)) })
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("oversized value: %v", err)
		}
		// Longest allowed names work.
		put(t, s, strings.Repeat("k", store.MaxKind), strings.Repeat("i", store.MaxID), "v")
	}},
	{"lock and unlock", func(t *testing.T, s store.Store) {
		put(t, s, "k", "i", "v")
		s.Lock()
		s.Lock()
		if _, err := get(t, s, "k", "i"); !errors.Is(err, store.ErrLocked) {
			t.Fatalf("View when locked: %v", err)
		}
		if err := s.Update(func(store.Tx) error { return nil }); !errors.Is(err, store.ErrLocked) {
			t.Fatalf("Update when locked: %v", err)
		}
		if err := s.ChangePassphrase(pass, []byte("new")); !errors.Is(err, store.ErrLocked) {
			t.Fatalf("ChangePassphrase when locked: %v", err)
		}
		if err := s.Unlock([]byte("wrong")); !errors.Is(err, store.ErrWrongPassphrase) {
			t.Fatalf("Unlock with a wrong passphrase: %v", err)
		}
		if _, err := get(t, s, "k", "i"); !errors.Is(err, store.ErrLocked) {
			t.Fatalf("wrong Unlock unlocked: %v", err)
		}
		if err := s.Unlock(pass); err != nil {
			t.Fatal(err)
		}
		if v, err := get(t, s, "k", "i"); err != nil || v != "v" {
			t.Fatalf("after unlock: %q, %v", v, err)
		}
	}},
	{"change passphrase", func(t *testing.T, s store.Store) {
		put(t, s, "k", "i", "v")
		if err := s.ChangePassphrase([]byte("wrong"), []byte("new")); !errors.Is(err, store.ErrWrongPassphrase) {
			t.Fatalf("with a wrong old passphrase: %v", err)
		}
		if err := s.ChangePassphrase(pass, nil); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("to an empty passphrase: %v", err)
		}
		if err := s.ChangePassphrase(pass, []byte("new")); err != nil {
			t.Fatal(err)
		}
		s.Lock()
		if err := s.Unlock(pass); !errors.Is(err, store.ErrWrongPassphrase) {
			t.Fatalf("old passphrase after change: %v", err)
		}
		if err := s.Unlock([]byte("new")); err != nil {
			t.Fatalf("new passphrase: %v", err)
		}
		if v, err := get(t, s, "k", "i"); err != nil || v != "v" {
			t.Fatalf("after change: %q, %v", v, err)
		}
	}},
	{"close", func(t *testing.T, s store.Store) {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); !errors.Is(err, store.ErrClosed) {
			t.Fatalf("second Close: %v", err)
		}
		if _, err := get(t, s, "k", "i"); !errors.Is(err, store.ErrClosed) {
			t.Fatalf("View after Close: %v", err)
		}
		if err := s.Unlock(pass); !errors.Is(err, store.ErrClosed) {
			t.Fatalf("Unlock after Close: %v", err)
		}
	}},
	{"binary values", func(t *testing.T, s store.Store) {
		v := make([]byte, 256)
		for i := range v {
			v[i] = byte(i)
		}
		s.Update(func(tx store.Tx) error { return tx.Put("bin", "all bytes", v) })
		got, err := get(t, s, "bin", "all bytes")
		if err != nil || !bytes.Equal([]byte(got), v) {
			t.Fatalf("binary value changed: %v", err)
		}
	}},
}
