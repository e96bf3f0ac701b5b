package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/wallet"
)

// demoPeople are the fictional family of the demo data (assets/demo holds
// Amira's record).
var demoPeople = []wallet.Profile{
	{Given: "Amira", Family: "Haddad", BirthDate: vax.Date{Year: 2016, Month: 4, Day: 12}, Country: "AE"},
	{Given: "Karim", Family: "Haddad", BirthDate: vax.Date{Year: 1985, Month: 2, Day: 3}, Country: "AE"},
	{Given: "Nour", Family: "Haddad", BirthDate: vax.Date{Year: 2023, Month: 9, Day: 18}, Country: "AE"},
	{Given: "Léa", Family: "Martin", BirthDate: vax.Date{Year: 2019, Month: 10, Day: 30}, Country: "FR"},
	{Given: "Youssef", Family: "Haddad", BirthDate: vax.Date{Year: 1958, Month: 6, Day: 21}},
	// A baby, for the due view's first months (issue 10's screenshots).
	{Given: "Salma", Family: "Haddad", BirthDate: vax.Date{Year: 2026, Month: 8, Day: 20}, Country: "AE"},
}

// SeedDemo fills a wallet for demos, screenshots and measurements, through
// the same calls the screens make. It creates the wallet at path if it does
// not exist, with the demo family (Amira first, the favourite); writes each
// person's did:key to dir/holder-N.did (N from 1) for the clinic to bind
// SD-JWT VCs to; stores every trust file in dir (trust*.json, *.bundle,
// *.policy); then imports every other file in dir and keeps each credential
// under the suggested person, or else spreads them over the family in turn.
// It returns how many credentials it kept.
func SeedDemo(path string, passphrase []byte, dir string, opt wallet.Options) (int, error) {
	var w *wallet.Wallet
	var err error
	if _, serr := os.Stat(path); errors.Is(serr, os.ErrNotExist) {
		if w, err = wallet.Create(path, passphrase, opt); err != nil {
			return 0, err
		}
		for i, p := range demoPeople {
			added, err := w.AddProfile(p)
			if err != nil {
				return 0, err
			}
			if i == 0 {
				if err := w.SetFavourite(added.ID); err != nil {
					return 0, err
				}
			}
		}
	} else if w, err = wallet.Open(path, passphrase, opt); err != nil {
		return 0, err
	}
	defer w.Lock()
	ps, err := w.Profiles()
	if err != nil {
		return 0, err
	}
	for i, p := range ps {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("holder-%d.did", i+1)), []byte(p.HolderDID+"\n"), 0o644); err != nil {
			return 0, err
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	isTrust := func(n string) bool {
		return strings.HasPrefix(n, "trust") || strings.HasSuffix(n, ".bundle") || strings.HasSuffix(n, ".policy")
	}
	for _, n := range names {
		if isTrust(n) {
			data, err := os.ReadFile(filepath.Join(dir, n))
			if err != nil {
				return 0, err
			}
			if err := w.AddTrust(n, data); err != nil {
				return 0, fmt.Errorf("%s: %w", n, err)
			}
		}
	}
	kept, turn := 0, 0
	for _, n := range names {
		if isTrust(n) || strings.HasSuffix(n, ".did") || strings.HasSuffix(n, ".proof") || strings.HasSuffix(n, ".csv") ||
			strings.HasSuffix(n, ".key") || n == "status.json" || strings.HasPrefix(n, "record") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return kept, err
		}
		cs, err := w.Import(n, data)
		if err != nil {
			return kept, fmt.Errorf("%s: %w", n, err)
		}
		for _, c := range cs {
			if c.Duplicate != "" {
				continue
			}
			to := c.Suggested
			if to == "" {
				to = ps[turn%len(ps)].ID
				turn++
			}
			if _, err := w.KeepUnverified(c, to); err != nil { // demo data: kept whatever its verdict, as a user warned would
				return kept, fmt.Errorf("%s: %w", n, err)
			}
			kept++
		}
	}
	return kept, nil
}
