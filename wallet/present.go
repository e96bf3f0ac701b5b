package wallet

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/internal/strictjson"
)

// Presentation modes.
const (
	ModeStatic    = "static"    // no key binding: for print, SHC, or verifiers that cannot check binding
	ModeLive      = "live"      // KB-JWT refreshed every LiveRefresh
	ModeChallenge = "challenge" // KB-JWT answering a verifier's challenge
)

// LiveRefresh is how often a live presentation is re-bound.
const LiveRefresh = 30 * time.Second

// Preset is a ready choice of what to disclose for a context.
type Preset struct {
	ID          string // "school", "travel-yellow-fever", "travel-polio", "full"
	Name        string
	Description string
	Names       bool     // disclose given and family names
	BirthDate   bool     // disclose the birth date
	Diseases    []string // disclose the doses against these diseases; nil: all doses
	Mode        string   // the suggested mode
}

// PresentRequest says what to present.
type PresentRequest struct {
	ProfileID string
	// Credentials are the credential IDs to present; empty means every
	// credential of the profile that the preset needs.
	Credentials []string
	// Preset picks claims by context; Claims, when set, overrides it with
	// explicit SD-JWT claim paths ("given_name", "birthdate", "doses[2]").
	Preset string
	Claims []string
	// Custom, when set, is the user's own choice (name, birth date, these
	// diseases; Diseases nil means every dose, empty means none) and is
	// used instead of Preset; its Mode is the default when Mode is "".
	// The history logs its ID, or "custom".
	Custom *Preset
	Mode   string // ModeStatic or ModeLive; "" means the preset's
	// To is who the presentation is for, for the history ("Lycée Molière").
	To string
}

// Presentation is what to show: one QR text per credential.
type Presentation struct {
	Items []PresentedItem
	Mode  string
	// Expires is when a live presentation must be refreshed (call Refresh);
	// zero for static ones.
	Expires   time.Time
	HistoryID string

	profileID string
	sels      []*sdjwt.Presentation // per item, nil for SHC
	aud       string
}

// PresentedItem is one credential as presented.
type PresentedItem struct {
	CredentialID string
	Format       string
	// QR is the text to encode in the QR code ("IP1:…" or "shc:/…"); Text
	// is the same presentation in its plain form (SD-JWT "~" text or JWS).
	QR        string
	Text      string
	Disclosed []string // claim paths or, for an SHC, "everything"
	Withheld  int
	// Proof is the credential's anchoring proof (c2sp.org/tlog-proof@v1
	// text) when the wallet keeps one: show it as a second QR code whose
	// text is exactly this (a verifier that requires anchoring reads the
	// pair). Set on the first item of each credential; "" otherwise.
	Proof string
}

// School and travel needs, as the presets encode them.
var (
	schoolDiseases = []string{"Measles", "Mumps", "Rubella", "Diphtheria", "Tetanus", "Pertussis", "Polio", "Hepatitis B", "Varicella"}
	presets        = []Preset{
		{ID: "school", Name: "School", Description: "Name and the vaccines schools ask for: MMR, DTaP/Tdap, polio, hepatitis B, varicella",
			Names: true, Diseases: schoolDiseases, Mode: ModeLive},
		{ID: "travel-yellow-fever", Name: "Travel: yellow fever", Description: "Name, birth date and yellow fever vaccination, for a border check",
			Names: true, BirthDate: true, Diseases: []string{"Yellow fever"}, Mode: ModeLive},
		{ID: "travel-polio", Name: "Travel: polio", Description: "Name, birth date and polio vaccination, for a border check",
			Names: true, BirthDate: true, Diseases: []string{"Polio"}, Mode: ModeLive},
		{ID: "full", Name: "Everything", Description: "The whole record: name, birth date, every dose",
			Names: true, BirthDate: true, Mode: ModeStatic},
	}
)

// Presets lists the presets.
func Presets() []Preset {
	out := slices.Clone(presets)
	for i := range out {
		out[i].Diseases = slices.Clone(out[i].Diseases)
	}
	return out
}

func presetByID(id string) (Preset, bool) {
	for _, p := range presets {
		if p.ID == id {
			return p, true
		}
	}
	return Preset{}, false
}

// PresentError reports a presentation that cannot be made as asked.
type PresentError struct{ Problem string }

func (e *PresentError) Error() string { return "present: " + e.Problem }

// keepFunc says which claim paths of a held SD-JWT a preset discloses.
func keepFunc(h *sdjwt.Held, p Preset) func(string) bool {
	return func(path string) bool {
		switch path {
		case "given_name", "family_name":
			return p.Names
		case "birthdate":
			return p.BirthDate
		}
		if i, ok := doseIndex(path); ok {
			if p.Diseases == nil {
				return true
			}
			for _, d := range doseDiseases(h.Claims, i) {
				if slices.Contains(p.Diseases, d) {
					return true
				}
			}
		}
		return false
	}
}

func doseIndex(path string) (int, bool) {
	if !strings.HasPrefix(path, "doses[") || !strings.HasSuffix(path, "]") {
		return 0, false
	}
	i, err := strconv.Atoi(path[len("doses[") : len(path)-1])
	return i, err == nil && i >= 0
}

// doseDiseases returns the target diseases of the i-th dose of the claims.
func doseDiseases(claims strictjson.Object, i int) []string {
	dv, _ := claims.Get("doses")
	doses, _ := dv.([]any)
	if i >= len(doses) {
		return nil
	}
	o, _ := doses[i].(strictjson.Object)
	vv, _ := o.Get("vaccine")
	vo, _ := vv.(strictjson.Object)
	sys, _ := vo.Get("system")
	code, _ := vo.Get("code")
	ss, _ := sys.(string)
	cs, _ := code.(string)
	return vax.Diseases(ss, cs)
}

// Present makes a presentation and logs it in the history.
func (w *Wallet) Present(req PresentRequest) (*Presentation, error) {
	pr := Preset{Names: true, BirthDate: true, Mode: ModeStatic}
	if req.Custom != nil {
		pr = *req.Custom
		pr.Diseases = slices.Clone(req.Custom.Diseases)
		if pr.Mode == "" {
			pr.Mode = ModeStatic
		}
	} else if req.Preset != "" {
		var ok bool
		if pr, ok = presetByID(req.Preset); !ok {
			return nil, &PresentError{Problem: fmt.Sprintf("unknown preset %q", req.Preset)}
		}
	}
	mode := req.Mode
	if mode == "" {
		mode = pr.Mode
	}
	if mode != ModeStatic && mode != ModeLive {
		return nil, &PresentError{Problem: fmt.Sprintf("unknown mode %q", mode)}
	}
	prof, err := w.Profile(req.ProfileID)
	if err != nil {
		return nil, err
	}
	creds, err := w.Credentials(req.ProfileID)
	if err != nil {
		return nil, err
	}
	var chosen []Credential
	if len(req.Credentials) > 0 {
		for _, id := range req.Credentials {
			i := slices.IndexFunc(creds, func(c Credential) bool { return c.ID == id })
			if i < 0 {
				// Another copy of a listed record (named by the history,
				// say): the record, whose least-shown copy is presented.
				if c, err := w.Credential(id); err == nil && c.ProfileID == req.ProfileID && c.Batch != "" {
					i = slices.IndexFunc(creds, func(x Credential) bool { return x.Batch == c.Batch })
				}
			}
			if i < 0 {
				return nil, &NotFoundError{Kind: "credential", ID: id}
			}
			chosen = append(chosen, creds[i])
		}
	} else {
		// Every presentable credential of the person that holds a dose
		// the preset needs; SD-JWT VCs before SMART Health Cards, which
		// cannot withhold anything.
		for _, c := range creds {
			if c.Status == StatusInvalid || (c.Format != FormatSDJWTVC && c.Format != FormatSHC && !Whole(c.Format)) {
				continue
			}
			if mode == ModeLive && !c.Bound {
				continue
			}
			if pr.Diseases == nil || (len(pr.Diseases) == 0 && (pr.Names || pr.BirthDate)) || coversAny(c, pr.Diseases) {
				chosen = append(chosen, c)
			}
		}
		// A bound or static SD-JWT VC can withhold; SMART Health Cards,
		// EU DCCs, DIVOC certificates and W3C VCs cannot, so they are
		// offered only when no SD-JWT VC is.
		if slices.ContainsFunc(chosen, func(c Credential) bool { return c.Format == FormatSDJWTVC }) {
			chosen = slices.DeleteFunc(chosen, func(c Credential) bool { return c.Format == FormatSHC || Whole(c.Format) })
		}
	}
	if len(chosen) == 0 {
		return nil, &PresentError{Problem: "no credential of " + prof.Name() + " can be presented this way"}
	}
	out := &Presentation{Mode: mode, profileID: req.ProfileID, aud: sdjwt.AudLive}
	for _, c := range chosen {
		switch c.Format {
		case FormatSHC:
			if mode == ModeLive {
				return nil, &PresentError{Problem: "a SMART Health Card has no live mode: present it static"}
			}
			qrs, err := shcQR(c.Text)
			if err != nil {
				return nil, err
			}
			for i, q := range qrs {
				out.Items = append(out.Items, PresentedItem{CredentialID: c.ID, Format: c.Format, QR: q, Text: c.Text, Disclosed: []string{"everything"}})
				if i == 0 {
					out.Items[len(out.Items)-1].Proof = c.Proof
				}
				out.sels = append(out.sels, nil)
			}
		case FormatSDJWTVC:
			// Of a record received as several copies, the copy shown
			// least often: each has its own salts, signature and key.
			if err := w.view(func(t tx) error {
				var err error
				c, err = pickCopy(t, c)
				return err
			}); err != nil {
				return nil, err
			}
			h, err := sdjwt.Decode(c.Text)
			if err != nil {
				return nil, err
			}
			var sel *sdjwt.Presentation
			if len(req.Claims) > 0 {
				sel = h.Select(func(p string) bool { return slices.Contains(req.Claims, p) })
			} else {
				sel = h.Select(keepFunc(h, pr))
			}
			if mode == ModeLive {
				if !c.Bound {
					return nil, &PresentError{Problem: "this credential is not bound to " + prof.Name() + "'s key: present it static"}
				}
			}
			out.Items = append(out.Items, PresentedItem{CredentialID: c.ID, Format: c.Format, Proof: c.Proof})
			out.sels = append(out.sels, sel)
			it := &out.Items[len(out.Items)-1]
			it.Disclosed, it.Withheld = disclosedPaths(h, sel)
		case FormatHCERT:
			// An EU DCC has no selective disclosure and no holder binding:
			// it is shown as the issuer's own code, whole.
			if mode == ModeLive {
				return nil, &PresentError{Problem: "an EU Digital COVID Certificate has no live mode and cannot hide anything: present it static"}
			}
			out.Items = append(out.Items, PresentedItem{CredentialID: c.ID, Format: c.Format, QR: c.Text, Text: c.Text, Disclosed: []string{"everything"}, Proof: c.Proof})
			out.sels = append(out.sels, nil)
		case FormatDIVOC, FormatVCJWT, FormatVCDI:
			// Like an EU DCC: no selective disclosure, no holder binding;
			// shown as the issuer's own code (DIVOC: its ZIP archive in a
			// byte-mode QR code), whole.
			if mode == ModeLive {
				return nil, &PresentError{Problem: fmt.Sprintf("a %s has no live mode and cannot hide anything: present it static", formatWords(c.Format))}
			}
			q, text, err := presentWhole(c)
			if err != nil {
				return nil, err
			}
			out.Items = append(out.Items, PresentedItem{CredentialID: c.ID, Format: c.Format, QR: q, Text: text, Disclosed: []string{"everything"}, Proof: c.Proof})
			out.sels = append(out.sels, nil)
		default:
			return nil, &PresentError{Problem: fmt.Sprintf("a %s credential cannot be presented yet", c.Format)}
		}
	}
	keys, err := w.itemKeys(out)
	if err != nil {
		return nil, err
	}
	if err := w.bind(out, keys, randomNonce()); err != nil {
		return nil, err
	}
	to := req.To
	h := HistoryEntry{At: w.now().UTC(), ProfileID: prof.ID, Person: prof.Name(), To: to, Purpose: firstNonEmpty(pr.Name, "custom"), Mode: mode}
	switch {
	case req.Custom != nil:
		h.Purpose = firstNonEmpty(req.Custom.ID, "custom")
	case req.Preset == "":
		h.Purpose = "custom"
	}
	out.HistoryID, err = w.log(h, out)
	return out, err
}

// coversAny reports whether a credential holds a dose against one of the
// diseases.
func coversAny(c Credential, diseases []string) bool {
	for _, d := range c.Doses {
		for _, dis := range vax.Diseases(d.Vaccine.System, d.Vaccine.Code) {
			if slices.Contains(diseases, dis) {
				return true
			}
		}
	}
	return false
}

// disclosedPaths lists the claim paths a selection discloses and how many
// digests stay hidden (withheld disclosures; decoys are not counted here).
func disclosedPaths(h *sdjwt.Held, sel *sdjwt.Presentation) ([]string, int) {
	var paths []string
	for _, d := range sel.Disclosures {
		paths = append(paths, h.Paths[d])
	}
	return paths, len(h.Disclosures) - len(sel.Disclosures)
}

// itemKeys returns, for each item of a live or challenge presentation
// that needs a KB-JWT, the key its credential is bound to (a copy's own
// key, or the person's key for a credential kept the old way); nil for the
// others. They are read from the store each time, as a locked wallet
// signs nothing.
func (w *Wallet) itemKeys(p *Presentation) ([]*jose.PrivateKey, error) {
	keys := make([]*jose.PrivateKey, len(p.sels))
	if p.Mode == ModeStatic {
		return keys, nil
	}
	err := w.view(func(t tx) error {
		for i, sel := range p.sels {
			if sel == nil {
				continue
			}
			var c Credential
			if err := getCred(t, p.Items[i].CredentialID, &c); err != nil {
				return err
			}
			k, err := keyOf(t, &c)
			if err != nil {
				return err
			}
			keys[i] = k
		}
		return nil
	})
	return keys, err
}

// bind fills in the QR texts: static as selected, live or challenge with a
// fresh KB-JWT signed with each item's key (keys from itemKeys).
func (w *Wallet) bind(p *Presentation, keys []*jose.PrivateKey, nonce string) error {
	now := w.now()
	for i, sel := range p.sels {
		if sel == nil {
			continue
		}
		text := sel.String()
		if p.Mode != ModeStatic {
			var err error
			if text, err = sdjwt.Bind(sel, keys[i], p.aud, nonce, now); err != nil {
				return err
			}
		}
		q, err := sdjwt.EncodeQR(text)
		if err != nil {
			return err
		}
		p.Items[i].Text, p.Items[i].QR = text, q
	}
	if p.Mode == ModeLive {
		p.Expires = now.Add(LiveRefresh)
	}
	return nil
}

func shcQR(jws string) ([]string, error) {
	if q, err := shc.EncodeQR(jws); err == nil {
		if _, err := qr.EncodeSHC(q); err == nil {
			return []string{q}, nil
		}
	}
	return shc.EncodeChunks(jws)
}

func randomNonce() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Refresh re-binds a live presentation with a fresh KB-JWT (same
// disclosures, same history entry) and returns it with its new deadline.
func (w *Wallet) Refresh(p *Presentation) (*Presentation, error) {
	if p == nil || p.Mode != ModeLive {
		return nil, &PresentError{Problem: "only a live presentation is refreshed"}
	}
	keys, err := w.itemKeys(p)
	if err != nil {
		return nil, err
	}
	q := *p
	q.Items = slices.Clone(p.Items)
	if err := w.bind(&q, keys, randomNonce()); err != nil {
		return nil, err
	}
	return &q, nil
}

// ChallengeRequest is a verifier's challenge as the approve/refuse screen
// shows it.
type ChallengeRequest struct {
	Text     string // the "IPC1:" text
	Verifier string // the verifier's did:key (the KB-JWT's aud)
	Purpose  string
	Expires  time.Time
	// Asks lists what the verifier asks for, in words ("given name", "all
	// doses").
	Asks  []string
	Paths []string // the same as claim paths
	// Options are the credentials that can answer it, per profile.
	Options []ChallengeOption

	ch *sdjwt.Challenge
}

// ChallengeOption is one credential that can answer a challenge.
type ChallengeOption struct {
	ProfileID    string
	Person       string
	CredentialID string
	Disclose     []string // the claim paths the answer would disclose
}

// ChallengeExpiredError: the challenge may no longer be answered.
type ChallengeExpiredError struct{ Expires time.Time }

func (e *ChallengeExpiredError) Error() string {
	return "the verifier's challenge expired at " + e.Expires.Format(time.RFC3339) + ": ask for a new one"
}

// ReadChallenge reads a verifier's challenge from pasted text or a QR image.
func (w *Wallet) ReadChallenge(name string, data []byte) (*ChallengeRequest, error) {
	text := strings.TrimSpace(string(data))
	if detectKind(name, data) == kindImage {
		texts, err := qr.Decode(data)
		if err != nil {
			return nil, &ImportError{Name: name, Problem: "no readable QR code", Err: err}
		}
		text = strings.TrimSpace(texts[0])
	}
	if i := strings.Index(text, sdjwt.ChallengePrefix); i > 0 {
		text = strings.TrimSpace(text[i:])
	}
	ch, err := sdjwt.ParseChallenge(text)
	if err != nil {
		return nil, err
	}
	if ch.Expired(w.now()) {
		return nil, &ChallengeExpiredError{Expires: ch.Expires}
	}
	r := &ChallengeRequest{Text: text, Verifier: ch.Aud, Purpose: ch.Purpose, Expires: ch.Expires, ch: ch}
	for _, c := range ch.Claims {
		r.Paths = append(r.Paths, pathString(c))
		r.Asks = append(r.Asks, describe(c))
	}
	profs, err := w.Profiles()
	if err != nil {
		return nil, err
	}
	for _, p := range profs {
		creds, err := w.Credentials(p.ID)
		if err != nil {
			return nil, err
		}
		for _, c := range creds {
			if c.Format != FormatSDJWTVC || !c.Bound || c.Status == StatusInvalid {
				continue
			}
			h, err := sdjwt.Decode(c.Text)
			if err != nil {
				continue
			}
			sel := h.Select(ch.Wants)
			paths, _ := disclosedPaths(h, sel)
			r.Options = append(r.Options, ChallengeOption{ProfileID: p.ID, Person: p.Name(), CredentialID: c.ID, Disclose: paths})
		}
	}
	return r, nil
}

func pathString(p []any) string {
	var b strings.Builder
	for i, e := range p {
		switch v := e.(type) {
		case string:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(v)
		case nil:
			b.WriteString("[]")
		default:
			fmt.Fprintf(&b, "[%v]", v)
		}
	}
	return b.String()
}

var claimWords = map[string]string{
	"given_name": "given name", "family_name": "family name", "birthdate": "birth date", "doses": "doses",
}

func describe(p []any) string {
	if len(p) == 0 {
		return "?"
	}
	name, _ := p[0].(string)
	word := claimWords[name]
	if word == "" {
		word = name
	}
	if name == "doses" {
		switch {
		case len(p) == 1 || p[1] == nil:
			return "all doses"
		default:
			return fmt.Sprintf("dose %v", p[1])
		}
	}
	return word
}

// AnswerChallenge answers a challenge with one credential (the user
// approved), bound to the challenge's nonce and aud, and logs it.
func (w *Wallet) AnswerChallenge(c *ChallengeRequest, credentialID string) (*Presentation, error) {
	if c == nil || c.ch == nil {
		return nil, errors.New("answer a challenge read by ReadChallenge")
	}
	if c.ch.Expired(w.now()) {
		return nil, &ChallengeExpiredError{Expires: c.ch.Expires}
	}
	cred, err := w.Credential(credentialID)
	if err != nil {
		return nil, err
	}
	if cred.Format != FormatSDJWTVC || !cred.Bound {
		return nil, &PresentError{Problem: "only an SD-JWT VC bound to its holder's key can answer a challenge"}
	}
	prof, err := w.Profile(cred.ProfileID)
	if err != nil {
		return nil, err
	}
	if err := w.view(func(t tx) error {
		var err error
		cred, err = pickCopy(t, cred)
		return err
	}); err != nil {
		return nil, err
	}
	h, err := sdjwt.Decode(cred.Text)
	if err != nil {
		return nil, err
	}
	sel := h.Select(c.ch.Wants)
	out := &Presentation{Mode: ModeChallenge, profileID: cred.ProfileID, aud: c.ch.Aud,
		Items: []PresentedItem{{CredentialID: cred.ID, Format: cred.Format, Proof: cred.Proof}}, sels: []*sdjwt.Presentation{sel}}
	out.Items[0].Disclosed, out.Items[0].Withheld = disclosedPaths(h, sel)
	keys, err := w.itemKeys(out)
	if err != nil {
		return nil, err
	}
	if err := w.bind(out, keys, c.ch.Nonce); err != nil {
		return nil, err
	}
	out.HistoryID, err = w.log(HistoryEntry{At: w.now().UTC(), ProfileID: prof.ID, Person: prof.Name(), To: c.ch.Aud,
		Purpose: firstNonEmpty(c.ch.Purpose, "challenge"), Mode: ModeChallenge}, out)
	return out, err
}
