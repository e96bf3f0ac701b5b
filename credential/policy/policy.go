package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/certlogic"
	"github.com/immunopass/immunopass/internal/strictjson"
)

// Type is the "type" of a context policy file.
const Type = "immunopass-context-policies"

// MaxSize bounds a policy file.
const MaxSize = 512 << 10

// MaxContexts bounds the contexts of one file.
const MaxContexts = 64

// Payload forms a context's rules are written against.
const (
	// PayloadView: the format-neutral [View] of every format.
	PayloadView = "view"
	// PayloadDCC: an EU DCC payload, as national EU DCC apps evaluate
	// business rules: the certificate's own payload for an HCERT, the
	// view's [View.DCC] shape for the other formats.
	PayloadDCC = "dcc"
)

// ErrPolicy is wrapped by every error about a policy file's form.
var ErrPolicy = errors.New("invalid context policy")

// Set is a file of context policies.
type Set struct {
	Contexts []*Context
}

// Context is one named question a verifier can ask of a credential ("does
// this child meet school entry in the UAE?"): a rule set in EU DCC
// business-rule form with its title in several languages.
type Context struct {
	Name    string                  // e.g. "school-entry-ae"
	Title   []certlogic.Description // what the context is, per language
	Country string                  // the checking country the rules are selected for
	Payload string                  // PayloadView or PayloadDCC
	// Claims are the SD-JWT VC claims a verifier must see to evaluate the
	// rules (a challenge asks for exactly these).
	Claims []string
	Rules  []*certlogic.Rule
	raw    json.RawMessage // the rules as given, for MarshalJSON
}

var (
	nameRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	claimRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,63}$`)
	langRE  = regexp.MustCompile(`^[a-z]{2,3}$`)
)

// Parse reads a context policy file strictly: exact member names, no
// unknown or duplicate members, every rule a valid EU DCC business rule of
// the context's country. It never evaluates anything.
func Parse(data []byte) (*Set, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrPolicy, len(data), MaxSize)
	}
	obj, err := strictjson.ParseObject(data, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPolicy, err)
	}
	if err := only(obj, "type", "contexts"); err != nil {
		return nil, err
	}
	if t, _ := obj.Get("type"); t != Type {
		return nil, fmt.Errorf("%w: type %s, want %q", ErrPolicy, show(t), Type)
	}
	cv, _ := obj.Get("contexts")
	list, ok := cv.([]any)
	if !ok || len(list) == 0 {
		return nil, fmt.Errorf("%w: \"contexts\" must be a non-empty array", ErrPolicy)
	}
	if len(list) > MaxContexts {
		return nil, fmt.Errorf("%w: %d contexts, the limit is %d", ErrPolicy, len(list), MaxContexts)
	}
	s := &Set{}
	for i, it := range list {
		o, ok := it.(strictjson.Object)
		if !ok {
			return nil, fmt.Errorf("%w: context %d is not an object", ErrPolicy, i)
		}
		c, err := parseContext(o)
		if err != nil {
			return nil, fmt.Errorf("context %d: %w", i, err)
		}
		if _, dup := s.Context(c.Name); dup {
			return nil, fmt.Errorf("%w: context %q appears twice", ErrPolicy, c.Name)
		}
		s.Contexts = append(s.Contexts, c)
	}
	return s, nil
}

func only(o strictjson.Object, names ...string) error {
	for _, m := range o {
		if !slices.Contains(names, m.Name) {
			return fmt.Errorf("%w: unknown member %q", ErrPolicy, m.Name)
		}
	}
	return nil
}

func show(v any) string {
	b, err := json.Marshal(strictjson.Plain(v))
	if err != nil || len(b) > 60 {
		return fmt.Sprintf("%T", v)
	}
	return string(b)
}

func parseContext(o strictjson.Object) (*Context, error) {
	if err := only(o, "name", "title", "country", "payload", "claims", "rules"); err != nil {
		return nil, err
	}
	c := &Context{}
	str := func(name string) (string, error) {
		v, ok := o.Get(name)
		s, isStr := v.(string)
		if !ok || !isStr {
			return "", fmt.Errorf("%w: %q must be a string", ErrPolicy, name)
		}
		return s, nil
	}
	var err error
	if c.Name, err = str("name"); err != nil {
		return nil, err
	}
	if !nameRE.MatchString(c.Name) {
		return nil, fmt.Errorf("%w: name %q is not lowercase letters, digits and dashes", ErrPolicy, c.Name)
	}
	if c.Country, err = str("country"); err != nil {
		return nil, err
	}
	if c.Payload, err = str("payload"); err != nil {
		return nil, err
	}
	if c.Payload != PayloadView && c.Payload != PayloadDCC {
		return nil, fmt.Errorf("%w: %s: payload %q is neither %q nor %q", ErrPolicy, c.Name, c.Payload, PayloadView, PayloadDCC)
	}
	tv, _ := o.Get("title")
	tl, ok := tv.([]any)
	if !ok || len(tl) == 0 {
		return nil, fmt.Errorf("%w: %s: \"title\" must be a non-empty array of {lang, desc}", ErrPolicy, c.Name)
	}
	for _, t := range tl {
		to, ok := t.(strictjson.Object)
		if !ok || len(to) != 2 {
			return nil, fmt.Errorf("%w: %s: a title must be {\"lang\", \"desc\"}", ErrPolicy, c.Name)
		}
		l, _ := to.Get("lang")
		d, _ := to.Get("desc")
		ls, ok1 := l.(string)
		ds, ok2 := d.(string)
		if !ok1 || !ok2 || !langRE.MatchString(ls) || strings.TrimSpace(ds) == "" || len(ds) > 200 {
			return nil, fmt.Errorf("%w: %s: title %s is not a language code with a text", ErrPolicy, c.Name, show(to))
		}
		c.Title = append(c.Title, certlogic.Description{Lang: ls, Desc: ds})
	}
	if cv, ok := o.Get("claims"); ok {
		cl, ok := cv.([]any)
		if !ok {
			return nil, fmt.Errorf("%w: %s: \"claims\" must be an array of claim names", ErrPolicy, c.Name)
		}
		for _, x := range cl {
			s, ok := x.(string)
			if !ok || !claimRE.MatchString(s) {
				return nil, fmt.Errorf("%w: %s: claim %s is not a claim name", ErrPolicy, c.Name, show(x))
			}
			if !slices.Contains(c.Claims, s) {
				c.Claims = append(c.Claims, s)
			}
		}
	}
	rv, ok := o.Get("rules")
	if rl, isList := rv.([]any); !ok || !isList || len(rl) == 0 {
		return nil, fmt.Errorf("%w: %s: \"rules\" must be a non-empty array of business rules", ErrPolicy, c.Name)
	}
	raw, err := json.Marshal(strictjson.Plain(rv))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrPolicy, c.Name, err)
	}
	if c.Rules, err = certlogic.ParseRules(raw, nil); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrPolicy, c.Name, err)
	}
	for _, r := range c.Rules {
		if r.Country != c.Country {
			return nil, fmt.Errorf("%w: %s: rule %s is for country %s, the context for %s", ErrPolicy, c.Name, r.Identifier, r.Country, c.Country)
		}
		if r.Type != certlogic.Acceptance {
			return nil, fmt.Errorf("%w: %s: rule %s is an %s rule; a context holds Acceptance rules", ErrPolicy, c.Name, r.Identifier, r.Type)
		}
	}
	c.raw = raw
	return c, nil
}

// MarshalJSON writes the context in its file form.
func (c *Context) MarshalJSON() ([]byte, error) {
	rules := c.raw
	if rules == nil {
		var err error
		if rules, err = json.Marshal(c.Rules); err != nil {
			return nil, err
		}
	}
	claims := c.Claims
	if claims == nil {
		claims = []string{}
	}
	return json.Marshal(struct {
		Name    string                  `json:"name"`
		Title   []certlogic.Description `json:"title"`
		Country string                  `json:"country"`
		Payload string                  `json:"payload"`
		Claims  []string                `json:"claims"`
		Rules   json.RawMessage         `json:"rules"`
	}{c.Name, c.Title, c.Country, c.Payload, claims, rules})
}

// MarshalJSON writes the set in its file form.
func (s *Set) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Type     string     `json:"type"`
		Contexts []*Context `json:"contexts"`
	}{Type, s.Contexts})
}

// Context returns the named context.
func (s *Set) Context(name string) (*Context, bool) {
	if s == nil {
		return nil, false
	}
	for _, c := range s.Contexts {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}

// Names lists the contexts' names, in file order.
func (s *Set) Names() []string {
	var out []string
	if s != nil {
		for _, c := range s.Contexts {
			out = append(out, c.Name)
		}
	}
	return out
}

// TitleIn returns the context's title in lang, else in English, else its
// name.
func (c *Context) TitleIn(lang string) string {
	for _, want := range []string{lang, "en"} {
		for _, d := range c.Title {
			if d.Lang == want {
				return d.Desc
			}
		}
	}
	return c.Name
}

// UnknownContextError is returned for a context name a set does not hold.
type UnknownContextError struct {
	Name  string
	Known []string
}

func (e *UnknownContextError) Error() string {
	if len(e.Known) == 0 {
		return fmt.Sprintf("no context policy named %q: no policies are loaded", e.Name)
	}
	return fmt.Sprintf("no context policy named %q (known: %s)", e.Name, strings.Join(e.Known, ", "))
}

// Lookup returns the named context or an *UnknownContextError.
func (s *Set) Lookup(name string) (*Context, error) {
	if c, ok := s.Context(name); ok {
		return c, nil
	}
	return nil, &UnknownContextError{Name: name, Known: s.Names()}
}

// Outcome is a context verdict.
type Outcome string

// The three answers to "does this credential meet the context?".
const (
	Meets      Outcome = "meets"
	Fails      Outcome = "does-not-meet"
	CannotTell Outcome = "cannot-tell"
)

// Subject is what a context is checked against: the view of a verified
// credential and, for an EU DCC, its own payload and CWT facts.
type Subject struct {
	View          *View
	DCC           any // the EU DCC payload (JSON-like) when the credential is one; nil otherwise
	IssuerCountry string
	Iat, Exp      time.Time
	Kid           string
}

// RuleVerdict is one rule's outcome, in words.
type RuleVerdict struct {
	ID          string `json:"id"`
	Version     string `json:"version"`
	Result      string `json:"result"` // pass, fail or open
	Description string `json:"description"`
	// Problem says why an open rule could not be decided.
	Problem string `json:"problem,omitempty"`
}

// Verdict is a context's answer for one credential: separate from the
// credential's own validity (a valid credential can fail a rule).
type Verdict struct {
	Context string        `json:"context"`
	Title   string        `json:"title"`
	Result  Outcome       `json:"result"`
	Rules   []RuleVerdict `json:"rules"`
	// Problem says why no rule could be applied at all.
	Problem string `json:"problem,omitempty"`
}

// Failed returns the rules that did not pass (failed first, then open).
func (v *Verdict) Failed() []RuleVerdict {
	var fail, open []RuleVerdict
	for _, r := range v.Rules {
		switch r.Result {
		case string(certlogic.Fail):
			fail = append(fail, r)
		case string(certlogic.Open):
			open = append(open, r)
		}
	}
	return append(fail, open...)
}

func certType(kind string) string {
	switch kind {
	case KindTest:
		return certlogic.Test
	case KindRecovery:
		return certlogic.Recovery
	}
	return certlogic.Vaccination
}

// Check evaluates the context for one credential at the instant at, with
// descriptions in lang (en, fr, ar; English when a rule lacks it). A rule
// that cannot be evaluated (a missing or partial birth date the rule needs,
// a field the credential does not hold) makes the answer "cannot tell"
// unless another rule fails.
func (c *Context) Check(s Subject, at time.Time, lang string) Verdict {
	v := Verdict{Context: c.Name, Title: c.TitleIn(lang), Rules: []RuleVerdict{}}
	view := s.View
	if view == nil {
		view = &View{Kind: KindVaccination}
	}
	var payload any
	switch {
	case c.Payload == PayloadView:
		payload = view.Data()
	case s.DCC != nil:
		payload = s.DCC
	default:
		payload = view.DCC()
	}
	data := certlogic.Data(payload, certlogic.External{ValidationClock: at, CountryCode: c.Country,
		Exp: s.Exp, Iat: s.Iat, Kid: s.Kid})
	rules := certlogic.Select(c.Rules, certlogic.Selection{At: at, Country: c.Country,
		CertificateType: certType(view.Kind)})
	if len(rules) == 0 {
		v.Result = CannotTell
		v.Problem = fmt.Sprintf("no rule of %q applies to a %s credential on %s", c.Name, view.Kind, at.UTC().Format(time.DateOnly))
		return v
	}
	res := certlogic.Run(rules, data)
	for _, rr := range res.Rules {
		rv := RuleVerdict{ID: rr.Rule.Identifier, Version: rr.Rule.Version, Result: string(rr.Outcome), Description: rr.Rule.Text(lang)}
		if rr.Outcome == certlogic.Open {
			rv.Problem = openProblem(rr, view)
		}
		v.Rules = append(v.Rules, rv)
	}
	switch res.Outcome {
	case certlogic.Pass:
		v.Result = Meets
	case certlogic.Fail:
		v.Result = Fails
	default:
		v.Result = CannotTell
	}
	return v
}

// openProblem explains why a rule could not be decided.
func openProblem(rr certlogic.RuleResult, view *View) string {
	needsBirth := false
	for _, f := range rr.Rule.AffectedFields {
		if f == "person.birthDate" || f == "dob" {
			needsBirth = true
		}
	}
	if needsBirth {
		switch bd := view.Person.BirthDate; {
		case bd.IsZero():
			return "the credential does not show the birth date"
		case bd.Precision() != "day":
			return fmt.Sprintf("the birth date is only known as %s, which is not precise enough to tell", bd)
		}
	}
	if rr.Err != nil {
		return "the credential does not hold what this rule needs (" + rr.Err.Error() + ")"
	}
	return "the rule could not be evaluated"
}

// Shipped returns the context policies ImmunoPass ships
// (assets/policies/contexts.json): school-entry-ae, school-entry-fr,
// yellow-fever and traveller-eu. A wallet uses them offline when its trust
// bundle carries none; a registry posts them (or its own) with `registry
// rules post`.
func Shipped() (*Set, error) { return Parse(assets.ContextPolicies()) }

// ClaimsNeeded returns the SD-JWT VC claims a holder must disclose for the
// context's rules to be evaluated: the context's own list (the identity a
// checker needs to see) and what the rules read, from their AffectedFields:
// the birth date (person.birthDate, dob), the doses (doses, diseases.…, the
// EU DCC v/t/r entries) and the name (person.name, nam). A context that
// reads no birth date does not ask for it.
func (c *Context) ClaimsNeeded() []string {
	out := slices.Clone(c.Claims)
	add := func(names ...string) {
		for _, n := range names {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	for _, r := range c.Rules {
		for _, f := range r.AffectedFields {
			head, _, _ := strings.Cut(f, ".")
			switch {
			case f == "person.birthDate" || head == "dob":
				add("birthdate")
			case f == "person.name" || head == "nam":
				add("given_name", "family_name")
			case head == "doses" || head == "diseases" || head == "v" || head == "t" || head == "r":
				add("doses")
			}
		}
	}
	return out
}
