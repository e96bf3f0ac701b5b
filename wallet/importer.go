package wallet

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/internal/strictjson"
	"github.com/immunopass/immunopass/verifier"
)

// Status is the wallet's verdict on a credential.
type Status string

// Statuses, from the verifier's reasons.
const (
	StatusVerified      Status = "verified"           // valid, issuer in the trust store
	StatusUnknownIssuer Status = "unknown-issuer"     // signature could not be checked: issuer or key not trusted
	StatusRevoked       Status = "revoked"            // revoked or suspended by its issuer
	StatusExpired       Status = "expired"            // past its exp (or not yet valid)
	StatusNotVerifiable Status = "not-yet-verifiable" // a format or algorithm the verifier cannot check
	StatusInvalid       Status = "invalid"            // bad signature, malformed, wrong type
	// StatusUnchecked: the signature holds but revocation could not be
	// checked offline (the wallet has no status list for it).
	StatusUnchecked Status = "revocation-unknown"
)

// Trusted reports a verdict the wallet may keep without warning the user:
// verified, or verified with revocation not checkable offline. Any other
// credential is kept only with KeepUnverified, after a clear warning.
func (s Status) Trusted() bool { return s == StatusVerified || s == StatusUnchecked }

// Credential formats, as the verifier names them.
const (
	FormatSHC     = verifier.FormatSHC
	FormatSDJWTVC = verifier.FormatSDJWTVC
	FormatHCERT   = verifier.FormatHCERT
	FormatVCJWT   = verifier.FormatVCJWT
	FormatDIVOC   = verifier.FormatDIVOC
	FormatVCDI    = verifier.FormatVCDI
)

// Candidate is one credential found by Import, verified, not yet kept.
type Candidate struct {
	Source string // the input's name, and where in it ("card.pdf page 1")
	Format string
	// Text is the credential as the wallet keeps it: an SHC's compact JWS
	// (chunks reassembled), an SD-JWT with all its disclosures, the "HC1:"
	// text, a DIVOC certificate's "B64:" archive or certificate.json, a
	// VC-JWT, a Data Integrity VC's JSON.
	Text string
	// ID is the credential's identity: hex SHA-256 of the issuer-signed JWS
	// (for an SD-JWT the issuer JWT), of certificate.json for DIVOC, or of
	// the text for other formats. The same card imported from an image and
	// from a file has the same ID.
	ID       string
	Status   Status
	Reasons  []string // the verifier's reason codes
	Messages []string // and what they mean
	Issuer   verifier.Issuer
	Subject  verifier.Subject
	Doses    []verifier.Immunization
	IssuedAt time.Time // zero if unknown
	Expires  time.Time // zero if none
	// Duplicate names the profile that already holds this credential, "" if
	// it is new.
	Duplicate string
	// Suggested is the profile the credential most likely belongs to, ""
	// when none matches; Match says how sure.
	Suggested string
	Match     Match
	// Proof is the credential's anchoring proof (c2sp.org/tlog-proof@v1
	// text) when one came with it — in the same text, as a second QR, or
	// as a "<credential>.proof" file (see ProofNames) — and it places the
	// credential in the registry log; "" otherwise. Keep stores it.
	Proof string
	// Anchored is where the proof places the credential, when the wallet's
	// trust policy verifies it; nil otherwise.
	Anchored *verifier.Anchor
	// Warnings are the verifier's warning codes ("stale-trust", "clock-
	// skew", "not-anchored" for a proof that does not hold), explained in
	// Messages after the reasons.
	Warnings []string
	// TrustAge is how old the registry bundle was when a stale one
	// ("stale-trust") served the check, as the verifier writes it ("8d8h").
	TrustAge string
	// TrustAsOf is when the registry bundle the verdict rests on was
	// issued ("checked against trust of 2 Dec, 10:04"); zero when the
	// wallet holds no bundle (VCI snapshots and status lists only, or no
	// trust at all).
	TrustAsOf time.Time

	// batch holds every copy of a record received in one batch, each
	// with its own holder key, when Receive returns this candidate as
	// unverified: KeepUnverified keeps them all, with their keys.
	batch []received
}

// Copies is how many copies of the record this candidate stands for: more
// than 1 for a batch received from a clinic, each copy bound to its own
// key.
func (c Candidate) Copies() int { return max(len(c.batch), 1) }

// Readable reports a candidate that decodes to a credential: it has a
// format the wallet knows and says who it is for or what it holds, even if
// its signature fails. Import never returns an unreadable one and Keep
// refuses it: a truncated or garbled paste is an error, not a record.
func (c Candidate) Readable() bool { return readable(c.Status, c.Subject, c.Doses) }

func readable(st Status, subj verifier.Subject, doses []verifier.Immunization) bool {
	return st != StatusInvalid || subj != (verifier.Subject{}) || len(doses) > 0
}

// Credential is a kept credential.
type Credential struct {
	ID        string
	ProfileID string
	Format    string
	Text      string
	Source    string
	Added     time.Time
	// Status and Reasons are the verdict of the last check (on import, or
	// Recheck).
	Status   Status
	Reasons  []string
	Checked  time.Time
	Issuer   verifier.Issuer
	Subject  verifier.Subject
	Doses    []verifier.Immunization
	IssuedAt time.Time
	Expires  time.Time
	// Bound reports an SD-JWT VC bound to the profile's holder key: it can be
	// presented live and answer challenges.
	Bound bool
	// Proof is the anchoring proof kept with the credential
	// (c2sp.org/tlog-proof@v1 text), "" if none; Present offers it as a
	// second QR code.
	Proof    string           `json:",omitempty"`
	Anchored *verifier.Anchor `json:",omitempty"`
	Warnings []string         `json:",omitempty"`
	TrustAge string           `json:",omitempty"`
	// TrustAsOf is when the registry bundle of the last check was issued
	// (zero without a bundle): a verdict is only as fresh as its trust.
	// Recheck renews it, and AddTrust rechecks every kept credential.
	TrustAsOf time.Time `json:",omitzero"`
	// Batch groups the copies of one record received together (OpenID4VCI
	// batch issuance): each copy has its own salts, signature and holder
	// key, so two presentations of different copies cannot be linked.
	// Credentials lists the copies of a batch as one entry; "" for a
	// credential kept on its own.
	Batch string `json:",omitempty"`
	// Copies is how many copies of this record the wallet holds: set by
	// Credentials on the one entry it lists for a batch, 1 otherwise.
	Copies int `json:"-"`
}

// Import finds every credential in one input — a QR image (PNG, JPEG, GIF,
// SVG), a PDF, a .smart-health-card file, an SD-JWT file, a DIVOC archive
// or certificate.json, a Data Integrity VC's JSON, or pasted text ("shc:/"
// lines including chunks, "IP1:", SD-JWT, "HC1:", DIVOC "B64:", a VC-JWT)
// — verifies each and suggests a profile. It keeps nothing: call Keep. It returns an
// *ImportError when the input holds no credential at all; a credential that
// is found but broken is a Candidate with StatusInvalid.
//
// Anchoring proofs (c2sp.org/tlog-proof@v1) are read too: after the
// credential lines of a text, as a QR code whose text is the proof, or as
// a "<credential>.proof" file on its own (ImportProof reads both files). A
// proof is matched to the credential whose log entry it proves and checked
// with it; Candidate.Proof carries it to Keep.
//
// What is recognised but decodes to no credential (a truncated or garbled
// "shc:/" paste, a challenge, a JWS that is not a health card) is never a
// Candidate: when nothing readable is left, Import returns an *ImportError
// that gives the reason. A proof alone, for a
// credential the wallet holds, gives that credential as a Candidate
// (Duplicate set) with the proof: Keep attaches it. An unreadable proof
// beside credentials is ignored; one alone is an *ImportError.
func (w *Wallet) Import(name string, data []byte) ([]Candidate, error) {
	all, err := extract(name, data)
	if err != nil {
		return nil, err
	}
	var (
		fs       []found
		proofs   []*anchor.Proof
		proofErr error
	)
	for _, f := range all {
		if f.format != formatProof {
			fs = append(fs, f)
			continue
		}
		p, err := anchor.ParseProof([]byte(f.text))
		if err != nil {
			proofErr = cmpOr(proofErr, err)
			continue
		}
		proofs = append(proofs, p)
	}
	var (
		profs []*profileRecord
		held  map[string]string // credential ID → profile
	)
	err = w.view(func(t tx) error {
		var err error
		if profs, err = profiles(t); err != nil {
			return err
		}
		held, err = heldCredentials(t, profs)
		return err
	})
	if err != nil {
		return nil, err
	}
	ts := w.trust()
	var out []Candidate
	var junk []string // why each unreadable text was dropped
	seen := map[string]bool{}
	used := make([]bool, len(proofs))
	for _, f := range fs {
		var p *anchor.Proof
		if f.err == nil {
			p = matchProof(proofs, used, anchor.Digest(f.text))
		}
		c := w.check(ts, f, p)
		if !c.Readable() {
			why := strings.Join(c.Messages, "; ")
			if why == "" {
				why = strings.Join(c.Reasons, ", ")
			}
			junk = append(junk, why)
			continue
		}
		if c.ID != "" {
			if seen[c.ID] {
				continue
			}
			seen[c.ID] = true
		}
		c.Duplicate = held[c.ID]
		c.Suggested, c.Match = suggest(profs, f.text, c.Subject)
		out = append(out, c)
	}
	// Proofs of credentials kept earlier.
	if slices.Contains(used, false) {
		ids := slices.Sorted(maps.Keys(held))
		for _, id := range ids {
			d, err := hex.DecodeString(id)
			if err != nil || len(d) != 32 || seen[id] {
				continue
			}
			p := matchProof(proofs, used, [32]byte(d))
			if p == nil {
				continue
			}
			var kept Credential
			if err := w.view(func(t tx) error { return getCred(t, id, &kept) }); err != nil {
				return nil, err
			}
			c := w.check(ts, found{source: name, format: kept.Format, text: kept.Text}, p)
			c.Duplicate, c.Suggested, c.Match = kept.ProfileID, kept.ProfileID, MatchFull
			seen[id] = true
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		if len(junk) > 0 {
			return nil, &ImportError{Name: name, Problem: "no readable credential in it", Err: &UnreadableError{Reasons: junk}}
		}
		if proofErr != nil && len(proofs) == 0 {
			return nil, &ImportError{Name: name, Problem: "not a readable anchoring proof", Err: proofErr}
		}
		return nil, &ImportError{Name: name, Problem: "an anchoring proof of no credential in this wallet: import it together with its credential"}
	}
	return out, nil
}

// ImportProof imports a credential file together with its anchoring proof
// file (the "<credential>.proof" an issuer writes next to it; see
// ProofNames): the proof is matched as if both were one input.
func (w *Wallet) ImportProof(name string, data []byte, proofName string, proof []byte) ([]Candidate, error) {
	cands, err := w.Import(name, data)
	if err != nil || len(proof) == 0 {
		return cands, err
	}
	pfs, err := extract(proofName, proof)
	if err != nil {
		return nil, err
	}
	var proofs []*anchor.Proof
	for _, f := range pfs {
		if f.format != formatProof {
			continue
		}
		p, err := anchor.ParseProof([]byte(f.text))
		if err != nil {
			return nil, &ImportError{Name: proofName, Problem: "not a readable anchoring proof", Err: err}
		}
		proofs = append(proofs, p)
	}
	if len(proofs) == 0 {
		return nil, &ImportError{Name: proofName, Problem: "no anchoring proof (c2sp.org/tlog-proof@v1) in it"}
	}
	ts := w.trust()
	used := make([]bool, len(proofs))
	matched := false
	for i, c := range cands {
		if c.Proof != "" || c.Status == StatusInvalid && c.Subject == (verifier.Subject{}) {
			continue
		}
		p := matchProof(proofs, used, anchor.Digest(c.Text))
		if p == nil {
			continue
		}
		matched = true
		nc := w.check(ts, found{source: c.Source, format: c.Format, text: c.Text}, p)
		nc.Duplicate, nc.Suggested, nc.Match = c.Duplicate, c.Suggested, c.Match
		cands[i] = nc
	}
	if !matched {
		return nil, &ImportError{Name: proofName, Problem: fmt.Sprintf("the anchoring proof is not the proof of any credential in %q", name)}
	}
	return cands, nil
}

// ProofNames lists the names an issuer gives the anchoring proof of the
// credential file name, most likely first: "card.sdjwt" → "card.sdjwt.proof",
// "card.proof"; "card.png" → "card.proof", "card.png.proof". The app looks
// for them next to a file the user opens and passes one to ImportProof.
func ProofNames(name string) []string {
	ext := filepath.Ext(name)
	base := strings.TrimSuffix(name, ext) + ".proof"
	switch strings.ToLower(ext) {
	case "", ".proof":
		return nil
	case ".sdjwt", ".txt":
		return []string{name + ".proof", base}
	}
	return []string{base, name + ".proof"}
}

// matchProof returns the first unused proof that places digest in its log,
// marking it used; nil when none does. Only the inclusion is checked here:
// the verifier checks the signatures.
func matchProof(proofs []*anchor.Proof, used []bool, digest [32]byte) *anchor.Proof {
	for i, p := range proofs {
		if used[i] {
			continue
		}
		c, err := anchor.ParseCheckpoint(p.Checkpoint)
		if err != nil || p.Includes(digest, c) != nil {
			continue
		}
		used[i] = true
		return p
	}
	return nil
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// check verifies one found text, with its anchoring proof when it has one.
// The proof is used only when the trust holds a registry policy; a proof
// that does not hold is dropped (warning "not-anchored") and the credential
// judged without it.
func (w *Wallet) check(ts *trust.Store, f found, proof *anchor.Proof) Candidate {
	c := Candidate{Source: f.source, Format: f.format, Text: f.text}
	if f.err != nil {
		c.Status = StatusInvalid
		c.Reasons = []string{verifier.Reason(f.err)}
		c.Messages = []string{f.err.Error()}
		c.ID = credentialID(f.text)
		return c
	}
	v := verifier.Verifier{Trust: ts, At: w.now()}
	// The text is handed over without the file name: the verifier takes a
	// name ending in .png for an image.
	in := []verifier.Input{{Name: "credential", Data: []byte(f.text)}}
	usable := proof != nil && len(ts.Bundles()) > 0
	if usable {
		v.Proofs = []*anchor.Proof{proof}
	}
	rs := v.Verify(in)
	if len(rs) == 0 {
		c.Status = StatusInvalid
		return c
	}
	r := rs[0]
	if usable && slices.Contains(r.Reasons, verifier.NotAnchored) {
		var why []string
		for _, m := range r.Messages {
			if strings.Contains(m, "anchoring proof") {
				why = append(why, m)
			}
		}
		v.Proofs, proof = nil, nil
		if rs = v.Verify(in); len(rs) > 0 {
			r = rs[0]
		}
		r.Warnings = append(r.Warnings, verifier.NotAnchored)
		r.Messages = append(r.Messages, why...)
	}
	if r.Format != "" {
		c.Format = r.Format
	}
	c.Status = statusOf(r)
	c.Reasons, c.Messages, c.Warnings = r.Reasons, r.Messages, r.Warnings
	c.Anchored, c.TrustAge = r.Anchored, r.TrustAge
	c.TrustAsOf = trustAsOf(ts)
	if proof != nil {
		c.Proof = string(proof.Format())
	}
	c.Issuer, c.Subject, c.Doses = r.Issuer, r.Subject, r.Immunizations
	c.ID = credentialID(f.text)
	c.IssuedAt, c.Expires = validity(f.text)
	// What an unverified credential says is still shown (marked), so the
	// user can decide: read it without the signature check. Not for the
	// JSON-LD and VC formats once their check failed: what their signature
	// does not cover (an undefined term, an edit) must never be shown.
	if c.Subject == (verifier.Subject{}) && (c.Status != StatusInvalid || !isW3C(c.Format)) {
		if rec := unverifiedRecord(f.text); rec != nil {
			c.Subject = verifier.Subject{Name: rec.Patient.Name(), BirthDate: rec.Patient.BirthDate.String()}
			if len(c.Doses) == 0 {
				c.Doses = doses(rec)
			}
		}
	}
	return c
}

// trustAsOf is when the newest registry bundle in ts was issued; zero when
// it holds none.
func trustAsOf(ts *trust.Store) time.Time {
	bs := ts.Bundles()
	if len(bs) == 0 {
		return time.Time{}
	}
	return bs[len(bs)-1].Issued.UTC()
}

// parseKeptProof reads a kept proof; nil when there is none (or it no
// longer parses, which Keep never stores).
func parseKeptProof(text string) *anchor.Proof {
	if text == "" {
		return nil
	}
	p, err := anchor.ParseProof([]byte(text))
	if err != nil {
		return nil
	}
	return p
}

// statusOf maps a verifier result to the wallet's verdict.
func statusOf(r verifier.Result) Status {
	if r.Valid {
		return StatusVerified
	}
	switch r.Reasons[0] {
	case verifier.UnknownIssuer, verifier.UnknownKID, verifier.BadKey, verifier.BadIssuerURL:
		return StatusUnknownIssuer
	case verifier.Revoked, verifier.Suspended, verifier.IssuerSuspended, verifier.KeyUsage:
		return StatusRevoked
	case verifier.Expired, verifier.NotYetValid:
		return StatusExpired
	case verifier.Policy:
		return StatusNotVerifiable
	case verifier.BadCRL:
		return StatusUnchecked
	}
	return StatusInvalid
}

// credentialID is the hex SHA-256 of the issuer-signed JWS as received: for
// an SD-JWT the text before the first "~", as the registry anchors it.
func credentialID(text string) string {
	if id, ok := w3cID(text); ok {
		return id
	}
	if i := strings.IndexByte(text, '~'); i >= 0 {
		text = text[:i]
	}
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// validity reads iat/nbf and exp without verifying.
func validity(text string) (iat, exp time.Time) {
	if strings.HasPrefix(text, divocB64Prefix) || strings.HasPrefix(text, "{") {
		iat, exp, _ = w3cValidity(text)
		return
	}
	if strings.Contains(text, "~") {
		if h, err := sdjwt.Decode(text); err == nil {
			v, _ := h.Claims.Get("iat")
			iat = numericDate(v)
			v, _ = h.Claims.Get("exp")
			exp = numericDate(v)
		}
		return
	}
	if card, err := shc.Parse(text); err == nil {
		iat = time.Unix(int64(card.Claims.NBF), 0).UTC()
		if card.Claims.HasExp {
			exp = time.Unix(int64(card.Claims.Exp), 0).UTC()
		}
		return
	}
	iat, exp, _ = w3cValidity(text) // a VC-JWT
	return
}

func numericDate(v any) time.Time {
	type number interface{ Int64() (int64, error) }
	if n, ok := v.(number); ok {
		if i, err := n.Int64(); err == nil {
			return time.Unix(i, 0).UTC()
		}
	}
	return time.Time{}
}

// unverifiedRecord reads the record a credential carries without checking
// its signature; nil when it has none.
func unverifiedRecord(text string) *vax.Record {
	if strings.HasPrefix(text, divocB64Prefix) || strings.HasPrefix(text, "{") {
		if w := w3cParse(text); w != nil {
			return w.rec
		}
		return nil
	}
	if strings.Contains(text, "~") {
		h, err := sdjwt.Decode(text)
		if err != nil {
			return nil
		}
		rec, err := sdjwt.ToRecord(h.Claims)
		if err != nil {
			return nil
		}
		return rec
	}
	card, err := shc.Parse(text)
	if err != nil {
		if w := w3cParse(text); w != nil { // a VC-JWT
			return w.rec
		}
		return nil
	}
	rec, _, err := card.Record()
	if err != nil {
		return nil
	}
	return rec
}

func doses(rec *vax.Record) []verifier.Immunization {
	var out []verifier.Immunization
	for _, im := range rec.Immunizations {
		d := im.Vaccine.Display
		if d == "" {
			d = vax.Display(im.Vaccine.System, im.Vaccine.Code)
		}
		out = append(out, verifier.Immunization{
			Vaccine: verifier.Vaccine{System: im.Vaccine.System, Code: im.Vaccine.Code, Display: d},
			Date:    im.Date.String(), Dose: im.DoseNumber, Lot: im.Lot, Performer: im.Performer, Country: im.Country,
		})
	}
	return out
}

// holderDID returns the did:key of the holder key an SD-JWT is bound to
// (cnf.jwk), or "".
func holderDID(text string) string {
	if !strings.Contains(text, "~") {
		return ""
	}
	h, err := sdjwt.Decode(text)
	if err != nil {
		return ""
	}
	cnf, _ := h.Claims.Get("cnf")
	co, _ := cnf.(strictjson.Object)
	jwk, _ := co.Get("jwk")
	jo, _ := jwk.(strictjson.Object)
	str := func(n string) string { v, _ := jo.Get(n); s, _ := v.(string); return s }
	k, err := jose.KeyFromEC(str("kty"), str("crv"), str("x"), str("y"), false)
	if err != nil {
		return ""
	}
	return k.DIDKey()
}

// suggest picks the profile a credential belongs to: the profile whose
// holder key it is bound to, else the best name and birth date match, else
// none. Two profiles matching equally well suggest none.
func suggest(profs []*profileRecord, text string, subj verifier.Subject) (string, Match) {
	if did := holderDID(text); did != "" {
		for _, p := range profs {
			if p.HolderDID == did {
				return p.ID, MatchHolderKey
			}
		}
	}
	birth, _ := vax.ParseDate(subj.BirthDate)
	best, level, ties := "", MatchNone, 0
	for _, p := range profs {
		m := MatchProfile(p.Profile, subj.Name, birth)
		switch {
		case m > level:
			best, level, ties = p.ID, m, 1
		case m == level && m > MatchNone:
			ties++
		}
	}
	if ties > 1 {
		return "", level
	}
	return best, level
}
