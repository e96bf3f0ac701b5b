package trust

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/immunopass/immunopass/internal/strictjson"
	"time"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/status"
)

// BundleType is the "type" of a registry trust bundle body, and the "typ"
// of its JWS header.
const BundleType = "immunopass-trust-bundle"

// MaxBundle bounds a bundle file (10M credentials take about 0.15 MB).
const MaxBundle = 32 << 20

// WarnStaleTrust is the warning code of a bundle older than the policy's
// maximum age: it is still used, since verifiers must keep working offline.
const WarnStaleTrust = "stale-trust"

// Bundle is the registry's signed offline trust bundle. Its file form is one
// line of JSON (this struct) + "\n" + a compact JWS with a detached payload
// over exactly those JSON bytes + "\n"; see [Bundle.Sign] and [VerifyBundle].
type Bundle struct {
	Type        string             `json:"type"`
	Version     uint64             `json:"version"`
	Issued      time.Time          `json:"issued"`
	Registry    string             `json:"registry"`
	Issuers     []BundleIssuer     `json:"issuers"`
	StatusLists []BundleStatusList `json:"statusLists"`
	// Policies is the registry's context policy file (credential/policy:
	// school entry, yellow fever, traveller rules), signed with the rest;
	// absent when the registry posted none, and from a delta when they
	// did not change since its base version.
	Policies json.RawMessage `json:"policies,omitempty"`
	// Checkpoint is the latest witness-cosigned checkpoint note of the log.
	Checkpoint string     `json:"checkpoint"`
	Advisories []Advisory `json:"advisories"`
}

// BundleIssuer is an accredited issuer.
type BundleIssuer struct {
	ID          string            `json:"id"` // the "iss" its credentials carry
	Name        string            `json:"name"`
	Country     string            `json:"country,omitempty"`
	Scope       []string          `json:"scope,omitempty"`
	ValidFrom   time.Time         `json:"validFrom,omitzero"`
	ValidUntil  time.Time         `json:"validUntil,omitzero"`
	Suspended   bool              `json:"suspended,omitempty"`
	SuspendedAt time.Time         `json:"suspendedAt,omitzero"`
	Keys        []BundleKey       `json:"keys"`
	CRLs        []json.RawMessage `json:"crls,omitempty"`
}

// BundleKey is one issuer key with its validity window and, if the issuer
// reported it compromised, the compromise time and the size of the latest
// cosigned checkpoint whose witness timestamps are all ≤ CompromisedAt:
// a credential under this key is valid only with a proof whose index is
// below CompromisedLogSize.
type BundleKey struct {
	JWK                json.RawMessage `json:"jwk"`
	ValidFrom          time.Time       `json:"validFrom,omitzero"`
	ValidUntil         time.Time       `json:"validUntil,omitzero"`
	CompromisedAt      time.Time       `json:"compromisedAt,omitzero"`
	CompromisedLogSize uint64          `json:"compromisedLogSize,omitempty"`
}

// BundleStatusList is a status list carried in the bundle, with the sub
// (URI), iss, iat and ttl its statuslist+jwt would have. The list itself is
// in exactly one of two forms: Lst, the "lst" of a statuslist+jwt (ZLIB +
// base64url of the whole list), or Sparse with Size, the sparse form of
// credential/status (only the non-zero entries: about 15 KB instead of 23 KB
// for a million 2-bit entries with 1% revoked). SetList picks the smaller.
// The bundle signature covers it.
type BundleStatusList struct {
	URI    string `json:"uri"`
	Iss    string `json:"iss"`
	Bits   int    `json:"bits"`
	Size   int    `json:"size,omitempty"` // number of entries: required with Sparse, checked with Lst
	Lst    string `json:"lst,omitempty"`
	Sparse string `json:"sparse,omitempty"`
	Iat    int64  `json:"iat"`
	TTL    int64  `json:"ttl,omitempty"`
}

// SetList sets Bits, Size and the smaller of the two forms of l.
func (sl *BundleStatusList) SetList(l *status.List) {
	sl.Bits, sl.Size, sl.Lst, sl.Sparse = l.Bits(), l.Len(), l.Encode(), ""
	if sp, err := l.EncodeSparse(); err == nil && len(sp) < len(sl.Lst) {
		sl.Lst, sl.Sparse = "", sp
	}
}

// List decodes the list, strictly: exactly one of Lst and Sparse; Size
// required with Sparse and, when given with Lst, equal to its length.
func (sl *BundleStatusList) List() (*status.List, error) {
	switch {
	case sl.Lst != "" && sl.Sparse != "":
		return nil, fmt.Errorf("both \"lst\" and \"sparse\": want one")
	case sl.Sparse != "":
		if sl.Size <= 0 {
			return nil, fmt.Errorf("\"sparse\" without a positive \"size\" (%d)", sl.Size)
		}
		return status.DecodeSparse(sl.Bits, sl.Size, sl.Sparse)
	case sl.Lst != "":
		l, err := status.DecodeList(sl.Bits, sl.Lst)
		if err != nil {
			return nil, err
		}
		if sl.Size != 0 && sl.Size != l.Len() {
			return nil, fmt.Errorf("\"size\" %d but \"lst\" holds %d entries", sl.Size, l.Len())
		}
		return l, nil
	}
	return nil, fmt.Errorf("neither \"lst\" nor \"sparse\"")
}

// Advisory is an operator notice (outbreak alert, campaign) for wallets.
type Advisory struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Body     string    `json:"body"`
	Region   string    `json:"region,omitempty"`
	Severity string    `json:"severity,omitempty"`
	Issued   time.Time `json:"issued"`
	Expires  time.Time `json:"expires,omitzero"`
}

// Active reports whether the advisory applies at now.
func (a *Advisory) Active(now time.Time) bool {
	return !now.Before(a.Issued) && (a.Expires.IsZero() || now.Before(a.Expires))
}

// Warning is something a verifier must show without refusing: Code is a
// DESIGN.md warning code.
type Warning struct {
	Code    string
	Age     time.Duration // for stale-trust: how old the bundle is
	MaxAge  time.Duration
	Message string
}

func (w Warning) String() string { return w.Message }

// BundleError reports a bundle that must not be used: malformed, not signed
// by the policy's registry key, or with a checkpoint the policy does not
// accept (Err is then an anchor error such as *anchor.QuorumError).
type BundleError struct {
	Name    string // the file, when known
	Problem string
	Err     error
}

func (e *BundleError) Error() string {
	s := "trust bundle: "
	if e.Name != "" {
		s = fmt.Sprintf("trust bundle %q: ", e.Name)
	}
	if e.Err != nil {
		return s + e.Problem + ": " + e.Err.Error()
	}
	return s + e.Problem
}

func (e *BundleError) Unwrap() error { return e.Err }

// Sign returns the bundle file: the JSON body on one line, "\n", the
// detached-payload JWS by key, "\n". Type is set to BundleType.
func (b *Bundle) Sign(key *jose.PrivateKey) ([]byte, error) {
	b.Type = BundleType
	body, err := json.Marshal(b)
	if err != nil {
		return nil, err
	}
	jws, err := key.SignDetached(jose.Header{Typ: BundleType}, body)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(body)+len(jws)+2)
	out = append(append(append(out, body...), '\n'), jws...)
	return append(out, '\n'), nil
}

// IsBundle reports whether data looks like a bundle file (for trust-file
// auto-detection); it does not check it.
func IsBundle(data []byte) bool {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	return bytes.HasPrefix(line, []byte(`{"type":"`+BundleType+`"`))
}

// ParseBundle splits a bundle file and parses its body without verifying
// anything. It returns the body, its exact bytes and the detached JWS.
func ParseBundle(data []byte) (b *Bundle, body []byte, jws string, err error) {
	bad := func(format string, a ...any) error { return &BundleError{Problem: fmt.Sprintf(format, a...)} }
	if len(data) > MaxBundle {
		return nil, nil, "", bad("%d bytes, more than the %d allowed", len(data), MaxBundle)
	}
	body, rest, ok := bytes.Cut(data, []byte("\n"))
	if !ok {
		return nil, nil, "", bad("no line break after the JSON body")
	}
	sig, rest, ok := bytes.Cut(rest, []byte("\n"))
	if !ok || len(rest) != 0 {
		return nil, nil, "", bad("want two lines: the JSON body and the detached JWS")
	}
	if _, err := jose.ObjectMembers(body); err != nil {
		return nil, nil, "", bad("body: %v", err)
	}
	b = &Bundle{}
	if err := strictjson.Unmarshal(body, b); err != nil {
		return nil, nil, "", bad("body: %v", err)
	}
	switch {
	case b.Type != BundleType:
		return nil, nil, "", bad("type %q, want %q", b.Type, BundleType)
	case b.Version == 0:
		return nil, nil, "", bad("no version")
	case b.Issued.IsZero():
		return nil, nil, "", bad("no issued time")
	case b.Checkpoint == "":
		return nil, nil, "", bad("no checkpoint")
	}
	// One entry per issuer and per list: two entries for one id would be
	// read as the last one, so a later entry could lift a suspension or
	// replace a list the registry signed in the same bundle.
	ids := map[string]int{}
	for i, is := range b.Issuers {
		if is.ID == "" {
			return nil, nil, "", bad("issuers[%d] has no id", i)
		}
		if j, dup := ids[is.ID]; dup {
			return nil, nil, "", bad("issuers[%d] and issuers[%d] have the same id %q", j, i, is.ID)
		}
		ids[is.ID] = i
	}
	uris := map[string]int{}
	for i, sl := range b.StatusLists {
		if j, dup := uris[sl.URI]; dup {
			return nil, nil, "", bad("statusLists[%d] and statusLists[%d] have the same uri %q", j, i, sl.URI)
		}
		uris[sl.URI] = i
	}
	return b, body, string(sig), nil
}

// VerifyBundle checks a bundle file against a policy at now: the signature
// by the registry key over the exact body bytes, and the checkpoint (log
// signature and at least quorum witness cosignatures). A bundle older than
// the policy's MaxAge is returned with a stale-trust warning.
func VerifyBundle(data []byte, p *Policy, now time.Time) (*Bundle, []Warning, error) {
	b, body, sig, err := ParseBundle(data)
	if err != nil {
		return nil, nil, err
	}
	j, err := jose.ParseDetached(sig, body)
	if err != nil {
		return nil, nil, &BundleError{Problem: "signature", Err: err}
	}
	if err := j.Verify(p.RegistryKey); err != nil {
		return nil, nil, &BundleError{Problem: fmt.Sprintf("not signed by the policy's registry key %q", p.RegistryKey.KID()), Err: err}
	}
	if _, err := anchor.VerifyCheckpoint([]byte(b.Checkpoint), p.checkpoints); err != nil {
		return nil, nil, &BundleError{Problem: "checkpoint", Err: err}
	}
	var warns []Warning
	if age := now.Sub(b.Issued); age > p.MaxAge {
		warns = append(warns, Warning{Code: WarnStaleTrust, Age: age, MaxAge: p.MaxAge,
			Message: fmt.Sprintf("trust bundle version %d is %s old (policy maximum %s); refresh it when online", b.Version, FormatAge(age), FormatAge(p.MaxAge))})
	}
	return b, warns, nil
}

// FormatAge writes a duration in days and hours, for people.
func FormatAge(d time.Duration) string {
	d = d.Round(time.Hour)
	days, hours := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	switch {
	case days == 0:
		return fmt.Sprintf("%dh", hours)
	case hours == 0:
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dd%dh", days, hours)
}
