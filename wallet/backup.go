package wallet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/immunopass/immunopass/wallet/backup"
	"github.com/immunopass/immunopass/wallet/store"
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
// `age -d` opens it. The time of the backup is in the backup (so a restored
// wallet knows when it was last saved) and is recorded as the last backup
// once the backup is written.
func (w *Wallet) Backup(out io.Writer, passphrase []byte) error {
	return w.backupWith(out, passphrase, 0)
}

func (w *Wallet) backupWith(out io.Writer, passphrase []byte, workFactor int) error {
	st, o, err := w.beginBackup(passphrase, workFactor)
	if err != nil {
		return err
	}
	if err := backup.WriteWith(out, passphrase, st, o); err != nil {
		return err
	}
	return w.endBackup(o)
}

// BackupFile writes the backup to path the safe way: to a temporary file
// beside it, fsynced, then renamed over path, so path always holds either
// the previous backup or the complete new one, even if the app is killed
// midway or the power fails. Only then is it recorded as the last backup: a
// wallet never says it was backed up when the file is not there. Use it
// rather than Backup for files.
func (w *Wallet) BackupFile(path string, passphrase []byte) error {
	return w.backupFileWith(path, passphrase, 0)
}

func (w *Wallet) backupFileWith(path string, passphrase []byte, workFactor int) error {
	st, o, err := w.beginBackup(passphrase, workFactor)
	if err != nil {
		return err
	}
	if err := backup.WriteFile(path, passphrase, st, o); err != nil {
		return err
	}
	return w.endBackup(o)
}

// beginBackup returns the store to back up and the options that put the
// time of this backup into it (as the lastBackup record it will have).
func (w *Wallet) beginBackup(passphrase []byte, workFactor int) (store.Store, backup.Options, error) {
	if len(passphrase) == 0 {
		return nil, backup.Options{}, errors.New("a backup passphrase is needed")
	}
	w.mu.Lock()
	st := w.st
	w.mu.Unlock()
	if st == nil {
		return nil, backup.Options{}, ErrLocked
	}
	now := w.now().UTC()
	v, err := json.Marshal(now)
	if err != nil {
		return nil, backup.Options{}, err
	}
	return st, backup.Options{WorkFactor: workFactor, Now: w.now,
		Set: []backup.Record{{Kind: kindMeta, ID: "lastBackup", Value: v}}}, nil
}

// endBackup records the time of a backup that was written.
func (w *Wallet) endBackup(o backup.Options) error {
	r := o.Set[0]
	return w.update(func(t tx) error { return t.Put(r.Kind, r.ID, r.Value) })
}

// ReadBackup decrypts and checks a backup without changing anything: a wrong
// passphrase gives backup.ErrWrongPassphrase, a damaged file a
// *backup.CorruptError or *backup.FormatError.
func (w *Wallet) ReadBackup(r io.Reader, passphrase []byte) (*Snapshot, error) {
	snap, err := backup.Read(r, passphrase)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{Created: snap.Created, snap: snap}
	batches := map[string]bool{} // the copies of a record count once
	for _, rec := range snap.Records {
		switch rec.Kind {
		case kindProfile:
			s.Profiles++
		case kindCred:
			var c struct{ Batch string }
			if json.Unmarshal(rec.Value, &c) == nil && c.Batch != "" {
				if batches[c.Batch] {
					continue
				}
				batches[c.Batch] = true
			}
			s.Credentials++
		case kindHistory:
			s.History++
		}
	}
	return s, nil
}

// Restore puts a snapshot into the wallet in one transaction. Without
// replace, a record that exists with another value refuses the restore with
// a *backup.ConflictError and nothing changes; with replace it is
// overwritten. Records the backup does not hold are kept.
func (w *Wallet) Restore(s *Snapshot, replace bool) error {
	if s == nil || s.snap == nil {
		return errors.New("restore a snapshot read by ReadBackup")
	}
	w.mu.Lock()
	st := w.st
	w.trustCache = nil
	w.mu.Unlock()
	if st == nil {
		return ErrLocked
	}
	// The backup's credentials may be filed under other profiles than the
	// index entries say (or have none, from before the index): the index is
	// rebuilt after the restore, and marked stale before it, so a crash in
	// between rebuilds it at the next open.
	if err := w.update(func(t tx) error { return putJSON(t, kindMeta, indexStale, true) }); err != nil {
		return err
	}
	err := backup.Restore(st, s.snap.(*backup.Snapshot), replace)
	if ierr := w.update(rebuildIndex); err == nil {
		err = ierr
	}
	return err
}

// LastBackup returns when the last backup was written, zero if never.
func (w *Wallet) LastBackup() (time.Time, error) {
	var t0 time.Time
	err := w.view(func(t tx) error {
		err := getJSON(t, kindMeta, "lastBackup", &t0)
		if isNotFound(err) {
			return nil
		}
		return err
	})
	return t0, err
}

// Reminder is something to tell the user at start-up.
type Reminder struct {
	Kind      string // "due", "overdue", "expiring", "backup"
	ProfileID string // "" for wallet-wide reminders
	Title     string
	Detail    string
	At        time.Time // the date it is about
}

// ExpiryWarning is how long before a credential's expiry Reminders warns.
const ExpiryWarning = 30 * 24 * time.Hour

// Reminders computes what to remind the user of now: doses due or overdue
// for each person (per the due view), credentials expiring within
// ExpiryWarning, and no backup in BackupReminderAfter. Call it at start-up.
func (w *Wallet) Reminders() ([]Reminder, error) {
	now := w.now()
	profs, err := w.Profiles()
	if err != nil {
		return nil, err
	}
	var out []Reminder
	for _, p := range profs {
		if p.BirthDate.Year != 0 {
			items, err := w.Due(p.ID)
			if err != nil {
				return nil, err
			}
			for _, it := range items {
				if it.State != Due && it.State != Overdue {
					continue
				}
				title := fmt.Sprintf("%s: %s is due", p.Name(), it.Vaccine)
				if it.State == Overdue {
					title = fmt.Sprintf("%s: %s is overdue", p.Name(), it.Vaccine)
				}
				out = append(out, Reminder{Kind: string(it.State), ProfileID: p.ID, Title: title,
					Detail: fmt.Sprintf("from %s (%s, informational)", it.From, it.Schedule.Name), At: it.From.Earliest()})
			}
		}
		creds, err := w.Credentials(p.ID)
		if err != nil {
			return nil, err
		}
		for _, c := range creds {
			if c.Expires.IsZero() || c.Status == StatusInvalid {
				continue
			}
			if left := c.Expires.Sub(now); left > 0 && left <= ExpiryWarning {
				out = append(out, Reminder{Kind: "expiring", ProfileID: p.ID,
					Title:  fmt.Sprintf("%s: a credential from %s expires on %s", p.Name(), firstNonEmpty(c.Issuer.Name, c.Issuer.ID), c.Expires.Format("2006-01-02")),
					Detail: "ask the clinic for a new one", At: c.Expires})
			}
		}
	}
	last, err := w.LastBackup()
	if err != nil {
		return nil, err
	}
	if len(profs) > 0 && (last.IsZero() || now.Sub(last) > BackupReminderAfter) {
		detail := "no backup yet"
		if !last.IsZero() {
			detail = "last backup on " + last.Format("2006-01-02")
		}
		out = append(out, Reminder{Kind: "backup", Title: "Back up your wallet", Detail: detail, At: last})
	}
	return out, nil
}

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

// Advisories returns the current advisories of the trust bundle for the
// profile's region: those for its region, its country ("AE" covers
// "AE-DU"), or everyone (no region). "" as profileID returns them all.
func (w *Wallet) Advisories(profileID string) ([]Advisory, error) {
	region := ""
	if profileID != "" {
		p, err := w.Profile(profileID)
		if err != nil {
			return nil, err
		}
		region = firstNonEmpty(p.Region, p.Country)
	}
	var out []Advisory
	for _, a := range w.trust().Advisories(w.now()) {
		ar := strings.ToUpper(a.Region)
		if profileID != "" && ar != "" && !regionCovers(ar, region) {
			continue
		}
		out = append(out, Advisory{ID: a.ID, Title: a.Title, Body: a.Body, Region: a.Region, Severity: a.Severity, Issued: a.Issued, Expires: a.Expires})
	}
	return out, nil
}

// regionCovers: an advisory for "AE" concerns someone in "AE-DU", and one
// for "AE-DU" someone whose region is only known as "AE".
func regionCovers(adv, person string) bool {
	if person == "" {
		return false
	}
	return adv == person || strings.HasPrefix(person, adv+"-") || strings.HasPrefix(adv, person+"-")
}
