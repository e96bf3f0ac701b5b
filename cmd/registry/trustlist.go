package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/immunopass/immunopass/registry"
)

// trustlist imports a WHO GDHCN trust list: its proof is checked here
// first (a clear error before anything is sent) and again by the registry,
// which then carries the list's document signers in its bundle.
func (c *cli) trustlist(args []string) error {
	if len(args) < 2 || args[0] != "import" || strings.HasPrefix(args[1], "-") {
		return usageError{"trustlist import FILE [--signer DIDDOC]"}
	}
	file := args[1]
	fs := newFlags("trustlist import")
	a := addAdmin(fs)
	signerFile := fs.String("signer", "", "")
	if err := parse(fs, args[2:]); err != nil {
		return err
	}
	list, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if isSnapshot(list) {
		return c.snapshotImport(file, list, *signerFile, a)
	}
	if err := required("signer", *signerFile); err != nil {
		return err
	}
	signer, err := os.ReadFile(*signerFile)
	if err != nil {
		return err
	}
	rec, err := registry.ImportTrustList(list, signer, time.Now())
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	base, key, err := a.open()
	if err != nil {
		return err
	}
	out, err := post(base, key, "/v1/admin/trustlists", registry.TrustListRequest{List: json.RawMessage(list), Signer: json.RawMessage(signer)})
	if err != nil {
		return err
	}
	tl, _ := out["trustList"].(map[string]any)
	fmt.Fprintf(c.stdout, "trust list %v (signed %s by %s): %s of %s imported\n", tl["id"], rec.Signed.Format(time.RFC3339), rec.Signer,
		plural(len(rec.DSCs), "document signer", "document signers"), plural(len(rec.Countries()), "country", "countries"))
	for _, s := range rec.Skipped {
		fmt.Fprintf(c.stdout, "skipped: %s\n", s)
	}
	return nil
}
