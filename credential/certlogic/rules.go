package certlogic

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/immunopass/immunopass/internal/strictjson"
)

// EngineMajor is the CertLogic engine major version this package runs:
// rules with EngineVersion 0.x or 1.x.
const EngineMajor = 1

// MaxRules bounds a rule set.
const MaxRules = 2000

// ErrRule is wrapped by every error about a rule's form.
var ErrRule = errors.New("invalid business rule")

// Rule types and certificate types of the EU DCC business-rule format.
const (
	Acceptance   = "Acceptance"
	Invalidation = "Invalidation"

	General     = "General"
	Vaccination = "Vaccination"
	Test        = "Test"
	Recovery    = "Recovery"
)

// Description is one language's text of a rule.
type Description struct {
	Lang string `json:"lang"`
	Desc string `json:"desc"`
}

// Rule is an EU DCC business rule in its published JSON form.
type Rule struct {
	Identifier      string        `json:"Identifier"`
	Type            string        `json:"Type"`
	Country         string        `json:"Country"`
	Region          string        `json:"Region,omitempty"`
	Version         string        `json:"Version"`
	SchemaVersion   string        `json:"SchemaVersion"`
	Engine          string        `json:"Engine"`
	EngineVersion   string        `json:"EngineVersion"`
	CertificateType string        `json:"CertificateType"`
	Description     []Description `json:"Description"`
	ValidFrom       time.Time     `json:"ValidFrom"`
	ValidTo         time.Time     `json:"ValidTo"`
	AffectedFields  []string      `json:"AffectedFields"`
	Logic           *Expr         `json:"-"`

	version [3]int
}

// MarshalJSON writes the rule in its published form.
func (r *Rule) MarshalJSON() ([]byte, error) {
	type plain Rule
	var logic any
	if r.Logic != nil {
		logic = r.Logic.Source()
	}
	return json.Marshal(struct {
		*plain
		ValidFrom string `json:"ValidFrom"`
		ValidTo   string `json:"ValidTo"`
		Logic     any    `json:"Logic"`
	}{(*plain)(r), r.ValidFrom.Format(time.RFC3339), r.ValidTo.Format(time.RFC3339), logic})
}

// Text returns the rule's description in lang, else in English, else the
// first one given.
func (r *Rule) Text(lang string) string {
	for _, want := range []string{lang, "en"} {
		for _, d := range r.Description {
			if d.Lang == want {
				return d.Desc
			}
		}
	}
	if len(r.Description) > 0 {
		return r.Description[0].Desc
	}
	return r.Identifier
}

var (
	identifierRE = regexp.MustCompile(`^[A-Z]{2,4}-[A-Z0-9]{2,8}-[0-9]{4}$`)
	semverRE     = regexp.MustCompile(`^(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})$`)
	countryRE    = regexp.MustCompile(`^[A-Z]{2}$`)
	langRE       = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$`)
)

var ruleFields = []string{"Identifier", "Type", "Country", "Region", "Version", "SchemaVersion", "Engine",
	"EngineVersion", "CertificateType", "Description", "ValidFrom", "ValidTo", "AffectedFields", "Logic"}

// ParseRules reads one business rule (a JSON object) or a rule set (an array
// of them) strictly: member names exactly as published, no unknown or
// duplicate members, every field well-formed, the Logic a valid CertLogic
// expression. opts is passed to [Compile] for the Logic.
func ParseRules(text []byte, opts *Options) ([]*Rule, error) {
	if len(text) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrRule, len(text), MaxSize)
	}
	v, err := strictjson.Parse(text, jsonDepthLimit)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRule, err)
	}
	var items []any
	switch t := v.(type) {
	case strictjson.Object:
		items = []any{t}
	case []any:
		items = t
	default:
		return nil, fmt.Errorf("%w: a rule file holds a rule object or an array of them", ErrRule)
	}
	if len(items) > MaxRules {
		return nil, fmt.Errorf("%w: %d rules, the limit is %d", ErrRule, len(items), MaxRules)
	}
	rules := make([]*Rule, 0, len(items))
	seen := map[string]bool{}
	for i, it := range items {
		obj, ok := it.(strictjson.Object)
		if !ok {
			return nil, fmt.Errorf("%w: item %d is not an object", ErrRule, i)
		}
		r, err := ruleFromObject(obj, opts)
		if err != nil {
			return nil, fmt.Errorf("rule %d: %w", i, err)
		}
		key := r.Identifier + " " + r.Version + " " + r.Country + " " + r.Region
		if seen[key] {
			return nil, fmt.Errorf("%w: %s version %s appears twice", ErrRule, r.Identifier, r.Version)
		}
		seen[key] = true
		rules = append(rules, r)
	}
	return rules, nil
}

func ruleFromObject(obj strictjson.Object, opts *Options) (*Rule, error) {
	for _, m := range obj {
		if !slices.Contains(ruleFields, m.Name) {
			return nil, fmt.Errorf("%w: unknown member %q", ErrRule, m.Name)
		}
	}
	str := func(name string, required bool) (string, error) {
		v, ok := obj.Get(name)
		if !ok {
			if required {
				return "", fmt.Errorf("%w: %s is missing", ErrRule, name)
			}
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("%w: %s is not a string", ErrRule, name)
		}
		return s, nil
	}
	r := &Rule{}
	var err error
	for _, f := range []struct {
		name     string
		dst      *string
		required bool
	}{
		{"Identifier", &r.Identifier, true}, {"Type", &r.Type, true}, {"Country", &r.Country, true},
		{"Region", &r.Region, false}, {"Version", &r.Version, true}, {"SchemaVersion", &r.SchemaVersion, true},
		{"Engine", &r.Engine, true}, {"EngineVersion", &r.EngineVersion, true},
		{"CertificateType", &r.CertificateType, true},
	} {
		if *f.dst, err = str(f.name, f.required); err != nil {
			return nil, err
		}
	}
	if !identifierRE.MatchString(r.Identifier) {
		return nil, fmt.Errorf("%w: identifier %q is not of the form XX-CC-0000", ErrRule, r.Identifier)
	}
	if r.Type != Acceptance && r.Type != Invalidation {
		return nil, fmt.Errorf("%w: %s: type %q is neither %q nor %q", ErrRule, r.Identifier, r.Type, Acceptance, Invalidation)
	}
	if !countryRE.MatchString(r.Country) {
		return nil, fmt.Errorf("%w: %s: country %q is not an ISO 3166 alpha-2 code", ErrRule, r.Identifier, r.Country)
	}
	if len(r.Region) > 16 {
		return nil, fmt.Errorf("%w: %s: region %q is too long", ErrRule, r.Identifier, r.Region)
	}
	if r.version, err = semver(r.Version); err != nil {
		return nil, fmt.Errorf("%w: %s: version: %v", ErrRule, r.Identifier, err)
	}
	if _, err := semver(r.SchemaVersion); err != nil {
		return nil, fmt.Errorf("%w: %s: schema version: %v", ErrRule, r.Identifier, err)
	}
	if r.Engine != "CERTLOGIC" {
		return nil, fmt.Errorf("%w: %s: engine %q is not CERTLOGIC", ErrRule, r.Identifier, r.Engine)
	}
	ev, err := semver(r.EngineVersion)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: engine version: %v", ErrRule, r.Identifier, err)
	}
	if ev[0] > EngineMajor {
		return nil, fmt.Errorf("%w: %s: engine version %s is newer than this evaluator (%d.x)", ErrRule, r.Identifier, r.EngineVersion, EngineMajor)
	}
	if !slices.Contains([]string{General, Vaccination, Test, Recovery}, r.CertificateType) {
		return nil, fmt.Errorf("%w: %s: certificate type %q is not General, Vaccination, Test or Recovery", ErrRule, r.Identifier, r.CertificateType)
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"ValidFrom", &r.ValidFrom}, {"ValidTo", &r.ValidTo}} {
		s, err := str(f.name, true)
		if err != nil {
			return nil, err
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %s %q is not an RFC 3339 date-time", ErrRule, r.Identifier, f.name, s)
		}
		*f.dst = t
	}
	if !r.ValidTo.After(r.ValidFrom) {
		return nil, fmt.Errorf("%w: %s: ValidTo %s is not after ValidFrom %s", ErrRule, r.Identifier, r.ValidTo.Format(time.RFC3339), r.ValidFrom.Format(time.RFC3339))
	}
	desc, ok := obj.Get("Description")
	if !ok {
		return nil, fmt.Errorf("%w: %s: Description is missing", ErrRule, r.Identifier)
	}
	list, ok := desc.([]any)
	if !ok || len(list) == 0 {
		return nil, fmt.Errorf("%w: %s: Description must be a non-empty array of {lang, desc}", ErrRule, r.Identifier)
	}
	for _, d := range list {
		o, ok := d.(strictjson.Object)
		if !ok || len(o) != 2 {
			return nil, fmt.Errorf("%w: %s: a description must be {\"lang\", \"desc\"}", ErrRule, r.Identifier)
		}
		lang, _ := o.Get("lang")
		text, _ := o.Get("desc")
		ls, ok1 := lang.(string)
		ts, ok2 := text.(string)
		if !ok1 || !ok2 || !langRE.MatchString(ls) || strings.TrimSpace(ts) == "" || len(ts) > 2000 {
			return nil, fmt.Errorf("%w: %s: description %s is not a language code with a text", ErrRule, r.Identifier, show(strictjson.Plain(o)))
		}
		r.Description = append(r.Description, Description{Lang: ls, Desc: ts})
	}
	if af, ok := obj.Get("AffectedFields"); ok {
		list, ok := af.([]any)
		if !ok {
			return nil, fmt.Errorf("%w: %s: AffectedFields must be an array of strings", ErrRule, r.Identifier)
		}
		for _, f := range list {
			s, ok := f.(string)
			if !ok || s == "" {
				return nil, fmt.Errorf("%w: %s: AffectedFields must be an array of non-empty strings", ErrRule, r.Identifier)
			}
			r.AffectedFields = append(r.AffectedFields, s)
		}
	} else {
		return nil, fmt.Errorf("%w: %s: AffectedFields is missing", ErrRule, r.Identifier)
	}
	logic, ok := obj.Get("Logic")
	if !ok {
		return nil, fmt.Errorf("%w: %s: Logic is missing", ErrRule, r.Identifier)
	}
	if r.Logic, err = Compile(strictjson.Plain(logic), opts); err != nil {
		return nil, fmt.Errorf("%w: %s: logic: %w", ErrRule, r.Identifier, err)
	}
	return r, nil
}

func semver(s string) ([3]int, error) {
	m := semverRE.FindStringSubmatch(s)
	if m == nil {
		return [3]int{}, fmt.Errorf("%q is not a version of the form 1.2.3", s)
	}
	var v [3]int
	for i := range v {
		v[i], _ = strconv.Atoi(m[i+1])
	}
	return v, nil
}

// Outcome is a rule's or a rule set's result.
type Outcome string

// The outcomes, as the EU DCC verifier apps name them.
const (
	Pass Outcome = "pass" // the logic evaluated to a truthy value
	Fail Outcome = "fail" // the logic evaluated to a falsy value
	Open Outcome = "open" // the logic could not be evaluated, or no rule applies
)

// Selection says which rules of a set apply to one check.
type Selection struct {
	At              time.Time // the validation clock
	Country         string    // the country checking (Acceptance rules)
	Region          string    // the region checking, if any ("" takes only country-wide rules)
	IssuerCountry   string    // the certificate's issuing country (Invalidation rules); "" takes none
	CertificateType string    // Vaccination, Test or Recovery; rules of type General always apply
}

// Select returns the rules that apply: Acceptance rules of the checking
// country (and region), Invalidation rules of the issuing country, of the
// certificate's type or General, valid at the clock (ValidFrom ≤ At <
// ValidTo), and of each identifier only the highest version so valid. The
// order is by identifier.
func Select(rules []*Rule, s Selection) []*Rule {
	best := map[string]*Rule{}
	for _, r := range rules {
		switch r.Type {
		case Acceptance:
			if r.Country != s.Country || (r.Region != "" && r.Region != s.Region) {
				continue
			}
		case Invalidation:
			if s.IssuerCountry == "" || r.Country != s.IssuerCountry {
				continue
			}
		}
		if r.CertificateType != General && r.CertificateType != s.CertificateType {
			continue
		}
		if s.At.Before(r.ValidFrom) || !s.At.Before(r.ValidTo) {
			continue
		}
		key := r.Type + " " + r.Country + " " + r.Region + " " + r.Identifier
		if b, ok := best[key]; !ok || compareVersion(r.version, b.version) > 0 {
			best[key] = r
		}
	}
	out := make([]*Rule, 0, len(best))
	for _, r := range best {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *Rule) int {
		if c := strings.Compare(a.Identifier, b.Identifier); c != 0 {
			return c
		}
		return strings.Compare(a.Type+a.Country+a.Region, b.Type+b.Country+b.Region)
	})
	return out
}

func compareVersion(a, b [3]int) int {
	for i := range a {
		if a[i] != b[i] {
			return a[i] - b[i]
		}
	}
	return 0
}

// RuleResult is one rule's outcome; Err says why it is open.
type RuleResult struct {
	Rule    *Rule
	Outcome Outcome
	Err     error
}

// Result is a rule set's outcome: Fail if any rule failed, else Open if any
// could not be evaluated (or none applied), else Pass.
type Result struct {
	Outcome Outcome
	Rules   []RuleResult
}

// Failed returns the results that are not Pass.
func (r Result) Failed() []RuleResult {
	var out []RuleResult
	for _, rr := range r.Rules {
		if rr.Outcome != Pass {
			out = append(out, rr)
		}
	}
	return out
}

// External is the "external" part of a rule's data context.
type External struct {
	ValidationClock time.Time
	ValueSets       map[string][]string
	CountryCode     string
	Exp, Iat        time.Time // zero: absent
	Kid             string
}

// Data builds the data context {payload, external} a rule is evaluated
// against. payload must be JSON-like (maps, slices, strings, numbers).
func Data(payload any, ext External) map[string]any {
	vs := make(map[string]any, len(ext.ValueSets))
	for k, codes := range ext.ValueSets {
		list := make([]any, len(codes))
		for i, c := range codes {
			list[i] = c
		}
		vs[k] = list
	}
	e := map[string]any{
		"validationClock": ext.ValidationClock.UTC().Format("2006-01-02T15:04:05.000Z"),
		"valueSets":       vs,
		"countryCode":     ext.CountryCode,
	}
	if !ext.Exp.IsZero() {
		e["exp"] = ext.Exp.UTC().Format(time.RFC3339)
	}
	if !ext.Iat.IsZero() {
		e["iat"] = ext.Iat.UTC().Format(time.RFC3339)
	}
	if ext.Kid != "" {
		e["kid"] = ext.Kid
	}
	return map[string]any{"payload": payload, "external": e}
}

// Run evaluates the given rules (already selected) against data.
func Run(rules []*Rule, data any) Result {
	res := Result{Outcome: Pass, Rules: make([]RuleResult, 0, len(rules))}
	if len(rules) == 0 {
		res.Outcome = Open
	}
	for _, r := range rules {
		rr := RuleResult{Rule: r}
		v, err := r.Logic.Eval(data)
		switch t, defined := boolsiness(v); {
		case err != nil:
			rr.Outcome, rr.Err = Open, err
		case !defined:
			rr.Outcome, rr.Err = Open, fmt.Errorf("certlogic: the rule evaluates to %s, which is neither truthy nor falsy", describe(v))
		case t:
			rr.Outcome = Pass
		default:
			rr.Outcome = Fail
		}
		switch {
		case rr.Outcome == Fail:
			res.Outcome = Fail
		case rr.Outcome == Open && res.Outcome == Pass:
			res.Outcome = Open
		}
		res.Rules = append(res.Rules, rr)
	}
	return res
}

// Evaluate selects the applicable rules and runs them against data.
func Evaluate(rules []*Rule, data any, s Selection) Result {
	return Run(Select(rules, s), data)
}
