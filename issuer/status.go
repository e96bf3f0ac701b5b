package issuer

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/status"
)

// LocalStatus is a self-hosted issuer's status list and its bookkeeping:
// which indexes are allocated (at random, so indexes reveal no order) and
// which belong to each record, so that revoking a record revokes every
// credential of its batch. It lives in one JSON file, replaced atomically.
type LocalStatus struct {
	path    string
	URI     string
	list    *status.List
	records map[string][]int
}

type statusFileJSON struct {
	Version   int              `json:"version"`
	URI       string           `json:"uri"`
	Bits      int              `json:"bits"`
	Size      int              `json:"size"`
	List      string           `json:"lst"`
	Allocated []int            `json:"allocated"`
	Records   map[string][]int `json:"records"`
}

// OpenLocalStatus reads the status file at path, or starts a new 2-bit list
// (valid, revoked, suspended) of status.MinSize entries for uri when the
// file does not exist yet.
func OpenLocalStatus(path, uri string) (*LocalStatus, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if uri == "" {
			return nil, fmt.Errorf("status file %s does not exist: give --status-uri to start one", path)
		}
		l, err := status.New(2, status.MinSize)
		if err != nil {
			return nil, err
		}
		return &LocalStatus{path: path, URI: uri, list: l, records: map[string][]int{}}, nil
	}
	if err != nil {
		return nil, err
	}
	var j statusFileJSON
	if err := json.Unmarshal(data, &j); err != nil || j.Version != 1 {
		return nil, fmt.Errorf("status file %s: not an ImmunoPass status file (version 1)", path)
	}
	if uri != "" && uri != j.URI {
		return nil, fmt.Errorf("status file %s is for %q, not %q", path, j.URI, uri)
	}
	l, err := status.DecodeList(j.Bits, j.List)
	if err != nil {
		return nil, fmt.Errorf("status file %s: %w", path, err)
	}
	if l.Len() != j.Size {
		return nil, fmt.Errorf("status file %s: list has %d entries, header says %d", path, l.Len(), j.Size)
	}
	for _, i := range j.Allocated {
		if err := l.MarkAllocated(i); err != nil {
			return nil, fmt.Errorf("status file %s: %w", path, err)
		}
	}
	if j.Records == nil {
		j.Records = map[string][]int{}
	}
	return &LocalStatus{path: path, URI: j.URI, list: l, records: j.Records}, nil
}

// Allocate takes a random free index for a credential of record.
func (s *LocalStatus) Allocate(record string) (int, error) {
	i, err := s.list.Allocate(rand.Reader)
	if err != nil {
		return 0, err
	}
	s.records[record] = append(s.records[record], i)
	return i, nil
}

// Set sets one index's status; it must have been allocated.
func (s *LocalStatus) Set(idx int, v uint8) error {
	if idx < 0 || idx >= s.list.Len() || !s.list.Allocated(idx) {
		return fmt.Errorf("status index %d was never issued from %s", idx, s.path)
	}
	return s.list.Set(idx, v)
}

// Get returns one index's status.
func (s *LocalStatus) Get(idx int) (uint8, error) { return s.list.Get(idx) }

// Record returns the indexes issued for a record.
func (s *LocalStatus) Record(record string) []int { return s.records[record] }

// Save writes the file atomically (0600: it maps records to indexes).
func (s *LocalStatus) Save() error {
	j := statusFileJSON{Version: 1, URI: s.URI, Bits: s.list.Bits(), Size: s.list.Len(), List: s.list.Encode(), Records: s.records}
	for i := 0; i < s.list.Len(); i++ {
		if s.list.Allocated(i) {
			j.Allocated = append(j.Allocated, i)
		}
	}
	sort.Ints(j.Allocated)
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	return writeAtomic(s.path, b, 0o600)
}

// Token signs the list as a Token Status List for verifiers.
func (s *LocalStatus) Token(key *jose.PrivateKey, now time.Time, valid time.Duration) (string, error) {
	var exp time.Time
	if valid > 0 {
		exp = now.Add(valid)
	}
	return s.list.Token(key, s.URI, now, exp, 0)
}
