package verifier

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/immunopass/immunopass/credential/policy"
	"github.com/immunopass/immunopass/credential/vax"
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
	rec := r.record
	if rec == nil {
		rec = shownRecord(r)
	}
	view := policy.NewView(rec, r.Format, r.Kind)
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

// shownRecord is the record of a result whose format maps the person and
// the doses straight into the report (DIVOC, VC-JWT, Data Integrity VCs,
// whose JSON-LD must show only what the signature covers): the context
// reads exactly what the report shows. Nil for a result that shows nobody.
func shownRecord(r *Result) *vax.Record {
	if r.Subject == (Subject{}) && len(r.Immunizations) == 0 {
		return nil
	}
	rec := &vax.Record{Patient: vax.Patient{Family: r.Subject.Name}}
	// A birth date that does not parse stays unknown: rules near an age
	// line then cannot tell, rather than guess.
	if d, err := vax.ParseDate(r.Subject.BirthDate); err == nil {
		rec.Patient.BirthDate = d
	}
	for _, im := range r.Immunizations {
		d, err := vax.ParseDate(im.Date)
		if err != nil {
			continue // an undated dose counts for no rule
		}
		rec.Immunizations = append(rec.Immunizations, vax.Immunization{
			Vaccine: vax.Coding{System: im.Vaccine.System, Code: im.Vaccine.Code, Display: im.Vaccine.Display},
			Date:    d, DoseNumber: im.Dose, SeriesDoses: im.series, Lot: im.Lot, Performer: im.Performer, Country: im.Country,
			Status: vax.StatusCompleted,
		})
	}
	return rec
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
