package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/credential/trust"
)

// TrustListRequest is the body of POST /v1/admin/trustlists: a WHO GDHCN
// trust list (v2 DID document) and the DID document of the signer its
// proof names.
type TrustListRequest struct {
	List   json.RawMessage `json:"list"`
	Signer json.RawMessage `json:"signer"`
}

// TrustListRecord is what the registry keeps of an imported list: its
// document signers, as the bundle carries them.
type TrustListRecord struct {
	ID       string            `json:"id"`
	Signer   string            `json:"signer"`
	Signed   time.Time         `json:"signed"` // the proof's created
	Imported time.Time         `json:"imported"`
	DSCs     []trust.BundleDSC `json:"dscs"`
	Skipped  []string          `json:"skipped,omitempty"` // DSC entries whose certificate did not parse
}

var bTrustLists = []byte("trustlists")

// ImportTrustList checks a GDHCN trust list's proof with the signer's DID
// document and returns the record of its document signers (DSC entries
// only: SCA, DECA and DESC entries sign no credential). A list whose proof
// fails is an error: nothing of it is imported.
func ImportTrustList(list, signer []byte, now time.Time) (*TrustListRecord, error) {
	signers, err := trust.ParseListSigners(signer)
	if err != nil {
		return nil, fmt.Errorf("signer DID document: %w", err)
	}
	created, err := trust.VerifyGDHCNProof(list, signers)
	if err != nil {
		return nil, fmt.Errorf("%w; nothing imported", err)
	}
	l, err := trust.ParseGDHCNList(list)
	if err != nil {
		return nil, err
	}
	rec := &TrustListRecord{ID: l.ID, Signer: l.Proof.VerificationMethod, Signed: created.UTC(), Imported: now.UTC().Truncate(time.Second), DSCs: []trust.BundleDSC{}}
	for _, e := range l.Entries {
		if e.Usage != "DSC" {
			continue
		}
		if _, err := trust.NewDSC(e.Cert); err != nil {
			rec.Skipped = append(rec.Skipped, fmt.Sprintf("%s: %v", e.ID, err))
			continue
		}
		rec.DSCs = append(rec.DSCs, trust.BundleDSC{Cert: e.Cert, KID: e.KID, Country: e.Country, Domain: e.Domain, List: l.ID, ListSigned: rec.Signed})
	}
	if len(rec.DSCs) == 0 {
		return nil, errors.New("the trust list holds no usable DSC entry; nothing imported")
	}
	return rec, nil
}

// Countries returns the countries of the record's DSCs, sorted.
func (r *TrustListRecord) Countries() []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range r.DSCs {
		if !seen[d.Country] {
			seen[d.Country] = true
			out = append(out, d.Country)
		}
	}
	sort.Strings(out)
	return out
}

// importTrustList serves POST /v1/admin/trustlists. A list replaces the
// earlier import of the same list id (DSCs it no longer holds leave the
// bundle), unless its proof is older than that import's: a replayed old
// list cannot bring back a withdrawn signer.
func (s *Server) importTrustList(tx *bolt.Tx, r *http.Request, c *caller) (any, error) {
	var b TrustListRequest
	if err := decodeBody(c.req.Body, &b); err != nil {
		return nil, errf(http.StatusBadRequest, "bad-request", "%v", err)
	}
	rec, err := ImportTrustList(b.List, b.Signer, s.now())
	if err != nil {
		return nil, errf(http.StatusBadRequest, "bad-trustlist", "%v", err)
	}
	bk, err := tx.CreateBucketIfNotExists(bTrustLists)
	if err != nil {
		return nil, err
	}
	var old TrustListRecord
	if ok, err := getJSON(bk, []byte(rec.ID), &old); err != nil {
		return nil, err
	} else if ok && rec.Signed.Before(old.Signed) {
		return nil, errf(http.StatusConflict, "older-trustlist", "trust list %q signed %s is older than the one imported (signed %s)",
			rec.ID, rec.Signed.Format(time.RFC3339), old.Signed.Format(time.RFC3339))
	}
	if err := putJSON(bk, []byte(rec.ID), rec); err != nil {
		return nil, err
	}
	if _, err := changeState(tx); err != nil {
		return nil, err
	}
	return map[string]any{"trustList": map[string]any{"id": rec.ID, "signer": rec.Signer, "signed": rec.Signed,
		"dscs": len(rec.DSCs), "countries": rec.Countries(), "skipped": rec.Skipped}}, nil
}

// importedDSCs returns the document signers of every imported list, for
// the bundle.
func importedDSCs(tx *bolt.Tx) ([]trust.BundleDSC, error) {
	bk := tx.Bucket(bTrustLists)
	if bk == nil {
		return nil, nil
	}
	var out []trust.BundleDSC
	err := bk.ForEach(func(_, v []byte) error {
		var rec TrustListRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return err
		}
		out = append(out, rec.DSCs...)
		return nil
	})
	return out, err
}
