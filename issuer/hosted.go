package issuer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/internal/atomicfile"
	"github.com/immunopass/immunopass/internal/vfs"
)

// StatCount is one cell of the statistics an issuer reports: how many doses
// of a vaccine were given in a region in an ISO week. Nothing in it names a
// person.
type StatCount struct {
	Vaccine string `json:"vaccine"` // "<system>|<code>"
	Region  string `json:"region"`
	Week    string `json:"week"` // ISO 8601 week, "2026-W47"
	Count   int    `json:"count"`
}

// CountDoses returns the statistics for records issued together: completed
// doses per vaccine × region × ISO week of administration. region names the
// clinic's region; when it is empty a dose counts under its country of event
// (or "ZZ", unknown). Doses without a full date are left out.
func CountDoses(recs []*vax.Record, region string) []StatCount {
	cells := map[StatCount]int{}
	for _, r := range recs {
		for _, im := range r.Immunizations {
			if im.Status != "" && im.Status != "completed" {
				continue
			}
			if im.Date.Precision() != "day" || im.Vaccine.Code == "" {
				continue
			}
			y, w := im.Date.Earliest().ISOWeek()
			reg := region
			if reg == "" {
				reg = im.Country
			}
			if reg == "" {
				reg = "ZZ"
			}
			cells[StatCount{Vaccine: im.Vaccine.System + "|" + im.Vaccine.Code, Region: reg, Week: fmt.Sprintf("%04d-W%02d", y, w)}]++
		}
	}
	out := make([]StatCount, 0, len(cells))
	for c, n := range cells {
		c.Count = n
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Week != b.Week {
			return a.Week < b.Week
		}
		if a.Vaccine != b.Vaccine {
			return a.Vaccine < b.Vaccine
		}
		return a.Region < b.Region
	})
	return out
}

// State is a registry-hosted issuer's local state, in one folder:
//
//	outbox/            anchors and statistics not yet acknowledged (see Outbox)
//	proofs/            inclusion proofs of credentials written to stdout
//	status-pool.json   status list entries allocated by the registry, not yet used
//	ledger.jsonl       what was issued: record id, digest, status entry, rid
//
// The pool lets a clinic keep issuing SD-JWT VCs through a registry outage;
// the ledger lets it revoke every credential of a record later.
type State struct {
	Dir    string
	Outbox *Outbox
	fs     vfs.FS
}

// OpenState opens (creating if needed) the state folder.
func OpenState(dir string) (*State, error) { return OpenStateFS(vfs.OS, dir) }

// OpenStateFS is OpenState on fsys.
func OpenStateFS(fsys vfs.FS, dir string) (*State, error) {
	ob, err := OpenOutboxFS(fsys, filepath.Join(dir, "outbox"))
	if err != nil {
		return nil, err
	}
	return &State{Dir: dir, Outbox: ob, fs: fsys}, nil
}

// Commit makes a group of credentials ready for release in one step per
// file: their anchor items (and any statistics) go to the outbox (one file,
// one fsync) and their ledger entries to the ledger (one append, one fsync).
// Only after it returns nil may the credentials be written or shown:
// then everything released is queued for anchoring and can be revoked,
// whatever happens next.
func (s *State) Commit(items []*Item, ledger []LedgerEntry) error {
	if err := s.Outbox.Add(items...); err != nil {
		return err
	}
	return s.AppendLedger(ledger...)
}

// ProofDir is where proofs of credentials without an output file go.
func (s *State) ProofDir() string { return filepath.Join(s.Dir, "proofs") }

type poolFile struct {
	Version  int           `json:"version"`
	Registry string        `json:"registry"`
	Issuer   string        `json:"iss"`
	Entries  []StatusEntry `json:"entries"`
}

func (s *State) poolPath() string { return filepath.Join(s.Dir, "status-pool.json") }

func (s *State) readPool(r *Registry) (*poolFile, error) {
	p := &poolFile{Version: 1, Registry: r.Base.String(), Issuer: r.Issuer}
	data, err := s.fs.ReadFile(s.poolPath())
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	var got poolFile
	if err := json.Unmarshal(data, &got); err != nil || got.Version != 1 {
		return nil, fmt.Errorf("%s: not an ImmunoPass status pool (version 1)", s.poolPath())
	}
	if got.Registry != p.Registry || got.Issuer != p.Issuer {
		// Entries of another registry or issuer are useless here; keep
		// the file for the operator and start afresh.
		return p, nil
	}
	return &got, nil
}

// TakeStatus returns n status entries for new credentials. It uses entries
// left in the pool first and asks the registry for the rest plus reserve
// more, so that issuance can go on while the registry is unreachable. Taken
// entries leave the pool durably before they are returned: an entry is never
// handed out twice.
func (s *State) TakeStatus(ctx context.Context, r *Registry, n, reserve int) ([]StatusEntry, error) {
	p, err := s.readPool(r)
	if err != nil {
		return nil, err
	}
	if len(p.Entries) < n {
		fresh, err := r.AllocateStatus(ctx, n-len(p.Entries)+reserve)
		if err != nil {
			return nil, fmt.Errorf("no status index for the SD-JWT VC (%d in the local pool, %d needed): %w", len(p.Entries), n, err)
		}
		p.Entries = append(p.Entries, fresh...)
	} else if len(p.Entries)-n < reserve/2 {
		// Top up while the registry is reachable; failure is fine.
		if fresh, err := r.AllocateStatus(ctx, reserve); err == nil {
			p.Entries = append(p.Entries, fresh...)
		}
	}
	taken := append([]StatusEntry(nil), p.Entries[:n]...)
	p.Entries = p.Entries[n:]
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFS(s.fs, s.poolPath(), b, 0o600); err != nil {
		return nil, err
	}
	return taken, nil
}

// LedgerEntry is one issued credential in the ledger.
type LedgerEntry struct {
	Time   time.Time    `json:"time"`
	Record string       `json:"record"` // the clinic's id for the record (--rid-user), or generated
	Format string       `json:"format"` // "shc" | "sd-jwt"
	Digest string       `json:"digest"`
	KID    string       `json:"kid"`
	RID    string       `json:"rid,omitempty"`
	Status *StatusEntry `json:"status,omitempty"`
	Out    string       `json:"out,omitempty"`
}

func (s *State) ledgerPath() string { return filepath.Join(s.Dir, "ledger.jsonl") }

// AppendLedger appends entries durably: one write, one fsync.
func (s *State) AppendLedger(entries ...LedgerEntry) error {
	if len(entries) == 0 {
		return nil
	}
	var buf bytes.Buffer
	for _, e := range entries {
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return AppendDurably(s.fs, s.ledgerPath(), buf.Bytes())
}

// Ledger returns the ledger entries of a record ("" for all). A line cut
// short by a crash mid-append (not valid JSON, and not ending in "}") is
// skipped: it was never acknowledged; any other bad line is an error.
func (s *State) Ledger(record string) ([]LedgerEntry, error) {
	data, err := s.fs.ReadFile(s.ledgerPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	lines := strings.Split(string(data), "\n")
	var out []LedgerEntry
	for n, line := range lines {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var e LedgerEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			if n == len(lines)-1 || (!json.Valid([]byte(line)) && !strings.HasSuffix(strings.TrimSpace(line), "}")) {
				continue // cut short: the append never completed
			}
			return nil, fmt.Errorf("%s line %d: %v", s.ledgerPath(), n+1, err)
		}
		if record == "" || e.Record == record {
			out = append(out, e)
		}
	}
	return out, nil
}

// Release is one credential of a batch: its anchor item, its ledger entry
// and the line the output gets.
type Release struct {
	Item   *Item
	Ledger LedgerEntry
	Line   []byte // without the final newline
}

// ReleaseBatch releases a group of credentials with a constant number of
// fsyncs: Commit (outbox and ledger), then every line appended to the
// JSON Lines file out and fsynced. extra items (statistics) are queued
// with them. When it returns nil the group is released, and whatever
// happens next every released credential is queued for anchoring (or
// already anchored) and in the ledger.
func (s *State) ReleaseBatch(out string, group []Release, extra ...*Item) error {
	items := make([]*Item, 0, len(group)+len(extra))
	ledger := make([]LedgerEntry, 0, len(group))
	var lines []byte
	for _, r := range group {
		items = append(items, r.Item)
		ledger = append(ledger, r.Ledger)
		lines = append(append(lines, r.Line...), '\n')
	}
	if err := s.Commit(append(items, extra...), ledger); err != nil {
		return fmt.Errorf("nothing of this group was released: %w", err)
	}
	return AppendDurably(s.fs, out, lines)
}
