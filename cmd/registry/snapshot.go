package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/immunopass/immunopass/registry"
)

// isSnapshot reports a trust file in the VCI snapshot form (it has
// "issuerInfo") rather than a GDHCN trust list.
func isSnapshot(data []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return false
	}
	_, ok := m["issuerInfo"]
	return ok
}

// snapshotImport imports the foreign issuers of a VCI snapshot trust file
// (DIVOC issuers' RSA and Ed25519 keys, DID issuers): checked here first
// (a clear error before anything is sent) and again by the registry, which
// then carries them in its bundle. The admin's signature is what vouches
// for the file: a snapshot has no proof of its own.
func (c *cli) snapshotImport(file string, data []byte, signer string, a adminFlags) error {
	if signer != "" {
		return usageError{"--signer is for a GDHCN trust list; " + file + " is a VCI snapshot, vouched for by the admin's signature"}
	}
	name := filepath.Base(file)
	rec, err := registry.ImportSnapshot(name, data, time.Now())
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	base, key, err := a.open()
	if err != nil {
		return err
	}
	out, err := post(base, key, "/v1/admin/snapshots", registry.SnapshotRequest{Name: name, Snapshot: json.RawMessage(data)})
	if err != nil {
		return err
	}
	sn, _ := out["snapshot"].(map[string]any)
	ids, _ := sn["issuers"].([]any)
	fmt.Fprintf(c.stdout, "snapshot %v: %s imported\n", sn["directory"], plural(len(ids), "issuer", "issuers"))
	for _, id := range ids {
		fmt.Fprintf(c.stdout, "  %v\n", id)
	}
	skipped, _ := sn["skipped"].([]any)
	if len(skipped) == 0 {
		skipped = nil
		for _, s := range rec.Skipped {
			skipped = append(skipped, s)
		}
	}
	for _, s := range skipped {
		fmt.Fprintf(c.stdout, "skipped: %v\n", s)
	}
	return nil
}
