package wallet

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/immunopass/immunopass/credential/jose"
)

// Unlinkable copies. A credential presented twice is the same signature,
// the same salts and the same holder key twice: two verifiers who compare
// notes (a school and a sports club, say) learn that they saw the same
// child. Receive therefore asks the clinic for several copies of a record
// in one OpenID4VCI request, each bound to a holder key generated for that
// copy alone (the clinic signs each with its own salts and status index),
// and Present shows the copy presented least often, signing its key-binding
// JWT with that copy's key. The copies are one record to the person:
// Credentials lists them once, with Copies set.
//
// Each copy's private key is kept in the encrypted store next to the
// credential (kind "credkey"), as a profile's holder key is kept in its
// profile record; how often each copy was presented is counted when the
// presentation is logged (kind "uses"), and survives deleting the history
// so that clearing the log does not restart the rotation at a copy a
// verifier has already seen. A credential kept the old way, bound to the
// person's key, has no key of its own and is presented with the person's
// key as before.

// DefaultCopies is how many copies Receive asks for when
// ReceiveOptions.Copies is 0. A family shows a child's record to a handful
// of different verifiers between two visits to the clinic (school, nursery,
// sports club, a doctor, a border); with five copies each of them sees a
// copy the others have not, while the request stays within the clinic
// service's batch limit (oid4vci.MaxBatch, 10) and costs it about half a
// millisecond of signing and the wallet about 15 KB of store. Once every
// copy has been shown, the least-shown is reused: receiving again refills.
const DefaultCopies = 5

const (
	kindCredKey = "credkey" // credential ID → private JWK of the copy's own holder key
	kindUses    = "uses"    // credential ID → how many times the copy was presented (decimal)
)

// received is one copy of a batch as it arrived, with the key it is bound
// to (generated for it by Receive, not stored yet).
type received struct {
	cand Candidate
	key  *jose.PrivateKey
}

// keepBatch stores the copies of a received record under a profile in one
// transaction, each with its own key: all of them or, on any error, none
// (no orphan key, no half batch). Unless unverified, a copy whose verdict
// is not Trusted refuses the batch with an *UnverifiedError. It returns the
// record as Credentials lists it (one entry, Copies set).
func (w *Wallet) keepBatch(items []received, profileID string, unverified bool) (Credential, error) {
	if len(items) == 0 {
		return Credential{}, &ImportError{Name: "received", Problem: "no credential in it"}
	}
	creds := make([]Credential, len(items))
	for i, it := range items {
		c, err := w.prepare(it.cand, profileID)
		if err != nil {
			return Credential{}, err
		}
		if it.key == nil || holderDID(c.Text) != it.key.Public().DIDKey() {
			return Credential{}, &ImportError{Name: c.Source, Problem: "not bound to the key the wallet made for it"}
		}
		creds[i] = c
	}
	batch := ""
	if len(items) > 1 {
		batch = newID()
	}
	err := w.update(func(t tx) error {
		if _, err := getProfile(t, profileID); err != nil {
			return err
		}
		for i := range creds {
			c := &creds[i]
			switch _, err := t.Get(kindCred, c.ID); {
			case err == nil:
				return &ImportError{Name: c.Source, Problem: "the same copy arrived twice"}
			case !isNotFound(err):
				return err
			}
			if !unverified && !c.Status.Trusted() {
				return &UnverifiedError{ID: c.ID, Status: c.Status}
			}
			c.Batch, c.Bound = batch, true
			if err := putCred(t, c); err != nil {
				return err
			}
			if err := t.Put(kindCredKey, c.ID, items[i].key.MarshalPrivateJWK()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Credential{}, err
	}
	return cards(creds)[0], nil
}

// cards lists each batch once: its copy with the smallest ID stands for
// it, with Copies set, where the batch's first copy was in the list.
// Credentials kept alone pass with Copies 1.
func cards(creds []Credential) []Credential {
	count := map[string]int{}
	first := map[string]string{}
	for _, c := range creds {
		if c.Batch == "" {
			continue
		}
		count[c.Batch]++
		if f, ok := first[c.Batch]; !ok || c.ID < f {
			first[c.Batch] = c.ID
		}
	}
	out := make([]Credential, 0, len(creds))
	at := map[string]int{}
	for _, c := range creds {
		if c.Batch == "" {
			c.Copies = 1
			out = append(out, c)
			continue
		}
		i, seen := at[c.Batch]
		if !seen {
			at[c.Batch] = len(out)
			out = append(out, c)
			i = len(out) - 1
		}
		if c.ID == first[c.Batch] {
			c.Copies = count[c.Batch]
			out[i] = c
		}
	}
	return out
}

// batchOf returns every copy of the record c belongs to (c alone when it
// was kept on its own), in ID order.
func batchOf(t tx, c Credential) ([]Credential, error) {
	if c.Batch == "" {
		return []Credential{c}, nil
	}
	var out []Credential
	err := profileCreds(t, c.ProfileID, func(x *Credential) error {
		if x.Batch == c.Batch {
			out = append(out, *x)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b Credential) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return out, err
}

// uses is how many times a copy was presented.
func uses(t tx, id string) (int, error) {
	b, err := t.Get(kindUses, id)
	if isNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(string(b))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("stored presentation count of %q is corrupt: %q", id, b)
	}
	return n, nil
}

// countUse records one more presentation of a copy.
func countUse(t tx, id string) error {
	n, err := uses(t, id)
	if err != nil {
		return err
	}
	return t.Put(kindUses, id, []byte(strconv.Itoa(n+1)))
}

// pickCopy returns the copy of c's record to present now: the one
// presented least often (the first by ID among equals), so that successive
// presentations rotate through the copies. A credential kept alone is
// itself.
func pickCopy(t tx, c Credential) (Credential, error) {
	all, err := batchOf(t, c)
	if err != nil {
		return Credential{}, err
	}
	if len(all) == 0 {
		return Credential{}, &NotFoundError{Kind: "credential", ID: c.ID}
	}
	best, bestN := 0, -1
	for i, x := range all {
		n, err := uses(t, x.ID)
		if err != nil {
			return Credential{}, err
		}
		if bestN < 0 || n < bestN {
			best, bestN = i, n
		}
	}
	return all[best], nil
}

// keyOf returns the private key a credential is bound to: its own, for a
// copy received in a batch, else its person's holder key.
func keyOf(t tx, c *Credential) (*jose.PrivateKey, error) {
	b, err := t.Get(kindCredKey, c.ID)
	switch {
	case err == nil:
		k, err := jose.ParsePrivateJWK(b)
		if err != nil {
			return nil, fmt.Errorf("holder key of credential %q: %w", c.ID, err)
		}
		return k, nil
	case !isNotFound(err):
		return nil, err
	}
	r, err := getProfile(t, c.ProfileID)
	if err != nil {
		return nil, err
	}
	k, err := jose.ParsePrivateJWK(r.Key)
	if err != nil {
		return nil, fmt.Errorf("holder key of profile %q: %w", c.ProfileID, err)
	}
	return k, nil
}

// hasOwnKey reports a credential bound to a key of its own.
func hasOwnKey(t tx, id string) (bool, error) {
	_, err := t.Get(kindCredKey, id)
	if isNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// Copy is one copy of a record, for a details screen and for tests.
type Copy struct {
	CredentialID string
	// HolderDID is the did:key of the key the copy is bound to.
	HolderDID string
	// OwnKey reports a key made for this copy alone (false: the person's
	// key, for a credential kept the old way).
	OwnKey bool
	// Presented is how many times the copy was presented.
	Presented int
}

// Copies lists the copies of the record credential id belongs to, in ID
// order; a credential kept alone is its only copy.
func (w *Wallet) Copies(id string) ([]Copy, error) {
	var out []Copy
	err := w.view(func(t tx) error {
		var c Credential
		if err := getCred(t, id, &c); err != nil {
			return err
		}
		all, err := batchOf(t, c)
		if err != nil {
			return err
		}
		for _, x := range all {
			own, err := hasOwnKey(t, x.ID)
			if err != nil {
				return err
			}
			n, err := uses(t, x.ID)
			if err != nil {
				return err
			}
			out = append(out, Copy{CredentialID: x.ID, HolderDID: holderDID(x.Text), OwnKey: own, Presented: n})
		}
		return nil
	})
	return out, err
}
