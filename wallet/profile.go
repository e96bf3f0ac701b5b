package wallet

import (
	"fmt"
	"strings"

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

// Profiles lists the profiles: the favourite first, then in the user's order.
func (w *Wallet) Profiles() ([]Profile, error) { return nil, ErrNotImplemented }

// Profile returns one profile.
func (w *Wallet) Profile(id string) (Profile, error) { return Profile{}, ErrNotImplemented }

// AddProfile adds a person at the end of the list with a new holder key and
// returns it with its ID and HolderDID set. Given or Family must be set.
func (w *Wallet) AddProfile(p Profile) (Profile, error) { return Profile{}, ErrNotImplemented }

// UpdateProfile changes a profile's name, birth date, country and region
// (ID, Favourite and HolderDID are kept).
func (w *Wallet) UpdateProfile(p Profile) error { return ErrNotImplemented }

// RenameProfile changes a profile's names.
func (w *Wallet) RenameProfile(id, given, family string) error { return ErrNotImplemented }

// RemoveProfile deletes a profile, its holder key and, when withCredentials
// is true, its credentials. A profile that holds credentials is refused
// with *ProfileNotEmptyError unless withCredentials is true.
func (w *Wallet) RemoveProfile(id string, withCredentials bool) error { return ErrNotImplemented }

// MoveProfile moves a profile to position pos (0 = first) in the user's
// order.
func (w *Wallet) MoveProfile(id string, pos int) error { return ErrNotImplemented }

// SetFavourite makes one profile the favourite, shown first; "" clears it.
func (w *Wallet) SetFavourite(id string) error { return ErrNotImplemented }

// HolderDID returns the did:key of the profile's holder key.
func (w *Wallet) HolderDID(profileID string) (string, error) { return "", ErrNotImplemented }

// HolderQR returns a PNG of a QR code holding the profile's did:key, about
// size pixels wide, for a clinic to scan.
func (w *Wallet) HolderQR(profileID string, size int) ([]byte, error) {
	return nil, ErrNotImplemented
}
