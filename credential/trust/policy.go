package trust

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/immunopass/immunopass/internal/strictjson"
	"time"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/credential/jose"
)

// PolicyType is the "type" of a trust policy file.
const PolicyType = "immunopass-trust-policy"

// MaxPolicy bounds a policy file.
const MaxPolicy = 64 << 10

// PolicyError reports a trust policy file that cannot be used.
type PolicyError struct{ Problem string }

func (e *PolicyError) Error() string { return "trust policy: " + e.Problem }

// Policy is what a verifier operator installs once to check registry
// bundles: the registry's signing key, the log's origin and note key, the
// witnesses' cosignature keys with the quorum, and the maximum bundle age.
// Build one with NewPolicy or ParsePolicy; the zero value is not usable.
type Policy struct {
	RegistryKey *jose.Key
	LogOrigin   string
	LogKey      string   // note verifier key of the log
	Witnesses   []string // cosignature/v1 verifier keys
	Quorum      int
	MaxAge      time.Duration
	checkpoints *anchor.CheckpointVerifier
}

// policyJSON is the file form:
// {"type","registryKey":{JWK},"log":{"origin","key"},"witnesses":[…],"quorum","maxAge":"168h"}.
type policyJSON struct {
	Type        string          `json:"type"`
	RegistryKey json.RawMessage `json:"registryKey"`
	Log         struct {
		Origin string `json:"origin"`
		Key    string `json:"key"`
	} `json:"log"`
	Witnesses []string `json:"witnesses"`
	Quorum    int      `json:"quorum"`
	MaxAge    string   `json:"maxAge"`
}

// NewPolicy checks and builds a policy. quorum must be between 0 and the
// number of witnesses; maxAge must be positive.
func NewPolicy(registryKey *jose.Key, logOrigin, logKey string, witnesses []string, quorum int, maxAge time.Duration) (*Policy, error) {
	if registryKey == nil {
		return nil, &PolicyError{Problem: "no registry key"}
	}
	if maxAge <= 0 {
		return nil, &PolicyError{Problem: fmt.Sprintf("maxAge %s is not positive", maxAge)}
	}
	v, err := anchor.NewCheckpointVerifier(logOrigin, logKey, witnesses, quorum)
	if err != nil {
		return nil, &PolicyError{Problem: err.Error()}
	}
	return &Policy{RegistryKey: registryKey, LogOrigin: logOrigin, LogKey: logKey,
		Witnesses: append([]string{}, witnesses...), Quorum: quorum, MaxAge: maxAge, checkpoints: v}, nil
}

// ParsePolicy parses and checks a trust policy file.
func ParsePolicy(data []byte) (*Policy, error) {
	if len(data) > MaxPolicy {
		return nil, &PolicyError{Problem: fmt.Sprintf("%d bytes, more than the %d allowed", len(data), MaxPolicy)}
	}
	if _, err := jose.ObjectMembers(bytes.TrimSpace(data)); err != nil {
		return nil, &PolicyError{Problem: err.Error()}
	}
	var pj policyJSON
	if err := strictjson.CheckCase(data, &pj); err != nil {
		return nil, &PolicyError{Problem: err.Error()}
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&pj); err != nil {
		return nil, &PolicyError{Problem: err.Error()}
	}
	if pj.Type != PolicyType {
		return nil, &PolicyError{Problem: fmt.Sprintf("type %q, want %q", pj.Type, PolicyType)}
	}
	if len(pj.RegistryKey) == 0 {
		return nil, &PolicyError{Problem: "no \"registryKey\""}
	}
	k, err := jose.ParseJWK(pj.RegistryKey)
	if err != nil {
		return nil, &PolicyError{Problem: "registryKey: " + err.Error()}
	}
	maxAge, err := time.ParseDuration(pj.MaxAge)
	if err != nil {
		return nil, &PolicyError{Problem: fmt.Sprintf("maxAge %q is not a duration such as \"168h\"", pj.MaxAge)}
	}
	return NewPolicy(k, pj.Log.Origin, pj.Log.Key, pj.Witnesses, pj.Quorum, maxAge)
}

// Marshal returns the policy file.
func (p *Policy) Marshal() ([]byte, error) {
	pj := policyJSON{Type: PolicyType, RegistryKey: p.RegistryKey.JWK(), Witnesses: p.Witnesses,
		Quorum: p.Quorum, MaxAge: p.MaxAge.String()}
	if pj.Witnesses == nil {
		pj.Witnesses = []string{}
	}
	pj.Log.Origin, pj.Log.Key = p.LogOrigin, p.LogKey
	b, err := json.MarshalIndent(pj, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Checkpoints returns the verifier for checkpoints and proofs under this
// policy.
func (p *Policy) Checkpoints() *anchor.CheckpointVerifier { return p.checkpoints }
