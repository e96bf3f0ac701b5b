package wallet

import (
	"io"
	"time"
)

// HistoryEntry is one presentation, logged locally.
type HistoryEntry struct {
	ID          string
	At          time.Time
	ProfileID   string
	Person      string // the profile's name at the time
	To          string // who it was for, if known (a challenge's verifier, or what the user typed)
	Purpose     string // preset or challenge purpose
	Mode        string
	Credentials []string // credential IDs
	Claims      []string // disclosed claim paths
	Withheld    int
}

// History lists presentations, newest first.
func (w *Wallet) History() ([]HistoryEntry, error) { return nil, ErrNotImplemented }

// ExportHistory writes the history as "csv" or "json".
func (w *Wallet) ExportHistory(out io.Writer, format string) error { return ErrNotImplemented }

// DeleteHistory deletes entries; no IDs deletes everything.
func (w *Wallet) DeleteHistory(ids ...string) error { return ErrNotImplemented }
