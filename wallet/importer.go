package wallet

import (
	"time"

	"github.com/immunopass/immunopass/verifier"
)

// Status is the wallet's verdict on a credential.
type Status string

// Statuses, from the verifier's reasons.
const (
	StatusVerified      Status = "verified"           // valid, issuer in the trust store
	StatusUnknownIssuer Status = "unknown-issuer"     // signature could not be checked: issuer or key not trusted
	StatusRevoked       Status = "revoked"            // revoked or suspended by its issuer
	StatusExpired       Status = "expired"            // past its exp (or not yet valid)
	StatusNotVerifiable Status = "not-yet-verifiable" // a format the verifier cannot check yet (HC1:, VC-JWT)
	StatusInvalid       Status = "invalid"            // bad signature, malformed, wrong type
)

// Credential formats, as the verifier names them.
const (
	FormatSHC     = verifier.FormatSHC
	FormatSDJWTVC = verifier.FormatSDJWTVC
	FormatHCERT   = verifier.FormatHCERT
	FormatVCJWT   = verifier.FormatVCJWT
)

// Candidate is one credential found by Import, verified, not yet kept.
type Candidate struct {
	Source string // the input's name, and where in it ("card.pdf page 1")
	Format string
	// Text is the credential as the wallet keeps it: an SHC's compact JWS
	// (chunks reassembled), an SD-JWT with all its disclosures, or the
	// "HC1:" text.
	Text string
	// ID is the credential's identity: hex SHA-256 of the issuer-signed JWS
	// (for an SD-JWT the issuer JWT), or of the text for other formats. The
	// same card imported from an image and from a file has the same ID.
	ID       string
	Status   Status
	Reasons  []string // the verifier's reason codes
	Messages []string // and what they mean
	Issuer   verifier.Issuer
	Subject  verifier.Subject
	Doses    []verifier.Immunization
	IssuedAt time.Time // zero if unknown
	Expires  time.Time // zero if none
	// Duplicate names the profile that already holds this credential, "" if
	// it is new.
	Duplicate string
	// Suggested is the profile the credential most likely belongs to, ""
	// when none matches; Match says how sure.
	Suggested string
	Match     Match
}

// Credential is a kept credential.
type Credential struct {
	ID        string
	ProfileID string
	Format    string
	Text      string
	Source    string
	Added     time.Time
	// Status and Reasons are the verdict of the last check (on import, or
	// Recheck).
	Status   Status
	Reasons  []string
	Checked  time.Time
	Issuer   verifier.Issuer
	Subject  verifier.Subject
	Doses    []verifier.Immunization
	IssuedAt time.Time
	Expires  time.Time
	// Bound reports an SD-JWT VC bound to the profile's holder key: it can be
	// presented live and answer challenges.
	Bound bool
}

// Import finds every credential in one input — a QR image (PNG, JPEG, GIF,
// SVG), a PDF, a .smart-health-card file, an SD-JWT file, or pasted text
// ("shc:/" lines including chunks, "IP1:", SD-JWT, "HC1:") — verifies each
// and suggests a profile. It keeps nothing: call Keep.
func (w *Wallet) Import(name string, data []byte) ([]Candidate, error) {
	return nil, ErrNotImplemented
}

// Keep stores a candidate under a profile, marked with its verdict. Keeping
// a credential the wallet already holds returns the one it holds.
func (w *Wallet) Keep(c Candidate, profileID string) (Credential, error) {
	return Credential{}, ErrNotImplemented
}

// Credentials lists a profile's credentials, newest first; "" lists all.
func (w *Wallet) Credentials(profileID string) ([]Credential, error) {
	return nil, ErrNotImplemented
}

// RemoveCredential deletes a credential.
func (w *Wallet) RemoveCredential(id string) error { return ErrNotImplemented }

// MoveCredential files a credential under another profile.
func (w *Wallet) MoveCredential(id, profileID string) error { return ErrNotImplemented }

// Recheck verifies every kept credential again against the current trust
// (after a trust bundle sync) and stores the new verdicts.
func (w *Wallet) Recheck() error { return ErrNotImplemented }

// AddTrust stores a trust file (a VCI directory snapshot, a status list
// token, or a registry bundle with its policy) that imports are verified
// against when Options.Trust is nil.
func (w *Wallet) AddTrust(name string, data []byte) error { return ErrNotImplemented }
