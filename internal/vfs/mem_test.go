package vfs

import (
	"errors"
	"os"
	"testing"
)

func TestMemForgetsUnsynced(t *testing.T) {
	m := NewMem()
	if err := m.MkdirAll("/d", 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(name, data string, sync bool) {
		t.Helper()
		f, err := m.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(data)); err != nil {
			t.Fatal(err)
		}
		if sync {
			if err := f.Sync(); err != nil {
				t.Fatal(err)
			}
		}
		f.Close()
	}
	write("/d/a", "synced", true)
	write("/d/b", "entry not synced", true)
	if err := m.SyncDir("/d"); err != nil {
		t.Fatal(err)
	}
	write("/d/a", " plus unsynced", false)
	write("/d/c", "new file, dir not synced", true)
	if err := m.Rename("/d/b", "/d/b2"); err != nil {
		t.Fatal(err)
	}
	if got := m.Files(); got["/d/a"] != "synced plus unsynced" || got["/d/b2"] == "" || got["/d/c"] == "" {
		t.Fatalf("before the crash: %q", got)
	}
	m.Crash()
	got := m.Files()
	want := map[string]string{"/d/a": "synced", "/d/b": "entry not synced"}
	if len(got) != len(want) || got["/d/a"] != want["/d/a"] || got["/d/b"] != want["/d/b"] {
		t.Fatalf("after the crash: %q, want %q", got, want)
	}
}

func TestMemCrashAfter(t *testing.T) {
	m := NewMem()
	m.CrashAfter(1)
	if err := m.MkdirAll("/d", 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := m.OpenFile("/d/x", os.O_CREATE|os.O_WRONLY, 0o600); !errors.Is(err, ErrCrashed) {
		t.Fatalf("second operation: %v, want ErrCrashed", err)
	}
	m.Crash()
	if _, err := m.OpenFile("/d/x", os.O_CREATE|os.O_WRONLY, 0o600); err != nil {
		t.Fatalf("after Crash: %v", err)
	}
	if err := m.Link("/d/x", "/d/x"); !errors.Is(err, os.ErrExist) {
		t.Fatalf("link onto an existing name: %v, want ErrExist", err)
	}
}
