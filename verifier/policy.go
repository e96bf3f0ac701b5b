package verifier

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/immunopass/immunopass/credential/policy"
	"github.com/immunopass/immunopass/internal/display"
)

// checkContext answers v.Context for one result. The rules read the
// format-neutral view of the record the format yielded (for an EU DCC, also
// its own payload, for rules in EU DCC form). An invalid credential gets
// "cannot tell": what it says cannot be relied on.
func (v *Verifier) checkContext(r *Result) *policy.Verdict {
	c := v.Context
	lang := v.Lang
	if lang == "" {
		lang = "en"
	}
	if !r.Valid {
		return &policy.Verdict{Context: c.Name, Title: c.TitleIn(lang), Result: policy.CannotTell, Rules: []policy.RuleVerdict{},
			Problem: "the credential itself is not valid, so what it says cannot be relied on"}
	}
	vd := c.Check(ContextSubject(r), v.at(), lang)
	return &vd
}

// ContextSubject is what a context policy reads of a verified result: the
// format-neutral view of its record and, for an EU DCC, its payload, issuing
// country, iat and exp.
func ContextSubject(r *Result) policy.Subject {
	view := policy.NewView(r.record, r.Format, r.Kind)
	s := policy.Subject{View: view}
	if r.hc != nil {
		// Doses whose product the code table does not know take their
		// disease from the certificate's "tg".
		for i, vac := range r.hc.Vaccinations() {
			if i < len(view.Doses) && len(view.Doses[i].Diseases) == 0 {
				if d := policy.DiseaseOfSNOMED(vac.Disease); d != "" {
					view.Doses[i].Diseases = []string{d}
				}
			}
		}
		if b, err := r.hc.JSON(); err == nil {
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.UseNumber()
			var tree any
			if dec.Decode(&tree) == nil {
				s.DCC = tree
			}
		}
		s.IssuerCountry, s.Iat, s.Exp, s.Kid = r.hc.Issuer, r.hc.IssuedAt, r.hc.Expires, r.Issuer.KID
	}
	return s
}

var outcomeWords = map[policy.Outcome]string{
	policy.Meets:      "MEETS THE RULES",
	policy.Fails:      "DOES NOT MEET THE RULES",
	policy.CannotTell: "CANNOT TELL",
}

// writePolicy writes the context verdict, apart from the credential's own:
// the failing rules first, in words, then those that could not be decided.
func writePolicy(b *strings.Builder, p *policy.Verdict) {
	fmt.Fprintf(b, "  Context: %s (%s): %s\n", display.Text(p.Title), display.Text(p.Context), outcomeWords[p.Result])
	if p.Problem != "" {
		fmt.Fprintf(b, "           %s\n", display.Text(p.Problem))
	}
	failed := p.Failed()
	if p.Result == policy.Meets {
		fmt.Fprintf(b, "           %s checked, all met\n", plural(len(p.Rules), "rule", "rules"))
	}
	for _, rv := range failed {
		switch rv.Result {
		case "fail":
			fmt.Fprintf(b, "           not met: %s [%s]\n", display.Text(rv.Description), display.Text(rv.ID))
		default:
			fmt.Fprintf(b, "           cannot tell: %s [%s]\n", display.Text(rv.Description), display.Text(rv.ID))
			if rv.Problem != "" {
				fmt.Fprintf(b, "             because %s\n", display.Text(rv.Problem))
			}
		}
	}
}
