package boltcheck

import (
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestDurable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	for _, c := range []struct {
		name string
		o    bolt.Options
		want string // "" : accepted
	}{
		{"defaults", bolt.Options{}, ""},
		{"no freelist sync", bolt.Options{NoFreelistSync: true}, ""},
		{"no sync", bolt.Options{NoSync: true}, "opened with NoSync:"},
		{"no grow sync", bolt.Options{NoGrowSync: true}, "opened with NoGrowSync:"},
		{"both", bolt.Options{NoSync: true, NoGrowSync: true}, "NoSync, NoGrowSync"},
		{"read only", bolt.Options{ReadOnly: true}, "opened with ReadOnly:"},
	} {
		t.Run(c.name, func(t *testing.T) {
			db, err := bolt.Open(path, 0o600, &c.o)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			err = Durable(db)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path)):
				t.Fatalf("got %v, want an error naming %q and the file", err, c.want)
			}
		})
	}
	// The flag can be flipped after opening too; the check reads the live value.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.NoSync = true
	if Durable(db) == nil {
		t.Fatal("NoSync set after open accepted")
	}
}
