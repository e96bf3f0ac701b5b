package verifier

// Fuzz targets past the signature. FuzzVerify feeds the verifier bytes that
// almost never carry a valid signature, so the code after the signature
// check (payload mapping, status, disclosures, holder binding, schema) is
// rarely reached. The targets here fuzz the *content* of a credential and
// sign it inside the fuzz function with a test key that the verifier
// trusts, then check properties that can fail:
//
//   - every result has a verdict: reasons, Valid exactly when the first is ok;
//   - a valid verdict shows exactly the record that was signed (the record
//     the test built the payload from, mapped independently of the
//     verifier's path);
//   - the same credential with one byte changed (pos, xor) is either
//     refused or, when valid, carries byte for byte the signed bytes that
//     were issued: the verifier never accepts content its issuer did not
//     sign.
//
// Keys are made once, outside f.Fuzz: CI runs each target for 4 s.

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/rand"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/base45"
	"github.com/immunopass/immunopass/credential/hcert"
	"github.com/immunopass/immunopass/credential/hcert/hcerttest"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/internal/spectest"
)

// rawJSONString quotes s as a JSON string but, unlike encoding/json, keeps
// invalid UTF-8 as it is, so the issuer under test sees it (and must refuse
// it) instead of a U+FFFD put there by the test.
func rawJSONString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(&b, "\\u%04x", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// checkVerdict fails on a result without a well-formed verdict.
func checkVerdict(t *testing.T, r Result) {
	t.Helper()
	if len(r.Reasons) == 0 || r.Valid != (r.Reasons[0] == OK) {
		t.Fatalf("result without a verdict: %+v", r)
	}
	for _, c := range r.Reasons {
		if c != OK && reasonWords[c] == "" {
			t.Fatalf("unknown reason %q", c)
		}
	}
}

// flip returns s with the byte at pos (mod len) xored with x.
func flip(s string, pos uint16, x byte) string {
	b := []byte(s)
	i := int(pos) % len(b)
	b[i] ^= x
	return string(b)
}

// shown is the part of a result that shows the record, for comparisons.
type shown struct {
	Subject       Subject
	Immunizations []Immunization
}

func shownOf(r Result) shown {
	s := shown{Subject: r.Subject, Immunizations: r.Immunizations}
	if len(s.Immunizations) == 0 {
		s.Immunizations = nil
	}
	return s
}

// expectShown is what fill shows for rec: the record that was signed, in
// the verifier's display form.
func expectShown(rec *vax.Record) shown {
	var r Result
	fill(&r, rec)
	return shownOf(r)
}

// FuzzVerifySignedSHC fuzzes the FHIR Bundle of a SMART Health Card: the
// bundle is minified and signed by shc.Issue with a trusted key, and the
// JWS (or its shc:/ QR form) verified. The bundle is the fuzzed bytes or,
// when they are empty, a one-dose bundle built from the fuzzed fields (so
// that most runs get past the issuer's parse to the signature). A valid
// card shows exactly what vax.FromFHIR reads from the bundle the clinic
// gave; a card with one character changed, if valid, is the issued JWS.
func FuzzVerifySignedSHC(f *testing.F) {
	key, err := jose.GenerateKey()
	if err != nil {
		f.Fatal(err)
	}
	store := trust.New()
	store.AddSHCKey(clinic, "Al Noor Family Clinic", &shc.IssuerKey{Key: key.Public()})
	v := &Verifier{Trust: store, At: specNow}
	nbf := specNow.Add(-24 * time.Hour)

	none := []byte{}
	f.Add(none, "John B.", "Anyperson", "1951-01-20", "http://hl7.org/fhir/sid/cvx", "207", "2021-01-01", "0000001", "ABC General Hospital", false, uint16(0), byte(0))
	f.Add(none, "Amira", "Haddad", "2016", "http://snomed.info/sct", "1119349007", "2021-06-01T10:00:00Z", "", "", true, uint16(9), byte(2))
	f.Add(assets.DemoRecord(), "", "", "", "", "", "", "", "", false, uint16(0), byte(0))
	f.Add(assets.DemoRecord(), "", "", "", "", "", "", "", "", true, uint16(7), byte(1))
	for _, ex := range []string{"example-00-a-fhirBundle.json", "example-01-a-fhirBundle.json"} {
		f.Add(spectest.Read(f, "examples", ex), "", "", "", "", "", "", "", "", false, uint16(100), byte(0x20))
	}
	f.Fuzz(func(t *testing.T, bundle []byte, given, family, birth, system, code, date, lot, performer string, qrForm bool, pos uint16, x byte) {
		if len(bundle) == 0 {
			j := rawJSONString
			bundle = []byte(`{"resourceType":"Bundle","type":"collection","entry":[` +
				`{"fullUrl":"resource:0","resource":{"resourceType":"Patient","name":[{"family":` + j(family) + `,"given":[` + j(given) + `]}],"birthDate":` + j(birth) + `}},` +
				`{"fullUrl":"resource:1","resource":{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":` + j(system) + `,"code":` + j(code) + `}]},` +
				`"patient":{"reference":"resource:0"},"occurrenceDateTime":` + j(date) + `,"performer":[{"actor":{"display":` + j(performer) + `}}],"lotNumber":` + j(lot) + `}}]}`)
		}
		jws, err := shc.Issue(key, bundle, shc.IssueOptions{Issuer: clinic, NotBefore: nbf})
		if err != nil {
			return // the issuer refuses the bundle: nothing signed
		}
		text := jws
		if qrForm {
			if text, err = shc.EncodeQR(jws); err != nil {
				return // too large for one QR code
			}
		}
		rs := v.Verify([]Input{{Name: "card", Data: []byte(text)}})
		if len(rs) != 1 {
			t.Fatalf("%d results for one card", len(rs))
		}
		r := rs[0]
		checkVerdict(t, r)
		if r.Valid {
			rec, err := vax.FromFHIR(bundle)
			if err != nil {
				t.Fatalf("valid card from a bundle vax.FromFHIR refuses (%v)", err)
			}
			if r.Issuer.ID != clinic || r.Issuer.KID != key.Public().KID() {
				t.Fatalf("valid card names issuer %+v, want %q with kid %q", r.Issuer, clinic, key.Public().KID())
			}
			if got, want := shownOf(r), expectShown(rec); !reflect.DeepEqual(got, want) {
				t.Fatalf("the card shows\n%+v\nbut the clinic's bundle holds\n%+v", got, want)
			}
		}
		if x == 0 {
			return
		}
		mut := flip(text, pos, x)
		m := v.verifyText("mutated", mut)
		checkVerdict(t, m)
		if !m.Valid {
			return
		}
		got := mut
		if qrForm {
			c, err := shc.ParseQR(mut)
			if err != nil {
				t.Fatalf("valid verdict for QR text that does not parse: %v", err)
			}
			got = c.JWS
		}
		if got != jws {
			t.Fatalf("accepted a JWS the issuer did not sign:\nissued %q\nshown  %q", jws, got)
		}
		if !reflect.DeepEqual(shownOf(m), shownOf(r)) {
			t.Fatalf("the same JWS shows two records: %+v and %+v", shownOf(m), shownOf(r))
		}
	})
}

// FuzzVerifySignedSDJWT fuzzes the claims of an SD-JWT VC (names, birth
// date, two doses), which claims the holder discloses, and the binding
// (static; live or challenge with a KB-JWT whose nonce and iat are fuzzed),
// signs it with a trusted issuer key and binds it with the holder key. A
// valid verdict has the binding asked for, a KB-JWT iat within ±60 s and,
// for a challenge, the challenge's nonce. A valid presentation shows exactly the
// disclosed part of the record the claims were built from (names with runs
// of white space collapsed: given names travel as one space-separated
// claim); one byte changed, if valid, leaves the issuer JWT, every
// disclosure and the KB-JWT byte for byte as issued.
func FuzzVerifySignedSDJWT(f *testing.F) {
	fx := newSDFixture(f, -1, -1)
	const challengeNonce = "challenge-nonce"
	did := fx.verifier.Public().DIDKey()
	verifiers := []*Verifier{
		{Trust: fx.store, At: fx.now},
		{Trust: fx.store, At: fx.now},
		{Trust: fx.store, At: fx.now, Challenge: &sdjwt.Expect{Aud: did, Nonce: challengeNonce}},
	}
	bindings := []string{"static", "live", "challenge"}
	f.Add("Amira Nour", "Haddad", "2016-04-12", "http://hl7.org/fhir/sid/cvx", "207", "2021-01-01", 1, "LOT1", "Al Noor", "AE", uint8(0xff), uint8(1), "w1", int16(-10), uint16(0), byte(0))
	f.Add("Amira", "Haddad", "2016", "http://snomed.info/sct", "1119349007", "2021-06", 0, "", "", "", uint8(0x0b), uint8(0), "", int16(0), uint16(40), byte(4))
	f.Add("Amira", "", "", "http://hl7.org/fhir/sid/cvx", "207", "2021-01-01", 2, "", "", "", uint8(0x19), uint8(2), challengeNonce, int16(60), uint16(9), byte(1))
	f.Add("", "", "", "", "", "", -1, "", "", "", uint8(0x10), uint8(1), "n", int16(61), uint16(500), byte(0x40))
	f.Fuzz(func(t *testing.T, given, family, birth, system, code, date string, dose int, lot, clinicName, country string, keep, mode uint8, nonce string, skew int16, pos uint16, x byte) {
		mode %= 3
		v := verifiers[mode]
		var doses []any
		var want vax.Record
		for i := range 2 {
			var d sdjwt.Dose
			d.Vaccine.System, d.Vaccine.Code = system, code
			d.Date, d.Dose, d.Lot, d.Clinic, d.Country = date, dose+i, lot+strings.Repeat("b", i), clinicName, country
			doses = append(doses, d)
			if keep&(1<<(3+i)) != 0 {
				dt, _ := vax.ParseDate(date)
				want.Immunizations = append(want.Immunizations, vax.Immunization{
					Vaccine: vax.Coding{System: system, Code: code}, Date: dt, Status: vax.StatusCompleted,
					DoseNumber: d.Dose, Lot: d.Lot, Performer: clinicName, Country: country})
			}
		}
		is, err := sdjwt.Issue(fx.issuer, sdjwt.IssueRequest{
			Issuer: clinic, IssuedAt: fx.now.Add(-time.Hour), Holder: fx.holder.Public(),
			Status: &sdjwt.StatusRef{URI: listURI, Idx: 1000},
			Claims: []sdjwt.Claim{
				{Name: "given_name", Value: given, SD: true},
				{Name: "family_name", Value: family, SD: true},
				{Name: "birthdate", Value: birth, SD: true},
				{Name: "doses", Value: doses, SDElements: true},
			},
		})
		if err != nil {
			return
		}
		held, err := sdjwt.Decode(is.String())
		if err != nil {
			t.Fatalf("the issued credential does not decode: %v", err)
		}
		wanted := map[string]bool{"given_name": keep&1 != 0, "family_name": keep&2 != 0, "birthdate": keep&4 != 0, "doses[0]": keep&8 != 0, "doses[1]": keep&16 != 0}
		p := held.Select(func(path string) bool { return wanted[path] })
		text := p.String()
		if mode > 0 {
			aud := sdjwt.AudLive
			if mode == 2 {
				aud = did
			}
			if text, err = sdjwt.Bind(p, fx.holder, aud, nonce, fx.now.Add(time.Duration(skew)*time.Second)); err != nil {
				return // the wallet refuses to bind (an empty nonce)
			}
		}
		rs := v.Verify([]Input{{Name: "presentation", Data: []byte(text)}})
		if len(rs) != 1 {
			t.Fatalf("%d results for one presentation", len(rs))
		}
		r := rs[0]
		checkVerdict(t, r)
		if r.Valid {
			if wanted["given_name"] {
				want.Patient.Given = []string{given}
			}
			if wanted["family_name"] {
				want.Patient.Family = family
			}
			if wanted["birthdate"] {
				bd, err := vax.ParseDate(birth)
				if err != nil && birth != "" {
					t.Fatalf("valid presentation with birthdate %q (%v)", birth, err)
				}
				want.Patient.BirthDate = bd
			}
			for _, im := range want.Immunizations {
				if _, err := vax.ParseDate(date); err != nil {
					t.Fatalf("valid presentation with a dose dated %q (%v)", date, err)
				}
				if im.DoseNumber < 0 {
					t.Fatalf("valid presentation with dose number %d", im.DoseNumber)
				}
			}
			got, exp := shownOf(r), expectShown(&want)
			got.Subject.Name = strings.Join(strings.Fields(got.Subject.Name), " ")
			exp.Subject.Name = strings.Join(strings.Fields(exp.Subject.Name), " ")
			if !reflect.DeepEqual(got, exp) {
				t.Fatalf("the presentation shows\n%+v\nbut the issuer signed (disclosed part)\n%+v", got, exp)
			}
			if r.Issuer.ID != clinic || r.Issuer.KID != fx.issuer.Public().KID() {
				t.Fatalf("valid presentation names issuer %+v, want %q with kid %q", r.Issuer, clinic, fx.issuer.Public().KID())
			}
			if r.Binding != bindings[mode] {
				t.Fatalf("binding %q, want %q", r.Binding, bindings[mode])
			}
			if mode > 0 && (skew > 60 || skew < -60) {
				t.Fatalf("a KB-JWT issued %d s from the verifier's clock accepted (window ±60 s)", skew)
			}
			if mode == 2 && nonce != challengeNonce {
				t.Fatalf("a KB-JWT with nonce %q answers the challenge %q", nonce, challengeNonce)
			}
		}
		if x == 0 {
			return
		}
		mut := flip(text, pos, x)
		m := v.verifyText("mutated", mut)
		checkVerdict(t, m)
		if !m.Valid {
			return
		}
		mp, err := sdjwt.Split(mut)
		if err != nil {
			t.Fatalf("valid verdict for a presentation that does not split: %v", err)
		}
		op, err := sdjwt.Split(text)
		if err != nil {
			t.Fatal(err)
		}
		if mp.IssuerJWT != op.IssuerJWT || mp.KBJWT != op.KBJWT {
			t.Fatalf("accepted an issuer JWT or KB-JWT that was not signed:\nissued %q\nshown  %q", text, mut)
		}
		for _, d := range mp.Disclosures {
			if !slices.Contains(is.Disclosures, d) {
				t.Fatalf("accepted a disclosure the issuer did not make: %q", d)
			}
		}
	})
}

// signHC1 signs a CWT payload as an HCERT (ES256, alg and kid protected,
// tag 18) and returns its HC1: text and the COSE message.
func signHC1(t testing.TB, key crypto.Signer, kid, payload []byte) (string, *hcert.Sign1) {
	enc, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		t.Fatal(err)
	}
	prot, err := enc.Marshal(map[int64]any{1: hcert.AlgES256, 4: kid})
	if err != nil {
		t.Fatal(err)
	}
	s := &hcert.Sign1{Protected: prot, Payload: payload}
	tbs, err := s.ToBeSigned()
	if err != nil {
		t.Fatal(err)
	}
	cs, err := cose.NewSigner(cose.AlgorithmES256, key)
	if err != nil {
		t.Fatal(err)
	}
	if s.Signature, err = cs.Sign(rand.Reader, tbs); err != nil {
		t.Fatal(err)
	}
	msg, err := enc.Marshal([]any{prot, map[int64]any{}, payload, s.Signature})
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(append([]byte{0xd2}, msg...))
	zw.Close()
	return hcert.Prefix + base45.Encode(z.Bytes()), s
}

// FuzzVerifySignedHCERT fuzzes the CBOR payload of an EU DCC (the CWT with
// iss, iat, exp and the DCC inside), signed with a trusted document signer;
// when the fuzzed payload is empty, a one-dose DCC is built from fuzzed
// fields and signed by hcert.Issue (so that most runs reach the schema and
// the mapping). A valid certificate shows exactly the record it was built
// from: for fuzzed fields, the record the test derives from them itself;
// for a fuzzed payload, hcert.Open and Cert.Record on the payload the test
// signed, not on what the verifier decoded. One character of the HC1: text
// changed, if valid, leaves the protected header, the payload and the
// signature as issued.
func FuzzVerifySignedHCERT(f *testing.F) {
	der, key, err := hcerttest.NewDSC(hcerttest.DSCOptions{})
	if err != nil {
		f.Fatal(err)
	}
	dsc, err := trust.NewDSC(der)
	if err != nil {
		f.Fatal(err)
	}
	store := trust.New()
	store.AddDSC(dsc)
	kid := trust.DSCKID(der)
	v := &Verifier{Trust: store, At: hcAt}
	opts := hcert.IssueOptions{Issuer: "FR", IssuedAt: hcIat, Expires: hcExp, KID: kid}
	none := []byte{}
	f.Add(none, "Haddad", "Amira", "2016-03", "EU/1/20/1528", "2021-06-01", "FR", "Ministère de la Santé", 2, 2, uint16(0), byte(0))
	f.Add(none, "", "", "2016-03-04T00:00:00", "EU/1/21/1529", "2021-05-31T10:00:00Z", "AE", "x", 1, 3, uint16(30), byte(4))
	for _, p := range []string{hcerttest.Vaccination, hcerttest.Test, hcerttest.Recovery} {
		text, err := hcert.Issue([]byte(p), key, opts)
		if err != nil {
			f.Fatal(err)
		}
		s, err := hcert.Decode(text)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(s.Payload, "", "", "", "", "", "", "", 0, 0, uint16(0), byte(0))
		f.Add(s.Payload, "", "", "", "", "", "", "", 0, 0, uint16(len(text)/2), byte(1))
	}
	f.Fuzz(func(t *testing.T, payload []byte, fn, gn, dob, mp, dt, co, is string, dn, sd int, pos uint16, x byte) {
		if len(payload) > hcert.MaxPayload {
			return
		}
		var text string
		var issued *hcert.Sign1
		var want *vax.Record // derived from the fields; nil for a fuzzed payload
		if len(payload) == 0 {
			j := rawJSONString
			dcc := `{"ver":"1.3.0","nam":{"fn":` + j(fn) + `,"fnt":"HADDAD","gn":` + j(gn) + `,"gnt":"AMIRA"},"dob":` + j(dob) +
				`,"v":[{"tg":"840539006","vp":"1119349007","mp":` + j(mp) + `,"ma":"ORG-100030215","dn":` + strconv.Itoa(dn) + `,"sd":` + strconv.Itoa(sd) +
				`,"dt":` + j(dt) + `,"co":` + j(co) + `,"is":` + j(is) + `,"ci":"URN:UVCI:01:FR:ABCDEFGH12345678#X"}]}`
			var err error
			if text, err = hcert.Issue([]byte(dcc), key, opts); err != nil {
				return
			}
			if issued, err = hcert.Decode(text); err != nil {
				t.Fatalf("an issued HCERT does not decode: %v", err)
			}
			payload = issued.Payload
			want = &vax.Record{}
			want.Patient.Family, want.Patient.Given = fn, []string{gn}
			if fn == "" && gn == "" {
				want.Patient.Family, want.Patient.Given = "HADDAD", []string{"AMIRA"}
			} else if gn == "" {
				want.Patient.Given = nil
			}
			datePart := func(s string) string { d, _, _ := strings.Cut(s, "T"); return d }
			want.Patient.BirthDate, _ = vax.ParseDate(datePart(dob))
			date, _ := vax.ParseDate(datePart(dt))
			sys, display := hcert.ProductName(mp)
			want.Immunizations = []vax.Immunization{{Vaccine: vax.Coding{System: sys, Code: mp, Display: display}, Date: date,
				Status: vax.StatusCompleted, DoseNumber: dn, SeriesDoses: sd, Performer: is, Country: co}}
		} else {
			text, issued = signHC1(t, key, kid, payload)
		}
		if len(text) > hcert.MaxText {
			return
		}
		rs := v.Verify([]Input{{Name: "dcc", Data: []byte(text)}})
		if len(rs) != 1 {
			t.Fatalf("%d results for one certificate", len(rs))
		}
		r := rs[0]
		checkVerdict(t, r)
		if r.Valid && want != nil {
			if got, exp := shownOf(r), expectShown(want); !reflect.DeepEqual(got, exp) {
				t.Fatalf("the certificate shows\n%+v\nbut it was issued from\n%+v", got, exp)
			}
		}
		if r.Valid {
			c, err := hcert.Open(&hcert.Sign1{Protected: issued.Protected, Alg: hcert.AlgES256, KID: kid, Payload: payload, Tagged: true})
			if err != nil {
				t.Fatalf("valid certificate whose signed payload does not open: %v", err)
			}
			rec, err := c.Record()
			if err != nil {
				t.Fatalf("valid certificate whose signed payload has no record: %v", err)
			}
			if r.Issuer.ID != c.Issuer {
				t.Fatalf("valid certificate names issuer %q, its signed payload %q", r.Issuer.ID, c.Issuer)
			}
			if got, want := shownOf(r), expectShown(rec); !reflect.DeepEqual(got, want) {
				t.Fatalf("the certificate shows\n%+v\nbut its signed payload holds\n%+v", got, want)
			}
		}
		if x == 0 {
			return
		}
		mut := flip(text, pos, x)
		m := v.verifyText("mutated", mut)
		checkVerdict(t, m)
		if !m.Valid {
			return
		}
		s, err := hcert.Decode(mut)
		if err != nil {
			t.Fatalf("valid verdict for HC1: text that does not decode: %v", err)
		}
		if !bytes.Equal(s.Protected, issued.Protected) || !bytes.Equal(s.Payload, issued.Payload) || !bytes.Equal(s.Signature, issued.Signature) {
			t.Fatalf("accepted a COSE message the signer did not sign: %q", mut)
		}
	})
}
