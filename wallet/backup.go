package wallet

import (
	"io"
	"time"
)

// BackupReminderAfter is how old the last backup may get before Reminders
// suggests a new one.
const BackupReminderAfter = 30 * 24 * time.Hour

// Snapshot is a backup read and decrypted, not yet restored, with a summary
// for the confirmation screen.
type Snapshot struct {
	Profiles    int
	Credentials int
	History     int
	Created     time.Time // when the backup was made, zero if unknown

	snap any
}

// Backup writes an age-encrypted (scrypt passphrase) backup of everything:
// profiles, keys, credentials, history, trust files and settings. The stock
// `age -d` opens it.
func (w *Wallet) Backup(out io.Writer, passphrase []byte) error { return ErrNotImplemented }

// ReadBackup decrypts and checks a backup without changing anything.
func (w *Wallet) ReadBackup(r io.Reader, passphrase []byte) (*Snapshot, error) {
	return nil, ErrNotImplemented
}

// Restore puts a snapshot into the wallet. Replacing existing content needs
// replace=true; otherwise a wallet that holds anything is refused. Atomic:
// on error nothing changed.
func (w *Wallet) Restore(s *Snapshot, replace bool) error { return ErrNotImplemented }

// LastBackup returns when the last backup was written, zero if never.
func (w *Wallet) LastBackup() (time.Time, error) { return time.Time{}, ErrNotImplemented }

// Reminder is something to tell the user at start-up.
type Reminder struct {
	Kind      string // "due", "overdue", "expiring", "backup"
	ProfileID string // "" for wallet-wide reminders
	Title     string
	Detail    string
	At        time.Time // the date it is about
}

// Reminders computes what to remind the user of now: doses due or overdue,
// credentials expiring within 30 days, and no backup in BackupReminderAfter.
func (w *Wallet) Reminders() ([]Reminder, error) { return nil, ErrNotImplemented }

// Advisory is a health authority's notice from the trust bundle.
type Advisory struct {
	ID       string
	Title    string
	Body     string
	Region   string
	Severity string
	Issued   time.Time
	Expires  time.Time
}

// Advisories returns the advisories of the trust bundle for the profile's
// region, current ones only.
func (w *Wallet) Advisories(profileID string) ([]Advisory, error) { return nil, ErrNotImplemented }

// PrintPDF writes an A4 page and a credit-card-size card with the profile's
// QR codes, for people who travel with paper.
func (w *Wallet) PrintPDF(profileID string, out io.Writer) error { return ErrNotImplemented }
