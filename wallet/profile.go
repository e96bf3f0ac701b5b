package wallet

import (
	"fmt"
	"slices"
	"strings"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/vax"
)

// Profile is one family member.
type Profile struct {
	ID        string
	Given     string   // given names, as the person writes them ("Amira", "Jean Pierre")
	Family    string   // family name
	BirthDate vax.Date // the zero Date when unknown
	// Country is the ISO 3166-1 alpha-2 code that picks the vaccination
	// schedule ("AE", "FR"); "" means the WHO schedule.
	Country string
	// Region narrows advisories ("AE", "AE-DU"); "" means Country.
	Region    string
	Favourite bool
	// HolderDID is the did:key of the profile's holder key, for a clinic to
	// bind SD-JWT VCs to. Set by the wallet.
	HolderDID string
}

// Name is the display name: given names, then the family name.
func (p Profile) Name() string { return strings.TrimSpace(p.Given + " " + p.Family) }

// ProfileNotEmptyError refuses to remove a profile that still holds
// credentials unless the caller confirmed it.
type ProfileNotEmptyError struct {
	ID          string
	Credentials int
}

func (e *ProfileNotEmptyError) Error() string {
	return fmt.Sprintf("profile %q holds %d credentials: confirm to remove them too", e.ID, e.Credentials)
}

// profileRecord is a profile as stored, with its place and holder key.
type profileRecord struct {
	Profile
	Pos int    `json:"pos"`
	Key []byte `json:"key"` // private JWK of the holder key
}

// Profiles lists the profiles: the favourite first, then in the user's order.
func (w *Wallet) Profiles() ([]Profile, error) {
	var out []Profile
	err := w.view(func(t tx) error {
		recs, err := profiles(t)
		for _, r := range recs {
			out = append(out, r.Profile)
		}
		return err
	})
	return out, err
}

// profiles returns the stored profiles in display order.
func profiles(t tx) ([]*profileRecord, error) {
	var recs []*profileRecord
	err := forEachJSON(t, kindProfile, func(id string, r *profileRecord) error {
		recs = append(recs, r)
		return nil
	})
	slices.SortStableFunc(recs, func(a, b *profileRecord) int {
		if a.Favourite != b.Favourite {
			if a.Favourite {
				return -1
			}
			return 1
		}
		return a.Pos - b.Pos
	})
	return recs, err
}

func getProfile(t tx, id string) (*profileRecord, error) {
	r := new(profileRecord)
	if err := getJSON(t, kindProfile, id, r); err != nil {
		if isNotFound(err) {
			return nil, &NotFoundError{Kind: "profile", ID: id}
		}
		return nil, err
	}
	return r, nil
}

// Profile returns one profile.
func (w *Wallet) Profile(id string) (Profile, error) {
	var p Profile
	err := w.view(func(t tx) error {
		r, err := getProfile(t, id)
		if err == nil {
			p = r.Profile
		}
		return err
	})
	return p, err
}

// ProfileError reports a profile that cannot be saved as given.
type ProfileError struct{ Problem string }

func (e *ProfileError) Error() string { return "profile: " + e.Problem }

func checkProfile(p *Profile) error {
	p.Given = strings.Join(strings.Fields(p.Given), " ")
	p.Family = strings.Join(strings.Fields(p.Family), " ")
	p.Country = strings.ToUpper(strings.TrimSpace(p.Country))
	p.Region = strings.ToUpper(strings.TrimSpace(p.Region))
	switch {
	case p.Given == "" && p.Family == "":
		return &ProfileError{Problem: "a name is needed"}
	case len(p.Given)+len(p.Family) > 200:
		return &ProfileError{Problem: "name too long"}
	case p.Country != "" && !isAlpha2(p.Country):
		return &ProfileError{Problem: fmt.Sprintf("country %q is not an ISO 3166-1 alpha-2 code", p.Country)}
	}
	if p.BirthDate != (vax.Date{}) {
		if _, err := vax.ParseDate(p.BirthDate.String()); err != nil {
			return &ProfileError{Problem: err.Error()}
		}
	}
	return nil
}

func isAlpha2(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// AddProfile adds a person at the end of the list with a new holder key and
// returns it with its ID and HolderDID set. Given or Family must be set.
func (w *Wallet) AddProfile(p Profile) (Profile, error) {
	if err := checkProfile(&p); err != nil {
		return Profile{}, err
	}
	key, err := jose.GenerateKey()
	if err != nil {
		return Profile{}, err
	}
	p.ID = newID()
	p.HolderDID = key.Public().DIDKey()
	p.Favourite = false
	err = w.update(func(t tx) error {
		recs, err := profiles(t)
		if err != nil {
			return err
		}
		pos := 0
		for _, r := range recs {
			pos = max(pos, r.Pos+1)
		}
		return putJSON(t, kindProfile, p.ID, &profileRecord{Profile: p, Pos: pos, Key: key.MarshalPrivateJWK()})
	})
	if err != nil {
		return Profile{}, err
	}
	return p, nil
}

// UpdateProfile changes a profile's names, birth date, country and region
// (ID, Favourite and HolderDID are kept).
func (w *Wallet) UpdateProfile(p Profile) error {
	if err := checkProfile(&p); err != nil {
		return err
	}
	return w.update(func(t tx) error {
		r, err := getProfile(t, p.ID)
		if err != nil {
			return err
		}
		r.Given, r.Family, r.BirthDate, r.Country, r.Region = p.Given, p.Family, p.BirthDate, p.Country, p.Region
		return putJSON(t, kindProfile, r.ID, r)
	})
}

// RenameProfile changes a profile's names.
func (w *Wallet) RenameProfile(id, given, family string) error {
	p, err := w.Profile(id)
	if err != nil {
		return err
	}
	p.Given, p.Family = given, family
	return w.UpdateProfile(p)
}

// RemoveProfile deletes a profile, its holder key and, when withCredentials
// is true, its credentials. A profile that holds credentials is refused
// with *ProfileNotEmptyError unless withCredentials is true. Its history
// entries are kept (they name the person as they were).
func (w *Wallet) RemoveProfile(id string, withCredentials bool) error {
	return w.update(func(t tx) error {
		if _, err := getProfile(t, id); err != nil {
			return err
		}
		var held []Credential
		err := profileCreds(t, id, func(c *Credential) error {
			held = append(held, *c)
			return nil
		})
		if err != nil {
			return err
		}
		if len(held) > 0 && !withCredentials {
			return &ProfileNotEmptyError{ID: id, Credentials: len(cards(held))}
		}
		for i := range held {
			if err := deleteCred(t, &held[i]); err != nil {
				return err
			}
		}
		return t.Delete(kindProfile, id)
	})
}

// MoveProfile moves a profile to position pos (0 = first, clamped) in the
// user's order. The favourite is still shown first.
func (w *Wallet) MoveProfile(id string, pos int) error {
	return w.update(func(t tx) error {
		recs, err := profiles(t)
		if err != nil {
			return err
		}
		slices.SortStableFunc(recs, func(a, b *profileRecord) int { return a.Pos - b.Pos })
		i := slices.IndexFunc(recs, func(r *profileRecord) bool { return r.ID == id })
		if i < 0 {
			return &NotFoundError{Kind: "profile", ID: id}
		}
		r := recs[i]
		recs = slices.Delete(recs, i, i+1)
		pos = min(max(pos, 0), len(recs))
		recs = slices.Insert(recs, pos, r)
		for n, r := range recs {
			if r.Pos != n {
				r.Pos = n
				if err := putJSON(t, kindProfile, r.ID, r); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// SetFavourite makes one profile the favourite, shown first; "" clears it.
func (w *Wallet) SetFavourite(id string) error {
	return w.update(func(t tx) error {
		recs, err := profiles(t)
		if err != nil {
			return err
		}
		if id != "" && !slices.ContainsFunc(recs, func(r *profileRecord) bool { return r.ID == id }) {
			return &NotFoundError{Kind: "profile", ID: id}
		}
		for _, r := range recs {
			if fav := r.ID == id; fav != r.Favourite {
				r.Favourite = fav
				if err := putJSON(t, kindProfile, r.ID, r); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// holderKey returns a profile's private holder key.
func (w *Wallet) holderKey(profileID string) (*jose.PrivateKey, error) {
	var k *jose.PrivateKey
	err := w.view(func(t tx) error {
		r, err := getProfile(t, profileID)
		if err != nil {
			return err
		}
		k, err = jose.ParsePrivateJWK(r.Key)
		if err != nil {
			return fmt.Errorf("holder key of profile %q: %w", profileID, err)
		}
		return nil
	})
	return k, err
}

// HolderDID returns the did:key of the profile's holder key.
func (w *Wallet) HolderDID(profileID string) (string, error) {
	p, err := w.Profile(profileID)
	return p.HolderDID, err
}

// HolderQR returns a PNG of a QR code holding the profile's did:key, about
// size pixels wide (at least the symbol at one pixel per module), for a
// clinic to scan.
func (w *Wallet) HolderQR(profileID string, size int) ([]byte, error) {
	did, err := w.HolderDID(profileID)
	if err != nil {
		return nil, err
	}
	sym, err := qr.Encode(did, qr.M)
	if err != nil {
		return nil, err
	}
	return sym.PNGSize(size)
}
