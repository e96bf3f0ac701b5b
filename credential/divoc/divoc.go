// Package divoc reads and verifies DIVOC vaccination certificates (India's
// CoWIN and the countries that adopted DIVOC: Sri Lanka, the Philippines,
// Indonesia, Jamaica…).
//
// # Format
//
// The QR code holds a ZIP archive (byte mode, or "B64:" + base64) with one
// entry, certificate.json: a W3C VC 1.1 of type ProofOfVaccinationCredential
// with a Person credentialSubject and Vaccination evidence, secured by a
// Linked Data Signature: RsaSignature2018 (detached JWS, PS256) or
// Ed25519Signature2018 (EdDSA), over SHA-256(canonical proof options) ‖
// SHA-256(canonical document without proof) (credential/ld).
//
// # What is trusted
//
// The issuer's keys come from trust, found by the credential's issuer; the
// proof's verificationMethod (a bare id such as "did:india", often wrong in
// real certificates) only chooses among that issuer's keys. The suite fixes
// the algorithm and the key type: the JWS header's alg must be the suite's,
// and never chooses the key.
//
// # What is shown
//
// Only signed data: JSON-LD drops terms its contexts do not define, and the
// triples of a node without a usable id, so [Verify] checks that every
// field [Certificate.Record] shows — name, birth date, and per dose the
// vaccine, date, dose number, batch, facility and country — is in the
// signed quads; a name or birth date that is not is a [ld.CoverageError].
package divoc

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/immunopass/immunopass/credential/ld"
)

// Limits bound the JSON-LD work on one certificate.
var Limits = ld.Limits{MaxBytes: MaxCert, MaxDepth: 16, MaxValues: 5_000, MaxQuads: 2_000, MaxBlankNodes: 500, MaxHashNDeg: 200, DropUndefined: true}

// FormatError reports a certificate.json that is not a DIVOC credential.
type FormatError struct{ Problem string }

func (e *FormatError) Error() string { return "divoc certificate: " + e.Problem }

// Certificate is a parsed certificate.json. Parse does not verify: its
// fields are what the JSON says, not yet what the signature covers.
type Certificate struct {
	Doc        map[string]any // the JSON document, as parsed
	Issuer     string
	Issued     string // issuanceDate
	Subject    Person
	Doses      []Dose
	ProofType  string
	ProofVM    string // proof.verificationMethod
	subjectRaw map[string]any
	dosesRaw   []map[string]any
}

// Person is the credential subject as shown.
type Person struct {
	ID, Name, BirthDate, Age, Gender, Nationality string
}

// Dose is one Vaccination of the evidence, as shown. Number is 0 when the
// certificate states none (or nothing unambiguous).
type Dose struct {
	ID, Vaccine, Manufacturer, ICD11, Date, Batch, Facility, Country string
	Number, Total                                                    int
	numberRaw, totalRaw                                              any
}

// Parse reads certificate.json strictly (no duplicate members, bounded
// size and nesting) and maps the loosely typed fields real certificates
// carry (dose numbers as strings, empty strings for absent values).
func Parse(data []byte) (*Certificate, error) {
	v, err := ld.Parse(data, Limits)
	if err != nil {
		return nil, err
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, &FormatError{Problem: "certificate.json is not a JSON object"}
	}
	c := &Certificate{Doc: doc}
	if !hasType(doc["type"], "ProofOfVaccinationCredential") {
		return nil, &FormatError{Problem: "type does not include ProofOfVaccinationCredential"}
	}
	if c.Issuer, ok = doc["issuer"].(string); !ok || c.Issuer == "" {
		return nil, &FormatError{Problem: "no issuer"}
	}
	c.Issued, _ = doc["issuanceDate"].(string)
	cs, ok := doc["credentialSubject"].(map[string]any)
	if !ok {
		return nil, &FormatError{Problem: "credentialSubject is not one object"}
	}
	c.subjectRaw = cs
	c.Subject = Person{ID: str(cs["id"]), Name: strings.TrimSpace(str(cs["name"])), BirthDate: str(cs["dob"]),
		Age: scalar(cs["age"]), Gender: str(cs["gender"]), Nationality: str(cs["nationality"])}
	if c.Subject.Name == "" {
		return nil, &FormatError{Problem: "credentialSubject has no name"}
	}
	ev, ok := doc["evidence"].([]any)
	if !ok || len(ev) == 0 {
		return nil, &FormatError{Problem: "evidence is not a non-empty array"}
	}
	for i, e := range ev {
		m, ok := e.(map[string]any)
		if !ok || !hasType(m["type"], "Vaccination") {
			return nil, &FormatError{Problem: fmt.Sprintf("evidence[%d] is not a Vaccination object", i)}
		}
		d := Dose{ID: str(m["id"]), Vaccine: str(m["vaccine"]), Manufacturer: str(m["manufacturer"]), ICD11: str(m["icd11Code"]),
			Date: str(m["date"]), Batch: str(m["batch"]), numberRaw: m["dose"], totalRaw: m["totalDoses"]}
		d.Number, d.Total = count(m["dose"]), count(m["totalDoses"])
		if f, ok := m["facility"].(map[string]any); ok {
			d.Facility = str(f["name"])
			if a, ok := f["address"].(map[string]any); ok {
				d.Country = str(a["addressCountry"])
			}
		}
		if d.Vaccine == "" || d.Date == "" {
			return nil, &FormatError{Problem: fmt.Sprintf("evidence[%d] has no vaccine or no date", i)}
		}
		c.Doses = append(c.Doses, d)
		c.dosesRaw = append(c.dosesRaw, m)
	}
	p, ok := doc["proof"].(map[string]any)
	if !ok {
		return nil, &FormatError{Problem: "no proof (or a proof set): the certificate is unsigned"}
	}
	c.ProofType, c.ProofVM = str(p["type"]), str(p["verificationMethod"])
	return c, nil
}

func str(v any) string {
	s, _ := v.(string)
	return strings.TrimSpace(s)
}

// scalar writes a string or number as shown.
func scalar(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	return ""
}

// count reads a dose number given as a number or a decimal string; anything
// else (empty, "first", 1.5) is 0: not unambiguous.
func count(v any) int {
	switch t := v.(type) {
	case float64:
		if t >= 1 && t <= 20 && t == float64(int(t)) {
			return int(t)
		}
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(t)); err == nil && n >= 1 && n <= 20 {
			return n
		}
	}
	return 0
}

func hasType(v any, want string) bool {
	switch t := v.(type) {
	case string:
		return t == want
	case []any:
		for _, x := range t {
			if x == want {
				return true
			}
		}
	}
	return false
}

// Key is an issuer key: an *rsa.PublicKey (RsaSignature2018) or an
// ed25519.PublicKey (Ed25519Signature2018), under the id trust gives it
// (the verificationMethod its certificates name).
type Key struct {
	KID    string
	Public crypto.PublicKey
}

// HeaderError reports a JWS header whose alg is not the suite's.
type HeaderError struct{ Suite, Alg, Want string }

func (e *HeaderError) Error() string {
	return fmt.Sprintf("divoc proof: %s requires alg %s, the JWS header says %q", e.Suite, e.Want, e.Alg)
}

// KeyError reports that the issuer holds no key the suite can use.
type KeyError struct{ Suite, Problem string }

func (e *KeyError) Error() string { return "divoc proof: " + e.Suite + ": " + e.Problem }

// ErrBadSignature is returned when no suitable key of the issuer verifies
// the signature.
var ErrBadSignature = errors.New("divoc proof: the signature does not verify with the issuer's keys (the certificate was changed after signing, or signed by another issuer)")

// UnsupportedSuiteError reports a proof type other than the two DIVOC uses.
type UnsupportedSuiteError struct{ Type string }

func (e *UnsupportedSuiteError) Error() string {
	return fmt.Sprintf("divoc proof: type %q (DIVOC signs with RsaSignature2018 or Ed25519Signature2018)", e.Type)
}

// Verify checks the certificate's proof with the issuer's keys and that
// everything Record shows is signed. It returns the id of the key that
// verified. Keys of the wrong type for the suite are skipped; the
// verificationMethod picks the key when one has that id, else each key of
// the issuer is tried.
func Verify(c *Certificate, keys []Key) (string, error) {
	var alg string
	switch c.ProofType {
	case "RsaSignature2018":
		alg = "PS256"
	case "Ed25519Signature2018":
		alg = "EdDSA"
	default:
		return "", &UnsupportedSuiteError{Type: c.ProofType}
	}
	p, err := ld.ParseJWSProof(c.Doc, Limits, ld.SecurityV2)
	if err != nil {
		return "", err
	}
	if p.Alg != alg {
		return "", &HeaderError{Suite: c.ProofType, Alg: p.Alg, Want: alg}
	}
	var usable []Key
	for _, k := range keys {
		switch pub := k.Public.(type) {
		case *rsa.PublicKey:
			if alg == "PS256" && pub.N.BitLen() >= 2048 {
				usable = append(usable, k)
			}
		case ed25519.PublicKey:
			if alg == "EdDSA" {
				usable = append(usable, k)
			}
		}
	}
	if len(usable) == 0 {
		return "", &KeyError{Suite: c.ProofType, Problem: fmt.Sprintf("issuer %q has no key of the suite's type (RSA ≥ 2048 bits for PS256, Ed25519 for EdDSA)", c.Issuer)}
	}
	// The named key first, then the others.
	for i, k := range usable {
		if k.KID == c.ProofVM {
			usable[0], usable[i] = usable[i], usable[0]
		}
	}
	kid := ""
	for _, k := range usable {
		if verifySig(k.Public, p.SigningInput, p.Signature) {
			kid = k.KID
			break
		}
	}
	if kid == "" {
		return "", ErrBadSignature
	}
	if err := c.covered(p.Quads); err != nil {
		return "", err
	}
	return kid, nil
}

func verifySig(pub crypto.PublicKey, input, sig []byte) bool {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		h := sha256.Sum256(input)
		return rsa.VerifyPSS(k, crypto.SHA256, h[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil
	case ed25519.PublicKey:
		return len(sig) == ed25519.SignatureSize && ed25519.Verify(k, input, sig)
	}
	return false
}

// covered checks every shown field against the signed quads.
func (c *Certificate) covered(signed []ld.Quad) error {
	pick := func(m map[string]any, keys ...string) map[string]any {
		out := map[string]any{}
		for _, k := range keys {
			if v, ok := m[k]; ok {
				out[k] = v
			}
		}
		return out
	}
	subj := pick(c.subjectRaw, "type", "id", "name", "dob")
	fields := []ld.Field{{Name: "name", Value: c.subjectRaw["name"].(string)}}
	if dob, ok := c.subjectRaw["dob"].(string); ok && dob != "" {
		fields = append(fields, ld.Field{Name: "birth date", Value: dob})
	}
	var ev []any
	for i, m := range c.dosesRaw {
		e := pick(m, "id", "type", "vaccine", "date", "dose", "batch", "icd11Code", "totalDoses")
		add := func(name string, v any) {
			if s := scalar(v); s != "" {
				fields = append(fields, ld.Field{Name: fmt.Sprintf("dose %d %s", i+1, name), Value: s})
			}
		}
		add("vaccine", m["vaccine"])
		add("date", m["date"])
		add("dose number", m["dose"])
		add("batch", m["batch"])
		add("ICD-11 code", m["icd11Code"])
		if f, ok := m["facility"].(map[string]any); ok {
			fe := pick(f, "name")
			add("facility", f["name"])
			if a, ok := f["address"].(map[string]any); ok {
				fe["address"] = pick(a, "addressCountry")
				add("country", a["addressCountry"])
			}
			e["facility"] = fe
		}
		ev = append(ev, e)
	}
	display := map[string]any{"@context": c.Doc["@context"], "type": c.Doc["type"], "issuer": c.Doc["issuer"],
		"credentialSubject": subj, "evidence": ev}
	return ld.Covers(display, fields, signed, Limits)
}
