package wallet

import (
	"fmt"

	"github.com/immunopass/immunopass/credential/policy"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/verifier"
)

// Contexts returns the context policies the wallet can check a person
// against ("Will this pass the school check in Dubai?"): those of its trust
// bundle when the registry put some in it, else the ones ImmunoPass ships
// (school entry in the UAE and France, yellow fever, EU traveller rules).
// Offline: nothing is fetched.
func (w *Wallet) Contexts() (*policy.Set, error) {
	if data := w.trust().Policies(); data != nil {
		set, err := policy.Parse(data)
		if err != nil {
			return nil, fmt.Errorf("the trust bundle's context policies: %w", err)
		}
		return set, nil
	}
	return policy.Shipped()
}

// ContextCheck is the answer to "will this pass?" for one person: what a
// checker with the same rules would say when shown the person's best
// credential, and what the person's verified records say together.
type ContextCheck struct {
	// Verdict is the best verdict of a single verified credential (meets
	// before cannot tell before does not meet): a checker sees one
	// credential at a time. Its Result is CannotTell with a Problem when
	// the person has no verified credential.
	Verdict policy.Verdict
	// Credential is the ID of the credential Verdict is about ("" if none).
	Credential string
	// Together is the verdict over every verified credential's doses
	// merged: when it meets the rules but no single credential does, the
	// person should ask their clinic for an up-to-date credential.
	Together policy.Verdict
	// LeftOut are the person's credentials that were not counted because
	// they are not verified (unknown issuer, revoked, expired …): a checker
	// would refuse them too.
	LeftOut []string
}

var outcomeRank = map[policy.Outcome]int{policy.Meets: 0, policy.CannotTell: 1, policy.Fails: 2}

// CheckContext checks a person's credentials against the named context at
// the wallet's clock, with the same engine and rules as a verifier, offline;
// lang picks the language of the rules' descriptions (en, fr, ar).
func (w *Wallet) CheckContext(profileID, name, lang string) (*ContextCheck, error) {
	set, err := w.Contexts()
	if err != nil {
		return nil, err
	}
	c, err := set.Lookup(name)
	if err != nil {
		return nil, err
	}
	p, err := w.Profile(profileID)
	if err != nil {
		return nil, err
	}
	creds, err := w.Credentials(profileID)
	if err != nil {
		return nil, err
	}
	now := w.now()
	out := &ContextCheck{}
	var counted []Credential
	best := -1
	for _, cr := range creds {
		if cr.Status != StatusVerified {
			out.LeftOut = append(out.LeftOut, cr.ID)
			continue
		}
		v := verifier.Verifier{Trust: w.trust(), At: now, Context: c, Lang: lang}
		rs := v.Verify([]verifier.Input{{Name: "credential", Data: []byte(cr.Text)}})
		if len(rs) != 1 || rs[0].Policy == nil || !rs[0].Valid {
			out.LeftOut = append(out.LeftOut, cr.ID)
			continue
		}
		counted = append(counted, cr)
		if r := outcomeRank[rs[0].Policy.Result]; best < 0 || r < best ||
			(r == best && len(rs[0].Policy.Failed()) < len(out.Verdict.Failed())) {
			best, out.Verdict, out.Credential = r, *rs[0].Policy, cr.ID
		}
	}
	rec := &vax.Record{Patient: vax.Patient{Family: p.Family, BirthDate: p.BirthDate}}
	if p.Given != "" {
		rec.Patient.Given = []string{p.Given}
	}
	// The credentials' own birth date is what a checker reads; the
	// profile's is only a fallback.
	for _, cr := range counted {
		if d, err := vax.ParseDate(cr.Subject.BirthDate); err == nil && !d.IsZero() {
			rec.Patient.BirthDate = d
			break
		}
	}
	for _, g := range mergeDoses(counted) {
		for _, d := range g.Doses {
			if d.Diseases[0] != g.Disease && g.Disease != "Other" {
				continue // a combination dose once, under its primary disease
			}
			rec.Immunizations = append(rec.Immunizations, vax.Immunization{
				Vaccine: vax.Coding{System: d.Vaccine.System, Code: d.Vaccine.Code}, Date: d.Date,
				Status: vax.StatusCompleted, DoseNumber: d.Dose})
		}
	}
	out.Together = c.Check(policy.Subject{View: policy.NewView(rec, "wallet", "")}, now, lang)
	if best < 0 {
		out.Verdict = policy.Verdict{Context: c.Name, Title: c.TitleIn(lang), Result: policy.CannotTell, Rules: []policy.RuleVerdict{},
			Problem: "no verified credential to show"}
	}
	return out, nil
}
