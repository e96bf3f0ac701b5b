// Package backup saves a whole wallet store to one encrypted file and
// restores it. The file is in the age format, encrypted to a passphrase
// (scrypt), so the stock `age -d` tool opens it too: nobody is locked out
// of their records by this software.
//
// # What a backup holds
//
// Inside the age encryption is one JSON document, a Snapshot:
//
//	{"type":"immunopass-wallet-backup","version":1,"created":"2026-01-02T03:04:05Z",
//	 "records":[{"kind":"profile","id":"p1","value":"<base64url>"},…]}
//
// Every record of every kind in the store, sorted by kind then id, each value
// as unpadded base64url. Profiles, credentials, holder keys and history all
// live in the store, so the snapshot is the whole wallet.
//
// # What is checked
//
// Read refuses, with a typed error and before anything is restored: a file
// that is not age-encrypted to a passphrase (*FormatError), a wrong
// passphrase (ErrWrongPassphrase), a truncated or altered file (*CorruptError:
// age authenticates every 64 KiB chunk and the end of the stream), a snapshot
// from a newer program (*VersionError), and a snapshot that is not strict
// JSON of the form above (*FormatError: unknown or duplicate members, bad
// base64url, records out of order or repeated, names the store would refuse).
// Sizes are bounded (MaxFile, MaxSnapshot), and so is the scrypt work factor
// a file may ask for (MaxWorkFactor), so a crafted file cannot exhaust memory.
// A flipped byte in the age header's scrypt salt or work factor derives another
// key and so reads as a wrong passphrase: the two cannot be told apart.
//
// # Restore
//
// Restore writes a snapshot into a store in one transaction: all or nothing.
// Without replace it changes nothing and returns a *ConflictError listing the
// records that exist with another value; with replace those are overwritten.
// Records in the store that the backup does not hold are kept either way.
//
// # Files
//
// WriteFile writes a backup next to its final name, fsyncs it and renames it,
// so a crash never leaves half a backup under the final name. A temporary
// file that a crash did leave is removed by a later WriteFile once it is
// older than StaleAfter.
package backup

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/immunopass/immunopass/internal/atomicfile"
	"github.com/immunopass/immunopass/internal/vfs"

	"filippo.io/age"

	"github.com/immunopass/immunopass/internal/b64"
	"github.com/immunopass/immunopass/internal/strictjson"
	"github.com/immunopass/immunopass/wallet/store"
)

// Version is the snapshot version this package writes and reads.
const Version = 1

const snapshotType = "immunopass-wallet-backup"

// Bounds on what Read accepts.
const (
	MaxSnapshot   = 64 << 20                               // decrypted JSON
	MaxFile       = MaxSnapshot + MaxSnapshot/4096 + 1<<20 // age adds 16 bytes per 64 KiB chunk, and a header
	MaxWorkFactor = 20                                     // scrypt log2(N): 1 GiB of memory
)

// WorkFactor is the scrypt work factor of new backups (the age tool's
// default: about a second on a laptop).
const WorkFactor = 18

var (
	// ErrWrongPassphrase: the passphrase does not open the backup.
	ErrWrongPassphrase = errors.New("wrong passphrase for the backup")
)

// FormatError reports a file that is not a wallet backup this program can
// read.
type FormatError struct{ Problem string }

func (e *FormatError) Error() string { return "not a wallet backup: " + e.Problem }

// CorruptError reports a backup that opened with the passphrase but whose
// content is damaged: truncated, or altered.
type CorruptError struct{ Problem string }

func (e *CorruptError) Error() string { return "backup is damaged: " + e.Problem }

// VersionError reports a snapshot written by a newer program.
type VersionError struct{ Version int }

func (e *VersionError) Error() string {
	return fmt.Sprintf("backup version %d is newer than this program reads (%d): update the app", e.Version, Version)
}

// Key names one record.
type Key struct{ Kind, ID string }

// ConflictError lists the records a restore without replace would have
// overwritten; nothing was changed.
type ConflictError struct{ Replaced []Key }

func (e *ConflictError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "restore would replace %d existing record(s):", len(e.Replaced))
	for i, k := range e.Replaced {
		if i == 5 {
			fmt.Fprintf(&b, " and %d more", len(e.Replaced)-i)
			break
		}
		fmt.Fprintf(&b, " %q/%q", k.Kind, k.ID)
	}
	return b.String()
}

// Record is one store record.
type Record struct {
	Kind, ID string
	Value    []byte
}

// Snapshot is the content of a backup.
type Snapshot struct {
	Version int
	Created time.Time
	Records []Record // sorted by Kind, then ID
}

// Options tune Write; the zero value means the defaults.
type Options struct {
	WorkFactor int              // scrypt log2(N); 0 means WorkFactor
	Now        func() time.Time // nil means time.Now
	// Set are records the snapshot holds in place of the store's (or
	// besides them): a caller records something about this backup (its
	// time) in the backup before it records it in the store, so that the
	// store says so only once the backup exists.
	Set []Record
}

// Take reads every record of s in one transaction.
func Take(s store.Store, now time.Time) (*Snapshot, error) {
	snap := &Snapshot{Version: Version, Created: now.UTC().Truncate(time.Second)}
	err := s.View(func(tx store.Tx) error {
		snap.Records = snap.Records[:0]
		kinds, err := tx.Kinds()
		if err != nil {
			return err
		}
		for _, k := range kinds {
			if err := tx.ForEach(k, func(id string, v []byte) error {
				snap.Records = append(snap.Records, Record{Kind: k, ID: id, Value: v})
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return snap, nil
}

// set puts r into the snapshot, keeping the records sorted by kind then id.
func (snap *Snapshot) set(r Record) {
	i := sort.Search(len(snap.Records), func(i int) bool {
		o := snap.Records[i]
		return o.Kind > r.Kind || o.Kind == r.Kind && o.ID >= r.ID
	})
	if i < len(snap.Records) && snap.Records[i].Kind == r.Kind && snap.Records[i].ID == r.ID {
		snap.Records[i] = r
		return
	}
	snap.Records = slices.Insert(snap.Records, i, r)
}

// Write writes a backup of s to w, encrypted to passphrase.
func Write(w io.Writer, passphrase []byte, s store.Store) error {
	return WriteWith(w, passphrase, s, Options{})
}

// WriteWith is Write with options.
func WriteWith(w io.Writer, passphrase []byte, s store.Store, o Options) error {
	if len(passphrase) == 0 {
		return errors.New("backup: empty passphrase")
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	snap, err := Take(s, now())
	if err != nil {
		return err
	}
	for _, r := range o.Set {
		snap.set(r)
	}
	return snap.Encrypt(w, passphrase, o.WorkFactor)
}

// Encrypt writes the snapshot to w as an age file; workFactor 0 means
// WorkFactor.
func (snap *Snapshot) Encrypt(w io.Writer, passphrase []byte, workFactor int) error {
	if workFactor == 0 {
		workFactor = WorkFactor
	}
	r, err := age.NewScryptRecipient(string(passphrase))
	if err != nil {
		return err
	}
	r.SetWorkFactor(workFactor)
	aw, err := age.Encrypt(w, r)
	if err != nil {
		return err
	}
	if _, err := aw.Write(snap.Marshal()); err != nil {
		return err
	}
	return aw.Close()
}

// WriteFile writes a backup of s to path: to a temporary file in the same
// folder, fsynced, then renamed over path, and the folder fsynced, so path
// holds either the previous file or the complete new backup, never part of
// one, and a backup WriteFile returned nil for survives a power cut. The
// file is 0600.
func WriteFile(path string, passphrase []byte, s store.Store, o Options) error {
	return WriteFileFS(vfs.OS, path, passphrase, s, o)
}

// WriteFileFS is WriteFile on fsys.
func WriteFileFS(fsys vfs.FS, path string, passphrase []byte, s store.Store, o Options) error {
	err := atomicfile.WriteFuncFS(fsys, path, 0o600, func(w io.Writer) error { return WriteWith(w, passphrase, s, o) })
	if err != nil {
		return err
	}
	removeStale(fsys, filepath.Dir(path), filepath.Base(path))
	return nil
}

// StaleAfter is the age past which WriteFile removes temporary files that
// an interrupted backup (a crash, a kill) left next to the final name.
const StaleAfter = 10 * time.Minute

func removeStale(fsys vfs.FS, dir, base string) {
	ents, _ := fsys.ReadDir(dir)
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), "."+base+".tmp-") {
			continue
		}
		f := filepath.Join(dir, e.Name())
		if st, err := fsys.Lstat(f); err == nil && st.Mode().IsRegular() && time.Since(st.ModTime()) > StaleAfter {
			fsys.Remove(f)
		}
	}
}

type recordJSON struct {
	Kind  *string `json:"kind"`
	ID    *string `json:"id"`
	Value *string `json:"value"`
}

type snapshotJSON struct {
	Type    *string       `json:"type"`
	Version *int          `json:"version"`
	Created *string       `json:"created"`
	Records *[]recordJSON `json:"records"`
}

// Marshal encodes the snapshot as JSON.
func (snap *Snapshot) Marshal() []byte {
	var b bytes.Buffer
	created := snap.Created.UTC().Format(time.RFC3339)
	fmt.Fprintf(&b, `{"type":%q,"version":%d,"created":%q,"records":[`, snapshotType, snap.Version, created)
	for i, r := range snap.Records {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(r.Kind)
		id, _ := json.Marshal(r.ID)
		fmt.Fprintf(&b, "\n{\"kind\":%s,\"id\":%s,\"value\":\"%s\"}", k, id, b64.Encode(r.Value))
	}
	b.WriteString("]}\n")
	return b.Bytes()
}

// Parse parses a decrypted snapshot strictly (see the package doc).
func Parse(data []byte) (*Snapshot, error) {
	if len(data) > MaxSnapshot {
		return nil, &FormatError{Problem: fmt.Sprintf("snapshot of %d bytes, more than %d", len(data), MaxSnapshot)}
	}
	if _, err := strictjson.Parse(data, 4); err != nil {
		return nil, &FormatError{Problem: err.Error()}
	}
	// The type and version first: a newer version may have other members.
	var head struct {
		Type    any `json:"type"`
		Version any `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, &FormatError{Problem: "not a JSON object"}
	}
	if head.Type != snapshotType {
		return nil, &FormatError{Problem: fmt.Sprintf("type %q, want %q", fmt.Sprint(head.Type), snapshotType)}
	}
	v, ok := head.Version.(float64)
	if !ok || v != float64(int(v)) || v < 1 {
		return nil, &FormatError{Problem: fmt.Sprintf("version %v is not a positive integer", head.Version)}
	}
	if v > Version {
		if v > 1e9 {
			v = 1e9
		}
		return nil, &VersionError{Version: int(v)}
	}
	var sj snapshotJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sj); err != nil {
		return nil, &FormatError{Problem: err.Error()}
	}
	if sj.Created == nil || sj.Records == nil {
		return nil, &FormatError{Problem: `"created" and "records" are required`}
	}
	created, err := time.Parse(time.RFC3339, *sj.Created)
	if err != nil {
		return nil, &FormatError{Problem: fmt.Sprintf("created %q is not an RFC 3339 time", *sj.Created)}
	}
	snap := &Snapshot{Version: *sj.Version, Created: created, Records: make([]Record, 0, len(*sj.Records))}
	for i, rj := range *sj.Records {
		if rj.Kind == nil || rj.ID == nil || rj.Value == nil {
			return nil, &FormatError{Problem: fmt.Sprintf("record %d: kind, id and value are required", i)}
		}
		r := Record{Kind: *rj.Kind, ID: *rj.ID}
		if err := checkName("kind", r.Kind, store.MaxKind); err != nil {
			return nil, &FormatError{Problem: fmt.Sprintf("record %d: %v", i, err)}
		}
		if err := checkName("id", r.ID, store.MaxID); err != nil {
			return nil, &FormatError{Problem: fmt.Sprintf("record %d: %v", i, err)}
		}
		if r.Value, err = b64.Decode(*rj.Value); err != nil {
			return nil, &FormatError{Problem: fmt.Sprintf("record %d (%q/%q): value: %v", i, r.Kind, r.ID, err)}
		}
		if len(r.Value) > store.MaxValue {
			return nil, &FormatError{Problem: fmt.Sprintf("record %d (%q/%q): value of %d bytes, more than %d", i, r.Kind, r.ID, len(r.Value), store.MaxValue)}
		}
		if i > 0 {
			p := snap.Records[i-1]
			if p.Kind > r.Kind || p.Kind == r.Kind && p.ID >= r.ID {
				return nil, &FormatError{Problem: fmt.Sprintf("record %d (%q/%q) is out of order or repeated after %q/%q", i, r.Kind, r.ID, p.Kind, p.ID)}
			}
		}
		snap.Records = append(snap.Records, r)
	}
	return snap, nil
}

func checkName(what, s string, max int) error {
	switch {
	case s == "":
		return fmt.Errorf("empty %s", what)
	case len(s) > max:
		return fmt.Errorf("%s of %d bytes, more than %d", what, len(s), max)
	case !utf8.ValidString(s):
		return fmt.Errorf("%s %q is not UTF-8", what, s)
	}
	return nil
}

const ageMagic = "age-encryption.org/v1\n"

// Read decrypts and parses a backup.
func Read(r io.Reader, passphrase []byte) (*Snapshot, error) {
	return read(r, passphrase, MaxWorkFactor)
}

func read(r io.Reader, passphrase []byte, maxWorkFactor int) (*Snapshot, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFile {
		return nil, &FormatError{Problem: fmt.Sprintf("file larger than %d bytes", MaxFile)}
	}
	if !bytes.HasPrefix(data, []byte(ageMagic)) {
		return nil, &FormatError{Problem: fmt.Sprintf("not an age-encrypted file (it starts %q)", trunc(data, 16))}
	}
	if !bytes.HasPrefix(data[len(ageMagic):], []byte("-> scrypt ")) {
		return nil, &FormatError{Problem: "age file not encrypted to a passphrase"}
	}
	if len(passphrase) == 0 {
		return nil, ErrWrongPassphrase
	}
	id, err := age.NewScryptIdentity(string(passphrase))
	if err != nil {
		return nil, err
	}
	id.SetMaxWorkFactor(maxWorkFactor)
	ar, err := age.Decrypt(bytes.NewReader(data), id)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, ErrWrongPassphrase
		}
		if strings.Contains(err.Error(), "work factor too large") {
			return nil, &FormatError{Problem: fmt.Sprintf("it asks for a scrypt work factor above %d: %v", maxWorkFactor, err)}
		}
		return nil, &CorruptError{Problem: err.Error()}
	}
	plain, err := io.ReadAll(io.LimitReader(ar, MaxSnapshot+1))
	if err != nil {
		return nil, &CorruptError{Problem: err.Error()}
	}
	if len(plain) > MaxSnapshot {
		return nil, &FormatError{Problem: fmt.Sprintf("snapshot larger than %d bytes", MaxSnapshot)}
	}
	return Parse(plain)
}

func trunc(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// Restore writes the snapshot into s in one Update (see the package doc).
func Restore(s store.Store, snap *Snapshot, replace bool) error {
	if snap == nil || snap.Version != Version {
		return errors.New("backup: restore of an unparsed snapshot")
	}
	return s.Update(func(tx store.Tx) error {
		var conflicts []Key
		for _, r := range snap.Records {
			old, err := tx.Get(r.Kind, r.ID)
			switch {
			case errors.Is(err, store.ErrNotFound):
				continue
			case err != nil:
				return err
			case !bytes.Equal(old, r.Value):
				conflicts = append(conflicts, Key{r.Kind, r.ID})
			}
		}
		if len(conflicts) > 0 && !replace {
			return &ConflictError{Replaced: conflicts}
		}
		for _, r := range snap.Records {
			if err := tx.Put(r.Kind, r.ID, r.Value); err != nil {
				return err
			}
		}
		return nil
	})
}
