// Package verifier turns what a school secretary or a border officer scans
// into a verdict with reasons, offline.
//
// # What goes in
//
// An [Input] is a named byte string: a QR image (PNG, JPEG, GIF, SVG), a
// ".smart-health-card" file, or text holding "shc:/…" lines (one QR chunk a
// line), "HC1:…", "B64:…" (DIVOC), a compact JWS or an SD-JWT; a DIVOC ZIP
// archive or certificate.json; a JSON credential with a Data Integrity
// proof. [Verifier.Verify] detects the
// format, decodes, checks the signature against the trust store, then the
// credential type, revocation and the validity window, and returns one
// [Result] per credential. Chunks of one SMART Health Card spread across
// several inputs are put back together, in any order.
//
// # What is trusted
//
// Only the [trust.Store] handed in: keys are found by (issuer, kid). Nothing
// is fetched: the verifier makes no network call, so it works the same in a
// school office and at a border post without coverage.
//
// # Registry trust and anchoring
//
// A store filled from a registry bundle ([trust.Store.LoadBundle], checked
// by the operator's trust policy) adds, once a credential's signature holds:
// issuer-suspended for a suspended issuer; key-usage for a credential issued
// outside its key's or issuer's validity window, or under a compromised key
// without a proof that it was anchored before the compromise (log index <
// compromisedLogSize); and the stale-trust warning, with the bundle's age,
// on every result when the bundle is older than the policy allows.
// Anchoring proofs (c2sp.org/tlog-proof) come in [Verifier.Proofs] or among
// the inputs: a text input's proofs start at a "c2sp.org/tlog-proof@v1"
// line after any credential lines, and a QR code whose text is a tlog-proof
// is one. Each proof is matched to its credential by the log entry
// ([anchor.Digest]) its inclusion proof places in the tree, then checked
// against the policy (log signature, witness quorum). A matching proof that
// does not hold, or none with [Verifier.RequireAnchor], is not-anchored.
//
// # What comes out
//
// Each Result has a primary reason code (the first of Reasons; "ok" when the
// credential is valid) drawn from the fixed list in DESIGN.md, the messages
// that explain them, and what the credential says about the person and
// their doses. Errors become codes in one place: [Reason].
//
// # Context policies
//
// With [Verifier.Context] set (a context of package credential/policy:
// school entry, yellow fever, a traveller rule set), each Result also
// carries Policy: whether the person meets the context's rules, does not
// (the rules not met, in words, in [Verifier.Lang]), or the verifier cannot
// tell. It is a second verdict: it never changes Valid or Reasons, and an
// invalid credential gets "cannot tell". The rules read the format-neutral
// view of the record the format yielded, or an EU DCC's own payload
// ([ContextSubject]), so one policy applies to every format.
//
// # Formats
//
// SMART Health Cards and SD-JWT VC presentations (as "~" text or in the
// compact "IP1:" QR form, in static, live and challenge modes) and EU DCC /
// WHO DDCC (HC1:, against document signer certificates in the store) are
// verified in full, and so are DIVOC certificates (the QR's ZIP archive,
// "B64:" text or certificate.json; RsaSignature2018, Ed25519Signature2018)
// and W3C verifiable credentials: VC-JWT 1.1 and VC 2.0 with JOSE
// ("vc-jwt", ES256) and with a Data Integrity proof ("vc-di",
// eddsa-rdfc-2022, ecdsa-rdfc-2019). For the JSON-LD formats only what the
// signature covers is shown: every shown field must be in the signed
// canonical quads (credential/ld), else bad-payload.
//
// Each format is one type behind one small interface (format.go): detect,
// decode, check against trust, normalised record. Adding a format is adding
// a file.
package verifier

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/credential/divoc"
	"github.com/immunopass/immunopass/credential/hcert"
	"github.com/immunopass/immunopass/credential/policy"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/credential/vax"
)

// Format names.
const (
	FormatSHC     = "shc"
	FormatSDJWTVC = "sd-jwt-vc"
	FormatHCERT   = "hcert"
	FormatVCJWT   = "vc-jwt"
	FormatDIVOC   = "divoc"
)

// MaxInput bounds one input; larger inputs are refused as too-large.
const MaxInput = 16 << 20

// DefaultImageBudget is how long one Verify call may spend reading QR
// codes in images, all images together, unless Verifier.ImageBudget says
// otherwise. One image takes milliseconds when clean and at most a few
// seconds when hostile or unreadable; images left when the budget is spent
// are qr-decode-error, saying so.
const DefaultImageBudget = 10 * time.Second

// Input is one thing to verify.
type Input struct {
	Name string // a path, "-" for stdin, or any label
	Data []byte
}

// Result is the verdict on one credential. Its JSON form is the contract
// of `verifier verify --json`.
type Result struct {
	Input  string `json:"input"`
	Format string `json:"format"`
	// Kind is what an EU DCC holds: "vaccination", "test" or "recovery"
	// (absent for the other formats, which hold vaccinations only).
	Kind          string         `json:"kind,omitempty"`
	Valid         bool           `json:"valid"`
	Reasons       []string       `json:"reasons"`
	Warnings      []string       `json:"warnings"`
	Issuer        Issuer         `json:"issuer"`
	Subject       Subject        `json:"subject"`
	Immunizations []Immunization `json:"immunizations"`
	Binding       string         `json:"binding"`
	Disclosed     []string       `json:"disclosed"`
	Withheld      int            `json:"withheld"`
	// Messages explain Reasons and Warnings in words, in the same order.
	Messages []string `json:"messages,omitempty"`
	// Anchored is set when a presented proof anchors the credential.
	Anchored *Anchor `json:"anchored,omitempty"`
	// TrustAge is the age of a stale trust bundle ("8d3h"), with the
	// stale-trust warning.
	TrustAge string        `json:"trustAge,omitempty"`
	trustAge time.Duration `json:"-"`
	// Policy is the answer of the context asked with [Verifier.Context]:
	// meets / does not meet / cannot tell, separate from Valid (a valid
	// credential can fail a rule).
	Policy *policy.Verdict `json:"policy,omitempty"`

	record *vax.Record // what fill showed, for the context's view
	hc     *hcert.Cert // an EU DCC's payload, for rules in EU DCC form
}

// Issuer identifies who signed a credential.
type Issuer struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	KID  string `json:"kid"`
}

// Subject is the person a credential is about, as far as it discloses.
type Subject struct {
	Name      string `json:"name"`
	BirthDate string `json:"birthDate"`
}

// Immunization is one dose as the credential states it.
type Immunization struct {
	Vaccine   Vaccine `json:"vaccine"`
	Date      string  `json:"date"`
	Dose      int     `json:"dose,omitempty"`
	Lot       string  `json:"lot,omitempty"`
	Performer string  `json:"performer,omitempty"`
	Country   string  `json:"country,omitempty"`

	// series is the number of doses in the series, when the credential
	// states it (DIVOC's totalDoses): not in the report's JSON (the
	// contract's dose fields), read by the context policies.
	series int
}

// Vaccine is a coded vaccine with its display name.
type Vaccine struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
}

// Verifier verifies credentials against a trust store at a given instant.
type Verifier struct {
	Trust *trust.Store
	// At is the instant to verify as of; zero means time.Now().
	At time.Time
	// Window is how far a key binding's iat may be from the verifier's
	// clock; zero means ±60 s (sdjwt.DefaultWindow). Offline verifiers'
	// clocks drift: an operator may widen it.
	Window time.Duration
	// Context, when set, adds its verdict to every result (Result.Policy).
	Context *policy.Context
	// Lang is the language of the context's rule descriptions: en, fr or
	// ar ("" means en).
	Lang string
	// Challenge, when set, requires SD-JWT presentations to answer it.
	Challenge *sdjwt.Expect
	// Answers, with Challenge, accepts one answer per challenge nonce: a
	// replayed or second answer is challenge-mismatch. A verifier that
	// makes challenges holds one guard for its whole life; nil means a
	// fresh guard per Verify call (an answer given twice in one call is
	// still refused the second time).
	Answers *Answers
	// Proofs are anchoring proofs (tlog-proofs) presented beside the
	// inputs; proofs found in the inputs themselves are added per call.
	// Each is matched to its credential by the log entry it proves.
	Proofs []*anchor.Proof
	// RequireAnchor fails credentials without a valid proof (not-anchored).
	RequireAnchor bool
	// ImageBudget bounds the time one Verify call spends reading images;
	// zero means DefaultImageBudget.
	ImageBudget time.Duration
}

// item is one credential text found in an input.
type item struct {
	input string
	text  string
	err   error // set when the input could not be read as a credential
	chunk *shc.Chunk
	proof *anchor.Proof // set when the item is an anchoring proof
}

// Verify verifies every credential found in the inputs and returns one
// Result per credential, in input order. Chunks of one SMART Health Card
// across inputs are reassembled into one Result.
func (v *Verifier) Verify(inputs []Input) []Result {
	if v.Trust == nil {
		v.Trust = trust.New()
	}
	budget := v.ImageBudget
	if budget <= 0 {
		budget = DefaultImageBudget
	}
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	var items []item
	for _, in := range inputs {
		items = append(items, v.extract(ctx, in)...)
	}
	// Proofs among the inputs serve every credential of this call.
	call := *v
	call.Proofs = slices.Clone(v.Proofs)
	if call.Challenge != nil && call.Answers == nil {
		call.Answers = NewAnswers(0)
	}
	for _, it := range items {
		if it.proof != nil {
			call.Proofs = append(call.Proofs, it.proof)
		}
	}
	out := call.verifyItems(items)
	ws := v.Trust.Warnings()
	for i := range out {
		addTrustWarnings(&out[i], ws)
		if v.Context != nil {
			out[i].Policy = v.checkContext(&out[i])
		}
	}
	return out
}

func (v *Verifier) verifyItems(items []item) []Result {
	out := make([]Result, 0, len(items))
	var (
		groups map[int][]int // chunk total → indexes into items; made for the first chunk
		slot   map[int]int   // chunk total → index of its Result in out
	)
	for i := range items {
		it := &items[i]
		if it.proof != nil {
			continue
		}
		// Only a chunk ("shc:/C/N/…") has a '/' after the prefix: a
		// one-QR card is decoded once, by its format.
		if it.err == nil && isSHCQR(it.text) && strings.IndexByte(it.text[5:], '/') >= 0 {
			if c, err := shc.ParseQR(it.text); err == nil && c.Total > 1 {
				if groups == nil {
					groups, slot = map[int][]int{}, map[int]int{}
				}
				it.chunk = c
				if _, seen := slot[c.Total]; !seen {
					slot[c.Total] = len(out)
					out = append(out, Result{})
				}
				groups[c.Total] = append(groups[c.Total], i)
				continue
			}
		}
		out = append(out, v.verifyItem(it))
	}
	for n, idx := range groups {
		var chunks []*shc.Chunk
		input := items[idx[0]].input
		for _, i := range idx {
			chunks = append(chunks, items[i].chunk)
			if items[i].chunk.Index == 1 {
				input = items[i].input
			}
		}
		if jws, err := shc.Assemble(chunks); err != nil {
			out[slot[n]] = failed(input, FormatSHC, err)
		} else {
			out[slot[n]] = v.verifySHC(input, jws)
		}
	}
	return out
}

// extract finds the credential texts in one input; ctx bounds the time
// spent reading images.
func (v *Verifier) extract(ctx context.Context, in Input) []item {
	if len(in.Data) > MaxInput {
		return []item{{input: in.Name, err: &shc.TooLargeError{What: "input", Size: len(in.Data), Limit: MaxInput}}}
	}
	data := bytes.TrimSpace(bytes.TrimPrefix(in.Data, []byte("\xef\xbb\xbf")))
	if len(data) == 0 {
		return []item{{input: in.Name, err: &UnrecognisedError{Start: ""}}}
	}
	// A DIVOC payload read from a file: the raw ZIP archive (untrimmed:
	// its bytes are binary) or certificate.json.
	if divoc.IsPayload(string(in.Data)) || isDIVOCJSON(data) || isDIJSON(data) {
		text := string(data)
		if divoc.IsPayload(string(in.Data)) {
			text = string(in.Data)
		}
		return []item{{input: in.Name, text: text}}
	}
	if isImageName(in.Name) || !looksText(data) {
		texts, err := qr.DecodeContext(ctx, in.Data)
		if err != nil {
			return []item{{input: in.Name, err: err}}
		}
		var out []item
		for _, t := range texts {
			if strings.HasPrefix(t, anchor.ProofHeader) {
				out = append(out, proofItem(in.Name, normalizeProof([]byte(t))))
				continue
			}
			out = append(out, item{input: in.Name, text: strings.TrimSpace(t)})
		}
		return out
	}
	if data[0] == '{' {
		jws, err := shc.ParseFile(data)
		if err != nil {
			return []item{{input: in.Name, err: err}}
		}
		var out []item
		for _, j := range jws {
			out = append(out, item{input: in.Name, text: j})
		}
		return out
	}
	data, proofs := splitProofs(data)
	var out []item
	for _, p := range proofs {
		out = append(out, proofItem(in.Name, p))
	}
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, item{input: in.Name, text: line})
		}
	}
	return out
}

// looksText reports whether data is a credential in text form rather than
// an image: valid UTF-8 that starts like one of the text formats.
func looksText(data []byte) bool {
	if !utf8.Valid(data) || data[0] == '<' {
		return false
	}
	if data[0] == '{' {
		return true
	}
	for _, b := range data[:min(len(data), 256)] {
		if b < 0x20 && b != '\n' && b != '\r' && b != '\t' {
			return false
		}
	}
	return true
}

// isImageName reports whether a file name says it is an image, which wins
// over content sniffing: a damaged photo is a failed scan, not a text.
func isImageName(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".jpg", ".jpeg", ".gif", ".svg":
		return true
	}
	return false
}

func (v *Verifier) verifyItem(it *item) Result {
	if it.err != nil {
		return failed(it.input, formatOfErr(it.text), it.err)
	}
	return v.verifyText(it.input, it.text)
}

func formatOfErr(text string) string {
	if isSHCQR(text) {
		return FormatSHC
	}
	return ""
}

func failed(input, format string, err error) Result {
	r := Result{Input: input, Format: format, Binding: "none", Warnings: []string{}, Disclosed: []string{}, Immunizations: []Immunization{}}
	r.Reasons, r.Messages = reasons(err)
	return r
}

func fill(r *Result, rec *vax.Record) {
	r.record = rec
	r.Subject = Subject{Name: rec.Patient.Name(), BirthDate: rec.Patient.BirthDate.String()}
	r.Immunizations = slices.Grow(r.Immunizations, len(rec.Immunizations))
	for _, im := range rec.Immunizations {
		display := im.Vaccine.Display
		if display == "" {
			display = vax.Display(im.Vaccine.System, im.Vaccine.Code)
		}
		r.Immunizations = append(r.Immunizations, Immunization{
			Vaccine:   Vaccine{System: im.Vaccine.System, Code: im.Vaccine.Code, Display: display},
			Date:      im.Date.String(),
			Dose:      im.DoseNumber,
			Lot:       im.Lot,
			Performer: im.Performer,
			Country:   im.Country,
		})
	}
}

// proofItem parses one anchoring proof found in an input; a proof that does
// not parse becomes a failed result of its own.
func proofItem(input string, text []byte) item {
	p, err := anchor.ParseProof(text)
	if err != nil {
		return item{input: input, text: anchor.ProofHeader, err: err}
	}
	return item{input: input, proof: p}
}
