package store_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/immunopass/immunopass/wallet/backup"
	"github.com/immunopass/immunopass/wallet/store"
)

func Example() {
	dir, _ := os.MkdirTemp("", "wallet")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "wallet.db")

	// store.DefaultParams in the app; TestParams keep the example fast.
	s, err := store.CreateBolt(path, []byte("passphrase"), store.TestParams)
	if err != nil {
		panic(err)
	}
	err = s.Update(func(tx store.Tx) error {
		if err := tx.Put("profile", "p1", []byte(`{"name":"Aïcha"}`)); err != nil {
			return err
		}
		return tx.Put("credential", "p1/c1", []byte("shc:/5676…"))
	})
	if err != nil {
		panic(err)
	}
	// Back up, then restore into an empty store.
	if err := backup.WriteFile(filepath.Join(dir, "wallet.age"), []byte("backup pass"), s, backup.Options{WorkFactor: 10}); err != nil {
		panic(err)
	}
	s.Close()

	f, _ := os.Open(filepath.Join(dir, "wallet.age"))
	snap, err := backup.Read(f, []byte("backup pass"))
	f.Close()
	if err != nil {
		panic(err)
	}
	fresh := store.NewMem([]byte("new"))
	if err := backup.Restore(fresh, snap, false); err != nil {
		panic(err)
	}
	fresh.View(func(tx store.Tx) error {
		kinds, _ := tx.Kinds()
		for _, k := range kinds {
			tx.ForEach(k, func(id string, v []byte) error {
				fmt.Printf("%s %s %s\n", k, id, v)
				return nil
			})
		}
		return nil
	})

	_, err = store.OpenBolt(path, []byte("wrong"))
	fmt.Println(err)
	// Output:
	// credential p1/c1 shc:/5676…
	// profile p1 {"name":"Aïcha"}
	// wrong passphrase
}
