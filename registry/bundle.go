package registry

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/credential/status"
	"github.com/immunopass/immunopass/credential/trust"
)

// builtBundle is the latest signed bundle, kept until the state or the
// cosigned checkpoint changes.
type builtBundle struct {
	version    uint64
	state      uint64
	checkpoint string
	data       []byte
}

// ErrNoCheckpoint means the log has no cosigned checkpoint yet.
var ErrNoCheckpoint = errors.New("the log has no cosigned checkpoint yet")

// Bundle returns the current signed trust bundle file and its version.
// A new version is made when the directory, a status list, a CRL, the
// advisories or the cosigned checkpoint changed since the last one.
func (s *Server) Bundle(ctx context.Context) ([]byte, uint64, error) {
	data, v, _, err := s.bundle(ctx, 0)
	return data, v, err
}

// bundle builds the full bundle, or with since > 0 the delta after bundle
// version since: the same signed file, whose statusLists hold only the lists
// changed after since (delta reports whether it is one).
func (s *Server) bundle(ctx context.Context, since uint64) (data []byte, version uint64, delta bool, err error) {
	cp, err := s.o.Log.CosignedCheckpoint(ctx)
	if err != nil {
		return nil, 0, false, fmt.Errorf("%w: %v", ErrNoCheckpoint, err)
	}
	s.bmu.Lock()
	defer s.bmu.Unlock()
	var st, sinceState uint64
	haveSince := false
	err = s.db.View(func(tx *bolt.Tx) error {
		st = getU64(tx.Bucket(bMeta), kState)
		if since > 0 {
			if v := tx.Bucket(bBundles).Get(u64(since)); len(v) == 8 {
				sinceState, haveSince = binary.BigEndian.Uint64(v), true
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, false, err
	}
	c := s.bcache
	if c == nil || c.state != st || c.checkpoint != string(cp) {
		err = s.db.Update(func(tx *bolt.Tx) error {
			v, err := bump(tx, kBundle)
			if err != nil {
				return err
			}
			data, err := s.buildBundle(tx, v, string(cp), 0)
			if err != nil {
				return err
			}
			c = &builtBundle{version: v, state: st, checkpoint: string(cp), data: data}
			return tx.Bucket(bBundles).Put(u64(v), u64(st))
		})
		if err != nil {
			return nil, 0, false, err
		}
		s.bcache = c
	}
	if !haveSince || since >= c.version {
		return c.data, c.version, false, nil
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		data, err = s.buildBundle(tx, c.version, c.checkpoint, sinceState+1)
		return err
	})
	return data, c.version, true, err
}

// buildBundle signs a bundle of the store's state; lists changed before
// fromState are left out (0: all).
func (s *Server) buildBundle(tx *bolt.Tx, version uint64, checkpoint string, fromState uint64) ([]byte, error) {
	now := s.now().Truncate(time.Second)
	b := &trust.Bundle{Type: trust.BundleType, Version: version, Issued: now, Registry: s.o.BaseURL,
		Checkpoint: checkpoint, Issuers: []trust.BundleIssuer{}, StatusLists: []trust.BundleStatusList{},
		Advisories: s.advisories(tx, now)}
	var err error
	if b.Policies, err = policies(tx, fromState); err != nil {
		return nil, err
	}
	issuers, err := loadIssuers(tx)
	if err != nil {
		return nil, err
	}
	iss := map[string]string{}
	for _, is := range issuers {
		iss[is.Slug] = is.ID
		bi := trust.BundleIssuer{ID: is.ID, Name: is.Name, Country: is.Country, Scope: is.Scope,
			ValidFrom: is.ValidFrom, ValidUntil: is.ValidUntil, Suspended: is.Suspended, SuspendedAt: is.SuspendedAt,
			Keys: []trust.BundleKey{}}
		for _, k := range is.Keys {
			jwk := k.JWK
			if data := tx.Bucket(bCRLs).Get([]byte(is.Slug + "/" + k.KID)); data != nil {
				bi.CRLs = append(bi.CRLs, append(json.RawMessage(nil), data...))
				var ctr struct {
					Ctr int `json:"ctr"`
				}
				if err := json.Unmarshal(data, &ctr); err != nil {
					return nil, err
				}
				if jwk, err = withMember(jwk, "crlVersion", ctr.Ctr); err != nil {
					return nil, err
				}
			}
			bi.Keys = append(bi.Keys, trust.BundleKey{JWK: jwk, ValidFrom: k.ValidFrom, ValidUntil: k.ValidUntil,
				CompromisedAt: k.CompromisedAt, CompromisedLogSize: k.CompromisedLogSize})
		}
		b.Issuers = append(b.Issuers, bi)
	}
	if b.Issuers, err = withSnapshotIssuers(tx, b.Issuers); err != nil {
		return nil, err
	}
	err = tx.Bucket(bLists).ForEach(func(_, v []byte) error {
		var rec listRec
		if err := json.Unmarshal(v, &rec); err != nil {
			return err
		}
		if rec.Changed < fromState {
			return nil
		}
		sl := trust.BundleStatusList{URI: rec.URI, Iss: iss[rec.Slug], Bits: rec.Bits, Lst: rec.Lst,
			Iat: now.Unix(), TTL: int64(StatusTTL / time.Second)}
		// The sparse form when smaller (a few revoked among many: ~25% less).
		l, err := status.DecodeList(rec.Bits, rec.Lst)
		if err != nil {
			return fmt.Errorf("status list %q: %w", rec.URI, err)
		}
		sl.SetList(l)
		b.StatusLists = append(b.StatusLists, sl)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(b.StatusLists, func(i, j int) bool { return b.StatusLists[i].URI < b.StatusLists[j].URI })
	if b.DSCs, err = importedDSCs(tx); err != nil {
		return nil, err
	}
	return b.Sign(s.o.Key)
}

// withMember adds a member to a JSON object.
func withMember(obj json.RawMessage, name string, v any) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(obj, &m); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	m[name] = raw
	return json.Marshal(m)
}

// getBundle serves GET /v1/bundle: ETag "v<version>", If-None-Match → 304,
// and ?since=V → the delta after version V (header Bundle-Delta-Since: V;
// a full bundle when V is unknown).
func (s *Server) getBundle(w http.ResponseWriter, r *http.Request) {
	var since uint64
	if q := r.URL.Query().Get("since"); q != "" {
		n, err := strconv.ParseUint(q, 10, 64)
		if err != nil {
			writeError(w, errf(http.StatusBadRequest, "bad-request", "since %q is not a bundle version", q))
			return
		}
		since = n
	}
	data, v, delta, err := s.bundle(r.Context(), since)
	if err != nil {
		if errors.Is(err, ErrNoCheckpoint) {
			w.Header().Set("Retry-After", "1")
			writeError(w, errf(http.StatusServiceUnavailable, "no-checkpoint", "%v", err))
			return
		}
		s.log.Error("bundle failed", "err", err)
		writeError(w, errf(http.StatusInternalServerError, "internal", "the bundle could not be built"))
		return
	}
	etag := fmt.Sprintf(`"v%d"`, v)
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Vary", "If-None-Match")
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			if t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "W/")); t == etag || t == "*" {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
	}
	if since > 0 && since == v {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if delta {
		w.Header().Set("Bundle-Delta-Since", strconv.FormatUint(since, 10))
	}
	w.Header().Set("Content-Type", "application/vnd.immunopass.bundle")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}

// watch records each new cosigned checkpoint's size and latest witness
// timestamp, so that a key compromise can name the last log size
// provably before it.
func (s *Server) watch() {
	defer close(s.done)
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	var last string
	for tick := 0; ; tick++ {
		s.observe(&last)
		if tick%120 == 0 {
			_ = s.db.Update(func(tx *bolt.Tx) error { return pruneNonces(tx, s.now()) })
		}
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
	}
}

func (s *Server) observe(last *string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cp, err := s.o.Log.CosignedCheckpoint(ctx)
	if err != nil || string(cp) == *last {
		return
	}
	var c *anchor.Checkpoint
	if s.o.Checkpoints != nil {
		c, err = anchor.VerifyCheckpoint(cp, s.o.Checkpoints)
	} else {
		c, err = anchor.ParseCheckpoint(cp)
	}
	if err != nil {
		s.log.Warn("cosigned checkpoint does not verify", "err", err)
		return
	}
	*last = string(cp)
	at := c.Latest()
	if at.IsZero() {
		at = s.now()
	}
	_ = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bCosigned)
		if b.Get(u64(c.Size)) != nil {
			return nil
		}
		return b.Put(u64(c.Size), u64(uint64(at.Unix())))
	})
}
