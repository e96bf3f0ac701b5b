package wallet

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/immunopass/immunopass/wallet/store"
)

// listIDs is every profile's credential IDs, sorted, through the index.
func listIDs(t *testing.T, w *Wallet) map[string][]string {
	t.Helper()
	ps, err := w.Profiles()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, p := range ps {
		cs, err := w.Credentials(p.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.ProfileID != p.ID {
				t.Errorf("%s listed under %s", c.ID, p.ID)
			}
			out[p.Given] = append(out[p.Given], c.ID)
		}
		slices.Sort(out[p.Given])
	}
	return out
}

func TestCredentialIndex(t *testing.T) {
	mem := store.NewMem([]byte("pass"))
	opt := Options{Store: mem, Now: func() time.Time { return testNow }}
	w, err := Create("", nil, opt)
	if err != nil {
		t.Fatal(err)
	}
	f := setUpFamily(t, w, newClinic(t))
	want := listIDs(t, w)
	if len(want["Amira"]) != 2 || len(want["Karim"]) != 1 {
		t.Fatalf("family: %v", want)
	}

	// A wallet from before the index: its entries and mark are gone; opening
	// it indexes it again.
	err = mem.Update(func(tx store.Tx) error {
		kinds, _ := tx.Kinds()
		for _, k := range kinds {
			if k == indexKind(f.amira.ID) || k == indexKind(f.karim.ID) {
				var ids []string
				tx.ForEach(k, func(id string, _ []byte) error { ids = append(ids, id); return nil })
				for _, id := range ids {
					if err := tx.Delete(k, id); err != nil {
						return err
					}
				}
			}
		}
		return tx.Delete(kindMeta, indexMeta)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := listIDs(t, w); len(got) != 0 {
		t.Fatalf("index dropped, yet listed %v", got)
	}
	if w, err = Open("", nil, opt); err != nil {
		t.Fatal(err)
	}
	if got := listIDs(t, w); !equalLists(got, want) {
		t.Fatalf("after reindex %v, want %v", got, want)
	}

	// Back up, move a credential, restore over it: the backup's index
	// entries name the old profile; the index is rebuilt from the
	// credentials.
	var bk bytes.Buffer
	if err := w.backupWith(&bk, []byte("b"), 2); err != nil {
		t.Fatal(err)
	}
	moved := want["Amira"][0]
	if err := w.MoveCredential(moved, f.karim.ID); err != nil {
		t.Fatal(err)
	}
	got := listIDs(t, w)
	if len(got["Amira"]) != 1 || !slices.Contains(got["Karim"], moved) {
		t.Fatalf("after move %v", got)
	}
	snap, err := w.ReadBackup(bytes.NewReader(bk.Bytes()), []byte("b"))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Restore(snap, true); err != nil {
		t.Fatal(err)
	}
	if got := listIDs(t, w); !equalLists(got, want) {
		t.Fatalf("after restore %v, want %v", got, want)
	}

	// Remove one credential and a whole profile with its credentials.
	if err := w.RemoveCredential(want["Amira"][1]); err != nil {
		t.Fatal(err)
	}
	if err := w.RemoveProfile(f.karim.ID, true); err != nil {
		t.Fatal(err)
	}
	if got := listIDs(t, w); len(got["Amira"]) != 1 || len(got["Karim"]) != 0 {
		t.Fatalf("after removals %v", got)
	}
	all, _ := w.Credentials("")
	if len(all) != 1 {
		t.Errorf("%d credentials left", len(all))
	}
	// An interrupted restore (marked stale) is re-indexed at the next open.
	if err := mem.Update(func(tx store.Tx) error {
		if err := tx.Put(indexKind(f.amira.ID), "ghost", indexMark); err != nil {
			return err
		}
		return putJSON(tx, kindMeta, indexStale, true)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err = Open("", nil, opt); err != nil {
		t.Fatal(err)
	}
	var ghost bool
	mem.View(func(tx store.Tx) error {
		_, err := tx.Get(indexKind(f.amira.ID), "ghost")
		ghost = err == nil
		return nil
	})
	if ghost {
		t.Error("stale index entry survived the rebuild")
	}
}

func equalLists(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}
