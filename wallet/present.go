package wallet

import (
	"time"
)

// Presentation modes.
const (
	ModeStatic    = "static"    // no key binding: for print, SHC, or verifiers that cannot check binding
	ModeLive      = "live"      // KB-JWT refreshed every LiveRefresh
	ModeChallenge = "challenge" // KB-JWT answering a verifier's challenge
)

// LiveRefresh is how often a live presentation is re-bound.
const LiveRefresh = 30 * time.Second

// Preset is a ready choice of what to disclose for a context.
type Preset struct {
	ID          string // "school", "travel-yellow-fever", "travel-polio", "full"
	Name        string
	Description string
	Names       bool     // disclose given and family names
	BirthDate   bool     // disclose the birth date
	Diseases    []string // disclose the doses against these diseases; nil: all doses
	Mode        string   // the suggested mode
}

// PresentRequest says what to present.
type PresentRequest struct {
	ProfileID string
	// Credentials are the credential IDs to present; empty means every
	// credential of the profile that the preset needs.
	Credentials []string
	// Preset picks claims by context; Claims, when set, overrides it with
	// explicit SD-JWT claim paths ("given_name", "birthdate", "doses[2]").
	Preset string
	Claims []string
	Mode   string // ModeStatic or ModeLive; "" means the preset's
	// To is who the presentation is for, for the history ("Lycée Molière").
	To string
}

// Presentation is what to show: one QR text per credential.
type Presentation struct {
	Items []PresentedItem
	Mode  string
	// Expires is when a live presentation must be refreshed (call Refresh);
	// zero for static ones.
	Expires   time.Time
	HistoryID string

	req PresentRequest
}

// PresentedItem is one credential as presented.
type PresentedItem struct {
	CredentialID string
	Format       string
	// QR is the text to encode in the QR code ("IP1:…" or "shc:/…"); Text
	// is the same presentation in its plain form (SD-JWT "~" text or JWS).
	QR        string
	Text      string
	Disclosed []string // claim paths or, for an SHC, "everything"
	Withheld  int
}

// Presets lists the presets.
func Presets() []Preset { return nil }

// Present makes a presentation and logs it in the history.
func (w *Wallet) Present(req PresentRequest) (*Presentation, error) { return nil, ErrNotImplemented }

// Refresh re-binds a live presentation with a fresh KB-JWT (same
// disclosures, same history entry) and returns it with its new deadline.
func (w *Wallet) Refresh(p *Presentation) (*Presentation, error) { return nil, ErrNotImplemented }

// ChallengeRequest is a verifier's challenge as the approve/refuse screen
// shows it.
type ChallengeRequest struct {
	Text     string // the "IPC1:" text
	Verifier string // the verifier's did:key (the KB-JWT's aud)
	Purpose  string
	Expires  time.Time
	// Asks lists what the verifier asks for, in words ("given name", "all
	// doses").
	Asks  []string
	Paths []string // the same as claim paths
	// Options are the credentials that can answer it, per profile.
	Options []ChallengeOption
}

// ChallengeOption is one credential that can answer a challenge.
type ChallengeOption struct {
	ProfileID    string
	CredentialID string
	Disclose     []string // the claim paths the answer would disclose
}

// ReadChallenge reads a verifier's challenge from pasted text or a QR image.
func (w *Wallet) ReadChallenge(name string, data []byte) (*ChallengeRequest, error) {
	return nil, ErrNotImplemented
}

// AnswerChallenge answers a challenge with one credential (the user
// approved), bound to the challenge's nonce and aud, and logs it.
func (w *Wallet) AnswerChallenge(c *ChallengeRequest, credentialID string) (*Presentation, error) {
	return nil, ErrNotImplemented
}
