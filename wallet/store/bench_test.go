package store_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/immunopass/immunopass/wallet/store"
)

// walletFile makes a store with 5 profiles and 1,000 credentials of 1–3 KB
// spread across them, as a family wallet after years of use.
func walletFile(b *testing.B, p store.Params) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "wallet.db")
	s, err := store.CreateBolt(path, pass, p)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	err = s.Update(func(tx store.Tx) error {
		for i := range 5 {
			v, _ := json.Marshal(map[string]string{"name": fmt.Sprintf("Person %d", i), "birthDate": "2016-03-14"})
			if err := tx.Put("profile", fmt.Sprintf("p%d", i), v); err != nil {
				return err
			}
		}
		for i := range 1000 {
			if err := tx.Put("credential", fmt.Sprintf("p%d/c%04d", i%5, i), credentialValue(i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return path
}

// openAndList is what the app does at start-up: open, unlock, list every
// profile's credentials (decrypting each).
func openAndList(b *testing.B, path string) {
	s, err := store.OpenBolt(path, pass)
	if err != nil {
		b.Fatal(err)
	}
	perProfile := map[string]int{}
	err = s.View(func(tx store.Tx) error {
		if err := tx.ForEach("profile", func(id string, _ []byte) error { perProfile[id] = 0; return nil }); err != nil {
			return err
		}
		return tx.ForEach("credential", func(id string, v []byte) error {
			perProfile[id[:2]]++
			return nil
		})
	})
	s.Close()
	if err != nil || len(perProfile) != 5 || perProfile["p0"] != 200 {
		b.Fatalf("listed %v, %v", perProfile, err)
	}
}

// BenchmarkOpenUnlockList: open + unlock + list 1,000 credentials across 5
// profiles with the desktop argon2id parameters (goal ≤ 1 s).
func BenchmarkOpenUnlockList(b *testing.B) {
	path := walletFile(b, store.DefaultParams)
	b.ReportMetric(float64(store.DefaultParams.MemoryKiB>>10), "argon2-MiB")
	for b.Loop() {
		openAndList(b, path)
	}
}

// BenchmarkOpenUnlockListNoKDF is the same with negligible argon2id cost:
// what the store itself spends.
func BenchmarkOpenUnlockListNoKDF(b *testing.B) {
	path := walletFile(b, store.TestParams)
	for b.Loop() {
		openAndList(b, path)
	}
}

// BenchmarkImport: one durable Update putting a 2 KB credential and a
// history record, as an import does.
func BenchmarkImport(b *testing.B) {
	s, err := store.CreateBolt(filepath.Join(b.TempDir(), "wallet.db"), pass, store.TestParams)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	v := credentialValue(1000)
	i := 0
	for b.Loop() {
		i++
		id := fmt.Sprintf("c%06d", i)
		if err := s.Update(func(tx store.Tx) error {
			if err := tx.Put("credential", id, v); err != nil {
				return err
			}
			return tx.Put("history", id, []byte("imported"))
		}); err != nil {
			b.Fatal(err)
		}
	}
}
