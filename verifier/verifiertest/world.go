// Package verifiertest builds a small registry world for verifier tests: a
// log with witnesses, a trust policy, signed bundles (fresh, stale, below
// quorum), SD-JWT credentials from hosted issuers in every state the
// registry can put them in, and their anchoring proofs. Everything is made
// fresh in memory; nothing is read from disk.
package verifiertest

import (
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/credential/anchor/anchortest"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/status"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/credential/vax"
)

// Now is the instant the world is built for (use it as --at).
var Now = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

// Issuer ids.
const (
	Registry  = "https://registry.example"
	Clinic    = Registry + "/issuers/clinic"
	Suspended = Registry + "/issuers/gone"
)

// World is what the files of a verifier test hold.
type World struct {
	Policy      *trust.Policy
	PolicyJSON  []byte
	Bundle      []byte // issued at Now
	Stale       []byte // issued 200h before Now (maxAge 168h)
	BelowQuorum []byte // checkpoint cosigned by 1 of the 2 required witnesses
	// Old is version 2 of the bundle (Bundle and Stale are version 3),
	// issued 20h before Now, before the "bad" key was compromised: with
	// it, "late" verifies. Given with Bundle, in either order, it must be
	// ignored.
	Old []byte
	// Rules is Bundle carrying the shipped context policies
	// (assets/policies/contexts.json).
	Rules []byte
	// Credentials (static SD-JWT presentations) by name: "ok" (current
	// key), "rotated" (issued after its key's window), "early" and "late"
	// (under a key compromised at Now-10h, anchored before and after),
	// "suspended" (issuer suspended); "yf" (current key, the demo record
	// and a yellow fever dose 6 days before Now) and "yf-shc", the same
	// record as a SMART Health Card ("shc:/" text).
	Creds map[string]string
	// Proofs by credential name (all but "suspended" and "rotated"), and
	// "ok-below-quorum": a proof for "ok" cosigned by one witness only.
	Proofs map[string][]byte
}

// New builds a world.
func New() (*World, error) {
	reg, err := jose.GenerateKey()
	if err != nil {
		return nil, err
	}
	log, err := anchortest.New("registry.example/immunopass/log", 3)
	if err != nil {
		return nil, err
	}
	pol, err := trust.NewPolicy(reg.Public(), log.Origin, log.LogKey, log.WitnessKeys, 2, 168*time.Hour)
	if err != nil {
		return nil, err
	}
	w := &World{Policy: pol, Creds: map[string]string{}, Proofs: map[string][]byte{}}
	if w.PolicyJSON, err = pol.Marshal(); err != nil {
		return nil, err
	}
	keys := map[string]*jose.PrivateKey{}
	for _, n := range []string{"cur", "old", "bad", "gone"} {
		if keys[n], err = jose.GenerateKey(); err != nil {
			return nil, err
		}
	}
	holder, err := jose.GenerateKey()
	if err != nil {
		return nil, err
	}
	rec, err := vax.FromFHIR(assets.DemoRecord())
	if err != nil {
		return nil, err
	}
	// Every credential carries a status entry in its issuer's list (the
	// profile requires a plain status); the bundle holds the lists, all valid.
	statusURI := func(iss string) string { return Registry + "/v1/status/" + iss[len(Registry+"/issuers/"):] + "/1" }
	nextIdx := 0
	issueRec := func(name, iss string, key *jose.PrivateKey, at time.Time, rec *vax.Record) error {
		nextIdx++
		is, err := sdjwt.Issue(key, sdjwt.IssueRequest{Issuer: iss, IssuedAt: at, Holder: holder.Public(), Claims: sdjwt.FromRecord(rec),
			Status: &sdjwt.StatusRef{URI: statusURI(iss), Idx: nextIdx}})
		if err != nil {
			return err
		}
		held, err := sdjwt.Decode(is.String())
		if err != nil {
			return err
		}
		w.Creds[name] = held.Select(func(string) bool { return true }).String()
		return nil
	}
	issue := func(name, iss string, key *jose.PrivateKey, at time.Time) error {
		return issueRec(name, iss, key, at, rec)
	}
	h := time.Hour
	for _, c := range []struct {
		name, iss, key string
		at             time.Time
	}{
		{"ok", Clinic, "cur", Now.Add(-h)},
		{"rotated", Clinic, "old", Now.Add(-h)},
		{"early", Clinic, "bad", Now.Add(-100 * h)},
		{"late", Clinic, "bad", Now.Add(-5 * h)},
		{"suspended", Suspended, "gone", Now.Add(-h)},
	} {
		if err := issue(c.name, c.iss, keys[c.key], c.at); err != nil {
			return nil, err
		}
	}
	yf := *rec
	yf.Immunizations = append(yf.Immunizations[:len(yf.Immunizations):len(yf.Immunizations)], vax.Immunization{
		Vaccine: vax.Coding{System: "http://hl7.org/fhir/sid/cvx", Code: "37"},
		Date:    vax.Date{Year: 2026, Month: 11, Day: 15}, Status: vax.StatusCompleted, DoseNumber: 1,
		Performer: "Hosted Clinic", Country: "AE"})
	if err := issueRec("yf", Clinic, keys["cur"], Now.Add(-h), &yf); err != nil {
		return nil, err
	}
	fhir, err := yf.FHIR()
	if err != nil {
		return nil, err
	}
	jws, err := shc.Issue(keys["cur"], fhir, shc.IssueOptions{Issuer: Clinic, NotBefore: Now.Add(-h)})
	if err != nil {
		return nil, err
	}
	if w.Creds["yf-shc"], err = shc.EncodeQR(jws); err != nil {
		return nil, err
	}
	log.Add(anchor.Digest(w.Creds["early"]))
	compromisedSize := log.Size()
	for _, n := range []string{"ok", "late", "rotated"} {
		log.Add(anchor.Digest(w.Creds[n]))
	}
	for _, n := range []string{"ok", "early", "late"} {
		w.Proofs[n] = log.Proof(anchor.Digest(w.Creds[n]), 2, Now.Add(-h)).Format()
	}
	w.Proofs["ok-below-quorum"] = log.Proof(anchor.Digest(w.Creds["ok"]), 1, Now.Add(-h)).Format()

	list, err := status.New(2, 131072)
	if err != nil {
		return nil, err
	}
	var policies []byte
	bundle := func(issued time.Time, cosigners int, old bool) ([]byte, error) {
		version, compromisedAt, compromisedSize := uint64(3), Now.Add(-10*h), compromisedSize
		if old {
			version, compromisedAt, compromisedSize = 2, time.Time{}, 0
		}
		var lists []trust.BundleStatusList
		for _, iss := range []string{Clinic, Suspended} {
			lists = append(lists, trust.BundleStatusList{URI: statusURI(iss), Iss: iss, Bits: 2, Lst: list.Encode(), Iat: issued.Unix(), TTL: 24 * 3600})
		}
		b := &trust.Bundle{Version: version, Issued: issued, Registry: Registry, StatusLists: lists,
			Checkpoint: string(log.Checkpoint(cosigners, Now.Add(-h))),
			Issuers: []trust.BundleIssuer{{
				ID: Clinic, Name: "Hosted Clinic", Country: "NZ", Scope: []string{trust.Scope},
				Keys: []trust.BundleKey{
					{JWK: keys["cur"].Public().JWK(), ValidFrom: Now.Add(-1000 * h)},
					{JWK: keys["old"].Public().JWK(), ValidUntil: Now.Add(-500 * h)},
					{JWK: keys["bad"].Public().JWK(), CompromisedAt: compromisedAt, CompromisedLogSize: compromisedSize},
				},
			}, {
				ID: Suspended, Name: "Gone Clinic", Suspended: true, SuspendedAt: Now.Add(-24 * h),
				Keys: []trust.BundleKey{{JWK: keys["gone"].Public().JWK()}},
			}},
			Advisories: []trust.Advisory{{ID: "adv-1", Title: "Measles", Body: "Check MMR doses", Region: "NZ", Severity: "high", Issued: Now.Add(-h)}},
		}
		b.Policies = policies
		return b.Sign(reg)
	}
	if w.Bundle, err = bundle(Now, 2, false); err != nil {
		return nil, err
	}
	if w.Stale, err = bundle(Now.Add(-200*h), 2, false); err != nil {
		return nil, err
	}
	if w.BelowQuorum, err = bundle(Now, 1, false); err != nil {
		return nil, err
	}
	if w.Old, err = bundle(Now.Add(-20*h), 2, true); err != nil {
		return nil, err
	}
	policies = assets.ContextPolicies()
	if w.Rules, err = bundle(Now, 2, false); err != nil {
		return nil, err
	}
	return w, nil
}
