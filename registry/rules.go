package registry

import (
	"encoding/json"
	"net/http"

	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/credential/policy"
)

// kPolicies holds the context policy file in the meta bucket:
// {"changed": state, "file": the file as posted}.
var kPolicies = []byte("policies")

type policiesRec struct {
	Changed uint64          `json:"changed"`
	File    json.RawMessage `json:"file"`
}

// RulesRequest is the body of POST /v1/admin/rules: a context policy file
// as text (a JSON string, since signed request bodies nest at most 16
// levels and CertLogic rules nest deeper).
type RulesRequest struct {
	File string `json:"file"`
}

// postRules replaces the context policies the bundle carries (POST
// /v1/admin/rules, signed by the admin key): the file is checked completely
// (credential/policy.Parse) before it is stored.
func (s *Server) postRules(tx *bolt.Tx, r *http.Request, c *caller) (any, error) {
	var b RulesRequest
	if err := decodeBody(c.req.Body, &b); err != nil {
		return nil, errf(http.StatusBadRequest, "bad-request", "%v", err)
	}
	set, err := policy.Parse([]byte(b.File))
	if err != nil {
		return nil, errf(http.StatusBadRequest, "bad-request", "%v", err)
	}
	st, err := changeState(tx)
	if err != nil {
		return nil, err
	}
	if err := putJSON(tx.Bucket(bMeta), kPolicies, policiesRec{Changed: st, File: json.RawMessage(b.File)}); err != nil {
		return nil, err
	}
	rules := 0
	for _, ctx := range set.Contexts {
		rules += len(ctx.Rules)
	}
	return map[string]any{"contexts": set.Names(), "rules": rules}, nil
}

// policies returns the stored policy file for a bundle built from
// fromState (0: a full bundle), or nil when there is none or a delta need
// not repeat it.
func policies(tx *bolt.Tx, fromState uint64) (json.RawMessage, error) {
	data := tx.Bucket(bMeta).Get(kPolicies)
	if data == nil {
		return nil, nil
	}
	var rec policiesRec
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, err
	}
	if rec.Changed < fromState {
		return nil, nil
	}
	return rec.File, nil
}

// getRules serves the current policy file (GET /v1/rules), for sites that
// load policies from a file; 404 when none was posted.
func (s *Server) getRules(w http.ResponseWriter, r *http.Request) {
	var file json.RawMessage
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		file, err = policies(tx, 0)
		return err
	})
	switch {
	case err != nil:
		http.Error(w, err.Error(), http.StatusInternalServerError)
	case file == nil:
		writeError(w, errf(http.StatusNotFound, "not-found", "no context policies were posted"))
	default:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(file)
	}
}
