package registry

import (
	"crypto/rand"
	"fmt"
	"math/bits"
	"net/http"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/credential/status"
)

// ListBits is the width of every status list entry: valid, revoked,
// suspended.
const ListBits = 2

// StatusTTL is the "ttl" of the status list tokens the registry serves.
const StatusTTL = time.Hour

// loadList decodes a stored list with its allocation state.
func loadList(tx *bolt.Tx, uri string) (*listRec, *status.List, error) {
	var rec listRec
	ok, err := getJSON(tx.Bucket(bLists), []byte(uri), &rec)
	if err != nil || !ok {
		return nil, nil, err
	}
	l, err := status.DecodeList(rec.Bits, rec.Lst)
	if err != nil {
		return nil, nil, err
	}
	alloc := tx.Bucket(bAlloc).Get([]byte(uri))
	for i, b := range alloc {
		for b != 0 {
			j := bits.TrailingZeros8(b)
			if err := l.MarkAllocated(i*8 + j); err != nil {
				return nil, nil, err
			}
			b &^= 1 << j
		}
	}
	return &rec, l, nil
}

func (s *Server) saveList(tx *bolt.Tx, rec *listRec, l *status.List, alloc []byte) error {
	st, err := changeState(tx)
	if err != nil {
		return err
	}
	rec.Lst, rec.Changed = l.Encode(), st
	if err := putJSON(tx.Bucket(bLists), []byte(rec.URI), rec); err != nil {
		return err
	}
	if alloc != nil {
		return tx.Bucket(bAlloc).Put([]byte(rec.URI), alloc)
	}
	return nil
}

// allocate hands out count random indexes from the caller's current list,
// opening new lists as they fill.
func (s *Server) allocate(tx *bolt.Tx, r *http.Request, c *caller) (any, error) {
	var b struct {
		Count int `json:"count"`
	}
	if err := decodeBody(c.req.Body, &b); err != nil {
		return nil, errf(http.StatusBadRequest, "bad-request", "%v", err)
	}
	if b.Count < 1 || b.Count > 1000 {
		return nil, errf(http.StatusBadRequest, "bad-request", "count %d is not between 1 and 1000", b.Count)
	}
	is := c.issuer
	type entry struct {
		URI string `json:"uri"`
		Idx int    `json:"idx"`
	}
	var out []entry
	for len(out) < b.Count {
		var rec *listRec
		var l *status.List
		var alloc []byte
		if is.Lists > 0 {
			var err error
			uri := s.listURI(is.Slug, is.Lists)
			if rec, l, err = loadList(tx, uri); err != nil {
				return nil, err
			}
			if rec == nil {
				return nil, fmt.Errorf("status list %q is missing", uri)
			}
			alloc = append([]byte(nil), tx.Bucket(bAlloc).Get([]byte(uri))...)
		}
		if l == nil || l.Free() == 0 {
			var err error
			if l, err = status.New(ListBits, s.o.ListSize); err != nil {
				return nil, err
			}
			is.Lists++
			is.Version++
			rec = &listRec{URI: s.listURI(is.Slug, is.Lists), Slug: is.Slug, Bits: ListBits}
			alloc = make([]byte, s.o.ListSize/8)
			if err := putJSON(tx.Bucket(bIssuers), []byte(is.Slug), is); err != nil {
				return nil, err
			}
		}
		for len(out) < b.Count && l.Free() > 0 {
			idx, err := l.Allocate(rand.Reader)
			if err != nil {
				return nil, err
			}
			alloc[idx/8] |= 1 << (idx % 8)
			out = append(out, entry{rec.URI, idx})
		}
		if err := s.saveList(tx, rec, l, alloc); err != nil {
			return nil, err
		}
	}
	return map[string]any{"entries": out}, nil
}

var statusValues = map[string]uint8{"valid": status.Valid, "revoked": status.Revoked, "suspended": status.Suspended}

// updateStatus sets the status of one index the caller owns.
func (s *Server) updateStatus(tx *bolt.Tx, r *http.Request, c *caller) (any, error) {
	var b struct {
		URI    string `json:"uri"`
		Idx    int    `json:"idx"`
		Status string `json:"status"`
	}
	if err := decodeBody(c.req.Body, &b); err != nil {
		return nil, errf(http.StatusBadRequest, "bad-request", "%v", err)
	}
	v, ok := statusValues[b.Status]
	if !ok {
		return nil, errf(http.StatusBadRequest, "bad-request", "status %q is not valid, revoked or suspended", b.Status)
	}
	rec, l, err := loadList(tx, b.URI)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, errf(http.StatusNotFound, "unknown-list", "no status list %q", b.URI)
	}
	if rec.Slug != c.issuer.Slug {
		return nil, errf(http.StatusForbidden, "not-owner", "status list %q belongs to another issuer", b.URI)
	}
	if !l.Allocated(b.Idx) {
		return nil, errf(http.StatusForbidden, "not-owner", "index %d of %q was never allocated", b.Idx, b.URI)
	}
	old, _ := l.Get(b.Idx)
	if old == v {
		return map[string]any{"uri": b.URI, "idx": b.Idx, "status": b.Status}, nil
	}
	if err := l.Set(b.Idx, v); err != nil {
		return nil, err
	}
	if err := s.saveList(tx, rec, l, nil); err != nil {
		return nil, err
	}
	return map[string]any{"uri": b.URI, "idx": b.Idx, "status": b.Status}, nil
}

// getStatus serves a list as a registry-signed statuslist+jwt, or as W3C
// Bitstring Status List credentials (…/w3c for revocation,
// …/w3c/suspension).
func (s *Server) getStatus(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("n"))
	uri := s.listURI(r.PathValue("slug"), n)
	if err != nil || strconv.Itoa(n) != r.PathValue("n") {
		writeError(w, errf(http.StatusNotFound, "unknown-list", "no status list %q", r.URL.Path))
		return
	}
	var l *status.List
	var rec *listRec
	_ = s.db.View(func(tx *bolt.Tx) error {
		var ok bool
		var rr listRec
		if ok, err = getJSON(tx.Bucket(bLists), []byte(uri), &rr); err == nil && ok {
			rec = &rr
			l, err = status.DecodeList(rr.Bits, rr.Lst)
		}
		return nil
	})
	if err != nil || l == nil {
		writeError(w, errf(http.StatusNotFound, "unknown-list", "no status list %q", uri))
		return
	}
	now := s.now().Truncate(time.Second)
	var out string
	switch {
	case strings.HasSuffix(r.URL.Path, "/w3c"):
		out, err = l.BitstringCredential(s.o.Key, uri+"/w3c", "revocation", s.o.BaseURL, now)
	case strings.HasSuffix(r.URL.Path, "/w3c/suspension"):
		out, err = l.BitstringCredential(s.o.Key, uri+"/w3c/suspension", "suspension", s.o.BaseURL, now)
	default:
		out, err = l.Token(s.o.Key, uri, now, time.Time{}, StatusTTL)
		w.Header().Set("Content-Type", "application/statuslist+jwt")
	}
	if err != nil {
		writeError(w, errf(http.StatusInternalServerError, "internal", "%v", err))
		return
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/vc+jwt")
	}
	w.Header().Set("ETag", fmt.Sprintf(`"s%d"`, rec.Changed))
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Write([]byte(out))
}

func (s *Server) postStats(tx *bolt.Tx, r *http.Request, c *caller) (any, error) {
	var b struct {
		Counts []Count `json:"counts"`
	}
	if err := decodeBody(c.req.Body, &b); err != nil {
		return nil, errf(http.StatusBadRequest, "bad-request", "%v", err)
	}
	if len(b.Counts) == 0 || len(b.Counts) > 10000 {
		return nil, errf(http.StatusBadRequest, "bad-request", "counts: %d given, 1 to 10000 allowed", len(b.Counts))
	}
	for i, ct := range b.Counts {
		if err := ct.check(); err != nil {
			return nil, errf(http.StatusBadRequest, "bad-request", "counts[%d]: %v", i, err)
		}
	}
	bk := tx.Bucket(bStats)
	for _, ct := range b.Counts {
		k := []byte(ct.Week + "\x00" + ct.Vaccine + "\x00" + ct.Region)
		if err := bk.Put(k, u64(getU64(bk, k)+uint64(ct.Count))); err != nil {
			return nil, err
		}
	}
	return map[string]any{"accepted": len(b.Counts)}, nil
}

// Counts returns every aggregated count (unsuppressed; for tests and the
// operator).
func (s *Server) Counts() ([]Count, error) {
	var out []Count
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bStats).ForEach(func(k, v []byte) error {
			p := strings.Split(string(k), "\x00")
			if len(p) != 3 || len(v) != 8 {
				return fmt.Errorf("bad stats key %q", k)
			}
			out = append(out, Count{Week: p[0], Vaccine: p[1], Region: p[2], Count: int64(getU64(tx.Bucket(bStats), k))})
			return nil
		})
	})
	return out, err
}

func (s *Server) getStats(w http.ResponseWriter, r *http.Request) {
	counts, err := s.Counts()
	if err != nil {
		writeError(w, errf(http.StatusInternalServerError, "internal", "%v", err))
		return
	}
	tables := Publish(counts)
	if strings.HasSuffix(r.URL.Path, ".csv") {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Write(StatsCSV(tables))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(StatsJSON(tables))
}
