package wallet

import (
	"fmt"
	"strings"
)

// The per-profile credential index: the kind "credof:<profile ID>" holds one
// record per credential of that profile (id = credential ID), written in the
// same transaction as the credential itself, so listing one person reads
// only that person's credentials instead of decoding every credential of the
// family. The meta record "credIndex" says the index is complete; a wallet
// without it (made before the index existed) is indexed when opened, and a
// restore rebuilds it (a backup may hold credentials of any age).

const (
	indexPrefix  = "credof:"
	indexMeta    = "credIndex"
	indexStale   = "credIndexStale" // set while a restore runs
	indexVersion = 1
)

var indexMark = []byte("1")

func indexKind(profileID string) string { return indexPrefix + profileID }

// putCred stores a new or changed credential and its index entry.
func putCred(t tx, c *Credential) error {
	if err := putJSON(t, kindCred, c.ID, c); err != nil {
		return err
	}
	return t.Put(indexKind(c.ProfileID), c.ID, indexMark)
}

// deleteCred removes a credential and its index entry.
func deleteCred(t tx, c *Credential) error {
	if err := t.Delete(kindCred, c.ID); err != nil {
		return err
	}
	for _, k := range []string{kindCredKey, kindUses} {
		if err := deleteIgnoringMissing(t, k, c.ID); err != nil {
			return err
		}
	}
	return deleteIgnoringMissing(t, indexKind(c.ProfileID), c.ID)
}

// moveCred files a kept credential under another profile.
func moveCred(t tx, c *Credential, profileID string) error {
	if err := deleteIgnoringMissing(t, indexKind(c.ProfileID), c.ID); err != nil {
		return err
	}
	c.ProfileID = profileID
	return putCred(t, c)
}

func deleteIgnoringMissing(t tx, kind, id string) error {
	if err := t.Delete(kind, id); err != nil && !isNotFound(err) {
		return err
	}
	return nil
}

// profileCredIDs lists the IDs of a profile's credentials, from the index.
func profileCredIDs(t tx, profileID string) ([]string, error) {
	var ids []string
	err := t.ForEach(indexKind(profileID), func(id string, _ []byte) error {
		ids = append(ids, id)
		return nil
	})
	return ids, err
}

// profileCreds decodes a profile's credentials. An index entry whose
// credential is gone or belongs to another profile (the index is rebuilt
// after a restore, but be safe) is skipped.
func profileCreds(t tx, profileID string, fn func(c *Credential) error) error {
	ids, err := profileCredIDs(t, profileID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		var c Credential
		switch err := getJSON(t, kindCred, id, &c); {
		case isNotFound(err):
			continue
		case err != nil:
			return err
		}
		if c.ProfileID != profileID {
			continue
		}
		if err := fn(&c); err != nil {
			return err
		}
	}
	return nil
}

// heldCredentials maps every kept credential's ID to its profile, from the
// index (no credential is decoded).
func heldCredentials(t tx, profs []*profileRecord) (map[string]string, error) {
	held := map[string]string{}
	for _, p := range profs {
		ids, err := profileCredIDs(t, p.ID)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			held[id] = p.ID
		}
	}
	return held, nil
}

// ensureIndex builds the index of a wallet that has none yet, or whose
// last restore did not finish.
func (w *Wallet) ensureIndex() error {
	var v int
	stale := false
	err := w.view(func(t tx) error {
		if err := getJSON(t, kindMeta, indexMeta, &v); err != nil && !isNotFound(err) {
			return err
		}
		_, err := t.Get(kindMeta, indexStale)
		if err == nil {
			stale = true
			return nil
		}
		if isNotFound(err) {
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	if v == indexVersion && !stale {
		return nil
	}
	return w.update(rebuildIndex)
}

// rebuildIndex drops every index entry and indexes each credential again.
func rebuildIndex(t tx) error {
	kinds, err := t.Kinds()
	if err != nil {
		return err
	}
	for _, k := range kinds {
		if !strings.HasPrefix(k, indexPrefix) {
			continue
		}
		var ids []string
		if err := t.ForEach(k, func(id string, _ []byte) error { ids = append(ids, id); return nil }); err != nil {
			return err
		}
		for _, id := range ids {
			if err := t.Delete(k, id); err != nil {
				return err
			}
		}
	}
	err = forEachJSON(t, kindCred, func(id string, c *Credential) error {
		if c.ID != id {
			return fmt.Errorf("stored credential %q names itself %q", id, c.ID)
		}
		return t.Put(indexKind(c.ProfileID), id, indexMark)
	})
	if err != nil {
		return err
	}
	if err := deleteIgnoringMissing(t, kindMeta, indexStale); err != nil {
		return err
	}
	return putJSON(t, kindMeta, indexMeta, indexVersion)
}
