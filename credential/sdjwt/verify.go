package sdjwt

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/internal/strictjson"
)

// KeyResolver finds an issuer's key by (iss, kid), never by kid alone.
type KeyResolver interface {
	ResolveKey(iss, kid string) (*jose.Key, error)
}

// StatusSource answers status list lookups from lists the verifier holds.
// It returns a *StatusUnavailableError when it has no list for uri.
type StatusSource interface {
	Status(uri string, idx int) (uint8, error)
}

// Expect is what a verifier in challenge mode requires of the KB-JWT.
type Expect struct {
	Aud   string
	Nonce string
}

// Options configure Verify.
type Options struct {
	Now  time.Time // zero: time.Now()
	Keys KeyResolver
	// Status returns the status lists to check credentials of issuer iss
	// against; nil means the status claim is not checked.
	Status func(iss string) StatusSource
	// Window is the KB-JWT freshness window; zero means DefaultWindow.
	Window time.Duration
	// Challenge, when set, requires a KB-JWT answering it.
	Challenge *Expect
	// RequireBinding refuses presentations without a KB-JWT.
	RequireBinding bool
	// VCT is the credential type required; "" means VCT, AnyVCT skips
	// the check (plain RFC 9901 SD-JWTs have none).
	VCT string
	// Typ is the issuer JWT's required typ; "" means TypVC.
	Typ string
}

// AnyVCT in Options.VCT accepts any credential type.
const AnyVCT = "*"

// Binding modes, as reported in Verified.Binding.
const (
	BindingStatic    = "static"
	BindingLive      = "live"
	BindingChallenge = "challenge"
)

// Verified is a presentation that passed the issuer signature and the
// disclosure rules. Claims holds only what was disclosed.
type Verified struct {
	Header    jose.Header
	Issuer    string
	IssuerKey *jose.Key
	Claims    strictjson.Object // processed: disclosures in place, no _sd
	Disclosed []string          // paths of disclosed claims: "given_name", "doses[1]"
	Withheld  int               // digests with no disclosure (withheld claims and decoys)
	Holder    *jose.Key         // cnf.jwk, nil if unbound
	Binding   string            // static, live or challenge
	KBIssued  time.Time         // the KB-JWT's iat
	IssuedAt  time.Time
	Expires   time.Time // zero if none
	Status    *StatusRef
}

// Verify checks a presentation (or an issued SD-JWT) offline. It returns
// the verified content even when later checks fail (binding, time, status),
// together with every failure joined, most serious first; it returns no
// content when the signature or the disclosures do not hold.
func Verify(presentation string, opt Options) (*Verified, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if opt.Window == 0 {
		opt.Window = DefaultWindow
	}
	if opt.VCT == "" {
		opt.VCT = VCT
	}
	if opt.Typ == "" {
		opt.Typ = TypVC
	}
	p, err := Split(presentation)
	if err != nil {
		return nil, err
	}
	j, err := jose.Parse(p.IssuerJWT)
	if err != nil {
		return nil, err
	}
	if j.Header.Typ != opt.Typ {
		return nil, &TypeError{What: "issuer jwt typ", Got: j.Header.Typ, Want: opt.Typ}
	}
	payload, err := strictjson.ParseObject(j.Payload, strictjson.MaxDepth)
	if err != nil {
		return nil, &FormatError{Part: "issuer jwt payload", Problem: err.Error()}
	}
	v := &Verified{Header: j.Header}
	// SD-JWT VC requires iss; a plain RFC 9901 SD-JWT may lack it.
	if v.Issuer, err = str(payload, "iss", opt.VCT != AnyVCT); err != nil {
		return nil, err
	}
	if opt.Keys == nil {
		return nil, &FormatError{Part: "options", Problem: "no key resolver"}
	}
	key, err := opt.Keys.ResolveKey(v.Issuer, j.Header.Kid)
	if err != nil {
		return nil, err
	}
	if err := j.Verify(key); err != nil {
		return nil, err
	}
	v.IssuerKey = key
	if alg, ok := payload.Get("_sd_alg"); ok && alg != SDAlg {
		return nil, &DisclosureError{Problem: fmt.Sprintf("_sd_alg %v is not supported (only sha-256)", alg)}
	}
	pr, processed, err := process(p, payload)
	if err != nil {
		return nil, err
	}
	claims := processed
	v.Claims, v.Disclosed, v.Withheld = claims, pr.disclosed, pr.withheld
	// Claims that must not be selectively disclosable are plain here.
	if err := v.readPlainClaims(payload); err != nil {
		return v, err
	}

	// The immunization record profile requires a plain status: without one,
	// a status withheld as a disclosure would silently skip revocation.
	if vct, _ := str(payload, "vct", false); vct == VCT && v.Status == nil {
		return v, &DisclosureError{Problem: "no plain \"status\" claim: this credential type must carry its status list entry in the clear, so revocation can always be checked"}
	}

	var errs []error
	if vct, _ := str(claims, "vct", false); opt.VCT != AnyVCT && vct != opt.VCT {
		errs = append(errs, &TypeError{What: "vct", Got: vct, Want: opt.VCT})
	}
	errs = append(errs, v.checkBinding(p, opt)...)
	if v.Status != nil && opt.Status != nil {
		st, err := opt.Status(v.Issuer).Status(v.Status.URI, v.Status.Idx)
		switch {
		case err != nil:
			var su *StatusUnavailableError
			if !errors.As(err, &su) {
				err = &StatusUnavailableError{URI: v.Status.URI, Err: err}
			}
			errs = append(errs, err)
		case st != 0:
			errs = append(errs, &StatusError{URI: v.Status.URI, Index: v.Status.Idx, Status: st})
		}
	}
	if !v.Expires.IsZero() && !opt.Now.Before(v.Expires) {
		errs = append(errs, &ValidityError{Err: ErrExpired, At: opt.Now, When: v.Expires})
	}
	if v.IssuedAt.After(opt.Now.Add(opt.Window)) {
		errs = append(errs, &ValidityError{Err: ErrNotYetValid, At: opt.Now, When: v.IssuedAt})
	}
	if nbf, ok, err := numeric(payload, "nbf"); err != nil {
		errs = append(errs, err)
	} else if ok && nbf.After(opt.Now.Add(opt.Window)) {
		errs = append(errs, &ValidityError{Err: ErrNotYetValid, At: opt.Now, When: nbf})
	}
	return v, errors.Join(sortErrs(errs)...)
}

// sortErrs puts revocation first, then binding, then the rest.
func sortErrs(errs []error) []error {
	rank := func(e error) int {
		switch {
		case errors.Is(e, ErrRevoked), errors.Is(e, ErrSuspended):
			return 0
		case isType[*ChallengeError](e), isType[*HolderBindingError](e), isType[*ClockSkewError](e):
			return 1
		}
		return 2
	}
	out := make([]error, 0, len(errs))
	for r := 0; r <= 2; r++ {
		for _, e := range errs {
			if rank(e) == r {
				out = append(out, e)
			}
		}
	}
	return out
}

func isType[T error](err error) bool {
	var t T
	return errors.As(err, &t)
}

func (v *Verified) readPlainClaims(payload strictjson.Object) error {
	iat, ok, err := numeric(payload, "iat")
	if err != nil {
		return err
	}
	if ok {
		v.IssuedAt = iat
	}
	if v.Expires, _, err = numeric(payload, "exp"); err != nil {
		return err
	}
	if cnfV, ok := payload.Get("cnf"); ok {
		cnf, ok := cnfV.(strictjson.Object)
		jwkV, _ := cnf.Get("jwk")
		jwk, isObj := jwkV.(strictjson.Object)
		if !ok || !isObj {
			return &FormatError{Part: "cnf", Problem: "not {\"jwk\": {…}}"}
		}
		member := func(n string) string { s, _ := str(jwk, n, false); return s }
		_, hasD := jwk.Get("d")
		if v.Holder, err = jose.KeyFromEC(member("kty"), member("crv"), member("x"), member("y"), hasD); err != nil {
			return &FormatError{Part: "cnf.jwk", Problem: err.Error()}
		}
	}
	if stV, ok := payload.Get("status"); ok {
		st, _ := stV.(strictjson.Object)
		slV, _ := st.Get("status_list")
		sl, ok := slV.(strictjson.Object)
		if !ok {
			return &FormatError{Part: "status", Problem: "no status_list object"}
		}
		uri, err := str(sl, "uri", true)
		if err != nil {
			return err
		}
		idxV, _ := sl.Get("idx")
		n, isNum := idxV.(json.Number)
		idx, perr := strconv.Atoi(string(n))
		if !isNum || perr != nil || idx < 0 {
			return &FormatError{Part: "status.status_list.idx", Problem: "not a non-negative integer"}
		}
		v.Status = &StatusRef{URI: uri, Idx: idx}
	}
	return nil
}

// checkBinding verifies the KB-JWT, if any, and decides the binding mode.
func (v *Verified) checkBinding(p *Presentation, opt Options) []error {
	if p.KBJWT == "" {
		v.Binding = BindingStatic
		if opt.RequireBinding || opt.Challenge != nil {
			return []error{&HolderBindingError{Problem: "no key binding JWT: a copy of the credential is not a proof of holding it"}}
		}
		return nil
	}
	if v.Holder == nil {
		return []error{&HolderBindingError{Problem: "a key binding JWT, but the credential names no holder key (cnf)"}}
	}
	kb, err := jose.Parse(p.KBJWT)
	if err != nil {
		return []error{&HolderBindingError{Problem: err.Error()}}
	}
	if kb.Header.Typ != TypKB {
		return []error{&HolderBindingError{Problem: fmt.Sprintf("key binding typ %q, want %q", kb.Header.Typ, TypKB)}}
	}
	if err := kb.Verify(v.Holder); err != nil {
		return []error{&HolderBindingError{Problem: "not signed by the holder's key (cnf.jwk)"}}
	}
	claims, err := strictjson.ParseObject(kb.Payload, 8)
	if err != nil {
		return []error{&HolderBindingError{Problem: err.Error()}}
	}
	var errs []error
	sdHash, _ := str(claims, "sd_hash", false)
	h := sha256.Sum256([]byte(p.SDHashInput()))
	if want := base64.RawURLEncoding.EncodeToString(h[:]); sdHash != want {
		return []error{&HolderBindingError{Problem: "sd_hash does not match the presented disclosures"}}
	}
	aud, _ := str(claims, "aud", false)
	nonce, _ := str(claims, "nonce", false)
	iat, hasIAT, _ := numeric(claims, "iat")
	if !hasIAT || nonce == "" || aud == "" {
		return []error{&HolderBindingError{Problem: "key binding JWT lacks iat, aud or nonce"}}
	}
	v.KBIssued = iat
	switch {
	case opt.Challenge != nil:
		v.Binding = BindingChallenge
		if aud != opt.Challenge.Aud {
			errs = append(errs, &ChallengeError{Claim: "aud", Got: aud, Want: opt.Challenge.Aud})
		}
		if nonce != opt.Challenge.Nonce {
			errs = append(errs, &ChallengeError{Claim: "nonce", Got: nonce, Want: opt.Challenge.Nonce})
		}
	case aud == AudLive:
		v.Binding = BindingLive
	default:
		v.Binding = BindingChallenge
		errs = append(errs, &ChallengeError{Claim: "aud", Got: aud, Want: AudLive + " (or a challenge this verifier issued)"})
	}
	if d := iat.Sub(opt.Now); d > opt.Window || -d > opt.Window {
		errs = append(errs, &ClockSkewError{IAT: iat, Now: opt.Now, Window: opt.Window, Advice: skewAdvice(d, v.IssuedAt, opt.Now)})
	}
	return errs
}

// skewAdvice says which clock looks wrong: the verifier's, if it is behind
// a time the issuer signed; otherwise the holder device's, or a stale code.
func skewAdvice(d time.Duration, issued, now time.Time) string {
	switch {
	case now.Before(issued.Add(-DefaultWindow)):
		return "this verifier's clock is behind the credential's issue time; set its clock"
	case d > 0:
		return "the holder's phone clock looks ahead, or this verifier's clock is behind; check this device's time"
	}
	return "the code is stale (a screenshot or an old printout), or this verifier's clock is ahead; ask for a fresh code"
}

// process applies RFC 9901 §7.1 to a payload and the disclosures.
func process(p *Presentation, payload strictjson.Object) (*processor, strictjson.Object, error) {
	n := len(p.Disclosures)
	pr := &processor{byDigest: make(map[string]*Disclosure, n), seen: make(map[string]bool, 2*n), paths: make(map[string]string, n), used: make(map[string]bool, n)}
	for _, raw := range p.Disclosures {
		d, err := ParseDisclosure(raw)
		if err != nil {
			return nil, nil, err
		}
		dg := d.Digest()
		if pr.byDigest[dg] != nil {
			return nil, nil, &DisclosureError{Disclosure: raw, Problem: "disclosed twice"}
		}
		pr.byDigest[dg] = d
	}
	processed, err := pr.object(payload, "", 0)
	if err != nil {
		return nil, nil, err
	}
	for dg, d := range pr.byDigest {
		if !pr.used[dg] {
			return nil, nil, &DisclosureError{Disclosure: d.Raw, Problem: "no digest in the credential refers to it"}
		}
	}
	return pr, processed, nil
}

type processor struct {
	paths     map[string]string // disclosure (raw) → claim path
	byDigest  map[string]*Disclosure
	used      map[string]bool
	seen      map[string]bool
	disclosed []string
	withheld  int
}

func (pr *processor) mark(dg string) error {
	if pr.seen[dg] {
		return &DisclosureError{Problem: fmt.Sprintf("digest %q appears more than once", dg)}
	}
	pr.seen[dg] = true
	return nil
}

// lookup records a digest met in the payload and returns its disclosure,
// nil if it was withheld (or is a decoy). element says which kind of
// disclosure the place admits: an array element or an object property.
func (pr *processor) lookup(dg string, element bool) (*Disclosure, error) {
	if err := pr.mark(dg); err != nil {
		return nil, err
	}
	d := pr.byDigest[dg]
	switch {
	case d == nil:
		pr.withheld++
		return nil, nil
	case d.Element && !element:
		return nil, &DisclosureError{Disclosure: d.Raw, Problem: "an array-element disclosure referenced from _sd"}
	case !d.Element && element:
		return nil, &DisclosureError{Disclosure: d.Raw, Problem: "an object-property disclosure referenced from an array"}
	}
	return d, nil
}

// expand puts a disclosure in place at path, processing what it holds.
func (pr *processor) expand(dg string, d *Disclosure, path string, depth int) (any, error) {
	if pr.used == nil {
		pr.used = map[string]bool{}
	}
	pr.used[dg] = true
	pr.paths[d.Raw] = path
	v, err := pr.value(d.Value, path, depth+1)
	if err != nil {
		return nil, err
	}
	pr.disclosed = append(pr.disclosed, path)
	return v, nil
}

func (pr *processor) object(o strictjson.Object, path string, depth int) (strictjson.Object, error) {
	if depth > strictjson.MaxDepth {
		return nil, &DisclosureError{Problem: "disclosures nest too deep"}
	}
	if !hasDigests(o, depth) {
		// Nothing to replace here (a disclosed dose, say): the object is
		// kept as parsed unless something inside it changes.
		var out strictjson.Object
		for i, m := range o {
			if !isContainer(m.Value) {
				continue
			}
			v, err := pr.value(m.Value, join(path, m.Name), depth)
			if err != nil {
				return nil, err
			}
			if out == nil && !same(v, m.Value) {
				out = slices.Clone(o)
			}
			if out != nil {
				out[i].Value = v
			}
		}
		if out == nil {
			return o, nil
		}
		return out, nil
	}
	out := make(strictjson.Object, 0, len(o))
	var sd []any
	for _, m := range o {
		switch m.Name {
		case "_sd":
			arr, ok := m.Value.([]any)
			if !ok {
				return nil, &DisclosureError{Problem: fmt.Sprintf("%s_sd is not an array", prefix(path))}
			}
			sd = arr
			continue
		case "_sd_alg":
			if depth == 0 {
				continue
			}
		}
		v := m.Value
		if isContainer(v) { // a scalar is kept as it is: no path to build
			var err error
			if v, err = pr.value(v, join(path, m.Name), depth); err != nil {
				return nil, err
			}
		}
		out = append(out, strictjson.Member{Name: m.Name, Value: v})
	}
	for _, e := range sd {
		dg, ok := e.(string)
		if !ok {
			return nil, &DisclosureError{Problem: fmt.Sprintf("%s_sd holds a non-string", prefix(path))}
		}
		d, err := pr.lookup(dg, false)
		if err != nil || d == nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		if _, clash := out.Get(d.Name); clash {
			return nil, &DisclosureError{Disclosure: d.Raw, Problem: fmt.Sprintf("claim %q is already present", d.Name)}
		}
		if depth == 0 && Registered(d.Name) {
			return nil, &DisclosureError{Disclosure: d.Raw, Problem: fmt.Sprintf("registered claim %q is selectively disclosable: it must be in the clear", d.Name)}
		}
		v, err := pr.expand(dg, d, join(path, d.Name), depth)
		if err != nil {
			return nil, err
		}
		out = append(out, strictjson.Member{Name: d.Name, Value: v})
	}
	return out, nil
}

func (pr *processor) value(v any, path string, depth int) (any, error) {
	switch t := v.(type) {
	case strictjson.Object:
		return pr.object(t, path, depth+1)
	case []any:
		if !hasPlaceholders(t) {
			var out []any // copy-on-write, as in object
			for i, e := range t {
				if !isContainer(e) {
					continue
				}
				val, err := pr.value(e, path+"["+strconv.Itoa(i)+"]", depth+1)
				if err != nil {
					return nil, err
				}
				if out == nil && !same(val, e) {
					out = slices.Clone(t)
				}
				if out != nil {
					out[i] = val
				}
			}
			if out == nil {
				return t, nil
			}
			return out, nil
		}
		out := make([]any, 0, len(t))
		for i, e := range t {
			if !isContainer(e) {
				out = append(out, e)
				continue
			}
			p := path + "[" + strconv.Itoa(i) + "]"
			if o, ok := e.(strictjson.Object); ok {
				if dv, isRef := o.Get("..."); isRef {
					dg, ok := dv.(string)
					if !ok || len(o) != 1 {
						return nil, &DisclosureError{Problem: fmt.Sprintf("%s: an array placeholder must be exactly {\"...\": digest}", p)}
					}
					d, err := pr.lookup(dg, true)
					if err != nil {
						return nil, err
					}
					if d != nil {
						val, err := pr.expand(dg, d, p, depth)
						if err != nil {
							return nil, err
						}
						out = append(out, val)
					}
					continue
				}
			}
			val, err := pr.value(e, p, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, val)
		}
		return out, nil
	}
	return v, nil
}

// hasDigests reports whether processing o replaces members: it has "_sd",
// or it is the payload and has "_sd_alg".
func hasDigests(o strictjson.Object, depth int) bool {
	for _, m := range o {
		if m.Name == "_sd" || m.Name == "_sd_alg" && depth == 0 {
			return true
		}
	}
	return false
}

// hasPlaceholders reports whether an array holds an object with a "..."
// member (a placeholder, or something that claims to be one).
func hasPlaceholders(a []any) bool {
	for _, e := range a {
		if o, ok := e.(strictjson.Object); ok {
			if _, isRef := o.Get("..."); isRef {
				return true
			}
		}
	}
	return false
}

// same reports whether processing gave back the very value it was given
// (the same backing array), so that nothing has to be copied.
func same(a, b any) bool {
	switch x := a.(type) {
	case strictjson.Object:
		y, ok := b.(strictjson.Object)
		return ok && len(x) == len(y) && (len(x) == 0 || &x[0] == &y[0])
	case []any:
		y, ok := b.([]any)
		return ok && len(x) == len(y) && (len(x) == 0 || &x[0] == &y[0])
	}
	return false
}

func isContainer(v any) bool {
	switch v.(type) {
	case strictjson.Object, []any:
		return true
	}
	return false
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func prefix(path string) string {
	if path == "" {
		return ""
	}
	return path + "."
}

func str(o strictjson.Object, name string, required bool) (string, error) {
	v, ok := o.Get(name)
	if !ok {
		if required {
			return "", &FormatError{Part: name, Problem: "missing"}
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", &FormatError{Part: name, Problem: "not a string"}
	}
	return s, nil
}

func numeric(o strictjson.Object, name string) (time.Time, bool, error) {
	v, ok := o.Get(name)
	if !ok {
		return time.Time{}, false, nil
	}
	n, ok := v.(json.Number)
	f, err := strconv.ParseFloat(string(n), 64)
	if !ok || err != nil || math.IsNaN(f) || f < 0 || f > 1e11 {
		return time.Time{}, false, &FormatError{Part: name, Problem: "not a NumericDate"}
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}
