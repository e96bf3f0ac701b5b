package sdjwt

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/vax"
)

const iss = "https://clinic.example/shc"

type keys map[[2]string]*jose.Key

func (k keys) ResolveKey(iss, kid string) (*jose.Key, error) {
	if key := k[[2]string{iss, kid}]; key != nil {
		return key, nil
	}
	return nil, fmt.Errorf("unknown issuer key (%q, %q)", iss, kid)
}

type statuses map[int]uint8

func (s statuses) Status(uri string, idx int) (uint8, error) {
	if uri != "https://registry.example/status/1" {
		return 0, &StatusUnavailableError{URI: uri}
	}
	return s[idx], nil
}

func statusFor(s StatusSource) func(string) StatusSource {
	return func(string) StatusSource { return s }
}

type otherURI struct{}

func (otherURI) Status(uri string, idx int) (uint8, error) {
	return 0, &StatusUnavailableError{URI: uri}
}

type fixture struct {
	issuer, holder *jose.PrivateKey
	keys           keys
	issued         *Issued
	compact        string
	now            time.Time
}

func setup(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{now: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)}
	f.issuer, _ = jose.GenerateKey()
	f.holder, _ = jose.GenerateKey()
	f.keys = keys{{iss, f.issuer.Public().KID()}: f.issuer.Public()}
	rec, err := vax.FromFHIR(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	f.issued, err = Issue(f.issuer, IssueRequest{
		Issuer: iss, IssuedAt: f.now.Add(-time.Hour), Expires: f.now.AddDate(1, 0, 0),
		Holder: f.holder.Public(), Status: &StatusRef{URI: "https://registry.example/status/1", Idx: 4711},
		Claims: FromRecord(rec), Decoys: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.compact = f.issued.String()
	return f
}

func (f *fixture) opts() Options {
	return Options{Now: f.now, Keys: f.keys, Status: statusFor(statuses{})}
}

func TestIssueVerifyStatic(t *testing.T) {
	f := setup(t)
	v, err := Verify(f.compact, f.opts())
	if err != nil {
		t.Fatal(err)
	}
	if v.Binding != BindingStatic || v.Withheld != 2 || len(v.Disclosed) != 9 {
		t.Fatalf("binding %s withheld %d disclosed %v", v.Binding, v.Withheld, v.Disclosed)
	}
	rec, err := ToRecord(v.Claims)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := vax.FromFHIR(assets.DemoRecord())
	if rec.Patient.Name() != want.Patient.Name() || rec.Patient.BirthDate != want.Patient.BirthDate || len(rec.Immunizations) != len(want.Immunizations) {
		t.Fatalf("record %+v", rec.Patient)
	}
	for i, im := range rec.Immunizations {
		w := want.Immunizations[i]
		if im.Vaccine.Code != w.Vaccine.Code || im.Date != w.Date || im.Lot != w.Lot || im.DoseNumber != w.DoseNumber || im.Country != w.Country {
			t.Errorf("dose %d: %+v, want %+v", i, im, w)
		}
	}
	if !v.Holder.Equal(f.holder.Public()) || v.Status.Idx != 4711 {
		t.Error("cnf or status lost")
	}
	// Required binding refuses a static presentation.
	o := f.opts()
	o.RequireBinding = true
	if _, err := Verify(f.compact, o); !isType[*HolderBindingError](err) {
		t.Fatalf("required binding: %v", err)
	}
}

func TestPresentModes(t *testing.T) {
	f := setup(t)
	held, err := Decode(f.compact)
	if err != nil {
		t.Fatal(err)
	}
	dosesOnly := held.Select(func(p string) bool { return strings.HasPrefix(p, "doses[") })
	if len(dosesOnly.Disclosures) != 6 {
		t.Fatalf("%d disclosures kept", len(dosesOnly.Disclosures))
	}
	// Live: aud AudLive, the wallet's own nonce, verified within the window.
	live, err := Bind(dosesOnly, f.holder, AudLive, "wallet-nonce-1", f.now.Add(-20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	v, err := Verify(live, f.opts())
	if err != nil {
		t.Fatal(err)
	}
	if v.Binding != BindingLive || len(v.Disclosed) != 6 || v.Withheld != 5 {
		t.Fatalf("live: %s %v withheld %d", v.Binding, v.Disclosed, v.Withheld)
	}
	if _, ok := v.Claims.Get("given_name"); ok {
		t.Fatal("a withheld name was disclosed")
	}
	// Challenge: bound to the verifier's did:key and nonce.
	verifier, _ := jose.GenerateKey()
	ch := &Expect{Aud: verifier.Public().DIDKey(), Nonce: "n-0S6_WzA2Mj"}
	nameAndLast := held.Select(func(p string) bool { return p == "given_name" || p == "family_name" || p == "doses[5]" })
	answer, _ := Bind(nameAndLast, f.holder, ch.Aud, ch.Nonce, f.now)
	o := f.opts()
	o.Challenge = ch
	v, err = Verify(answer, o)
	got := slices.Sorted(slices.Values(v.Disclosed))
	if err != nil || v.Binding != BindingChallenge || !slices.Equal(got, []string{"doses[5]", "family_name", "given_name"}) {
		t.Fatalf("challenge: %v %+v", err, v)
	}
}

func TestQRForm(t *testing.T) {
	f := setup(t)
	held, _ := Decode(f.compact)
	all := held.Select(func(string) bool { return true })
	p, _ := Bind(all, f.holder, AudLive, "n1", f.now)
	for _, in := range []string{f.compact, p} {
		qr, err := EncodeQR(in)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeQR(qr)
		if err != nil || back != in {
			t.Fatalf("round trip: %v", err)
		}
		if strings.Trim(qr[len(QRPrefix):], "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:") != "" {
			t.Fatal("not QR alphanumeric")
		}
	}
	if _, err := Verify(p, f.opts()); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "IP1:", "IP1:a", "IP1:" + "ZZZ", "HC1:ABC", "IP1:" + strings.Repeat("0", 99)} {
		if _, err := DecodeQR(bad); err == nil {
			t.Errorf("DecodeQR(%q) accepted", bad)
		}
	}
}

// forgeJWT signs an arbitrary payload as an issuer JWT.
func forgeJWT(t testing.TB, key *jose.PrivateKey, h jose.Header, payload string) string {
	s, err := key.Sign(h, []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func disc(t testing.TB, arr ...any) string {
	b, _ := json.Marshal(arr)
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestNegative(t *testing.T) {
	f := setup(t)
	held, _ := Decode(f.compact)
	all := held.Select(func(string) bool { return true })
	bind := func(p *Presentation, k *jose.PrivateKey, aud, nonce string, at time.Time) string {
		s, err := Bind(p, k, aud, nonce, at)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	other, _ := jose.GenerateKey()
	verifierDID := other.Public().DIDKey()
	challenge := &Expect{Aud: verifierDID, Nonce: "expected-nonce"}
	jwtParts := strings.Split(f.issued.IssuerJWT, ".")
	enc := base64.RawURLEncoding.EncodeToString
	tamperedDisc := func() string {
		d, _ := base64.RawURLEncoding.DecodeString(f.issued.Disclosures[0])
		d = []byte(strings.Replace(string(d), "Amira", "Evila", 1))
		p := *all
		p.Disclosures = append([]string{enc(d)}, all.Disclosures[1:]...)
		return p.String()
	}()
	// A payload listing the same digest twice.
	d1 := disc(t, "salt-salt-salt-1", "given_name", "A")
	dg1 := Digest(d1)
	dupPayload := `{"iss":"` + iss + `","iat":1795000000,"vct":"` + VCT + `","_sd":["` + dg1 + `","` + dg1 + `"],"_sd_alg":"sha-256"}`
	dupJWT := forgeJWT(t, f.issuer, jose.Header{Typ: TypVC}, dupPayload)
	plainPayload := `{"iss":"` + iss + `","iat":1795000000,"vct":"` + VCT + `","given_name":"B","_sd":["` + dg1 + `"],"_sd_alg":"sha-256"}`
	plainJWT := forgeJWT(t, f.issuer, jose.Header{Typ: TypVC}, plainPayload)
	sdName := disc(t, "salt-salt-salt-2", "_sd", "x")
	sdNamePayload := `{"iss":"` + iss + `","iat":1795000000,"vct":"` + VCT + `","_sd":["` + Digest(sdName) + `"]}`
	elemInSD := disc(t, "salt-salt-salt-3", "value")
	elemPayload := `{"iss":"` + iss + `","iat":1795000000,"vct":"` + VCT + `","_sd":["` + Digest(elemInSD) + `"]}`
	otherIssuer, _ := jose.GenerateKey()
	withStatus := func(st uint8) Options {
		o := f.opts()
		o.Status = statusFor(statuses{4711: st})
		return o
	}
	expired := f.opts()
	expired.Now = f.now.AddDate(2, 0, 0)
	chOpts := f.opts()
	chOpts.Challenge = challenge
	var sdHashWrong string
	{
		s := bind(all, f.holder, AudLive, "n", f.now)
		p, _ := Split(s)
		p.Disclosures = p.Disclosures[1:] // the KB-JWT covered one more
		sdHashWrong = p.String()
	}

	tests := []struct {
		name string
		in   string
		opt  Options
		want func(error) bool
	}{
		{"tampered disclosure", tamperedDisc, f.opts(), isType[*DisclosureError]},
		{"disclosure no digest refers to", f.compact + disc(t, "salt-salt-salt-9", "extra", "x") + "~", f.opts(), isType[*DisclosureError]},
		{"same disclosure twice", f.compact + f.issued.Disclosures[0] + "~", f.opts(), isType[*DisclosureError]},
		{"duplicate digest in payload", dupJWT + "~" + d1 + "~", f.opts(), isType[*DisclosureError]},
		{"disclosed name collides with a plain claim", plainJWT + "~" + d1 + "~", f.opts(), isType[*DisclosureError]},
		{"_sd as a claim name", forgeJWT(t, f.issuer, jose.Header{Typ: TypVC}, sdNamePayload) + "~" + sdName + "~", f.opts(), isType[*DisclosureError]},
		{"array-element disclosure in _sd", forgeJWT(t, f.issuer, jose.Header{Typ: TypVC}, elemPayload) + "~" + elemInSD + "~", f.opts(), isType[*DisclosureError]},
		{"empty disclosure", f.issued.IssuerJWT + "~~", f.opts(), isType[*FormatError]},
		{"kb wrong nonce", bind(all, f.holder, verifierDID, "other-nonce", f.now), chOpts, isType[*ChallengeError]},
		{"kb wrong aud", bind(all, f.holder, "did:key:zDnaeSomeoneElse", "expected-nonce", f.now), chOpts, isType[*ChallengeError]},
		{"kb stale iat", bind(all, f.holder, AudLive, "n", f.now.Add(-5*time.Minute)), f.opts(), isType[*ClockSkewError]},
		{"kb from the future", bind(all, f.holder, AudLive, "n", f.now.Add(5*time.Minute)), f.opts(), isType[*HolderBindingError]},
		{"kb wrong sd_hash", sdHashWrong, f.opts(), isType[*HolderBindingError]},
		{"kb signed by another key", bind(all, other, AudLive, "n", f.now), f.opts(), isType[*HolderBindingError]},
		{"challenge without kb", all.String(), chOpts, isType[*HolderBindingError]},
		{"issuer alg none", enc([]byte(`{"alg":"none","typ":"dc+sd-jwt"}`)) + "." + jwtParts[1] + "." + jwtParts[2] + "~", f.opts(), isType[*jose.HeaderError]},
		{"issuer HS256", enc([]byte(`{"alg":"HS256","typ":"dc+sd-jwt"}`)) + "." + jwtParts[1] + "." + jwtParts[2] + "~", f.opts(), isType[*jose.HeaderError]},
		{"issuer typ jwt", forgeJWT(t, f.issuer, jose.Header{Typ: "JWT"}, `{"iss":"`+iss+`"}`) + "~", f.opts(), isType[*TypeError]},
		{"issuer signature by another key", forgeJWT(t, otherIssuer, jose.Header{Typ: TypVC, Kid: f.issuer.Public().KID()}, `{"iss":"`+iss+`"}`) + "~", f.opts(), func(err error) bool { return errors.Is(err, jose.ErrBadSignature) }},
		{"unknown issuer", forgeJWT(t, f.issuer, jose.Header{Typ: TypVC}, `{"iss":"https://evil.example"}`) + "~", f.opts(), func(err error) bool { return err != nil && strings.Contains(err.Error(), "unknown issuer") }},
		{"revoked", f.compact, withStatus(1), func(err error) bool { return errors.Is(err, ErrRevoked) }},
		{"suspended", f.compact, withStatus(2), func(err error) bool { return errors.Is(err, ErrSuspended) }},
		{"status list not held", f.compact, Options{Now: f.now, Keys: f.keys}, func(err error) bool { return err == nil }},
		{"status list for another uri", f.compact, Options{Now: f.now, Keys: f.keys, Status: statusFor(otherURI{})}, isType[*StatusUnavailableError]},
		{"expired", f.compact, expired, func(err error) bool { return errors.Is(err, ErrExpired) }},
		{"wrong vct", f.compact, Options{Now: f.now, Keys: f.keys, VCT: "urn:other"}, isType[*TypeError]},
		{"not an sd-jwt", f.issued.IssuerJWT, f.opts(), isType[*FormatError]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Verify(tt.in, tt.opt)
			if !tt.want(err) {
				t.Fatalf("got %T %v", err, err)
			}
		})
	}
}

func TestClockSkewAdvice(t *testing.T) {
	f := setup(t)
	held, _ := Decode(f.compact)
	p, _ := Bind(held.Select(func(string) bool { return true }), f.holder, AudLive, "n", f.now.Add(10*time.Minute))
	_, err := Verify(p, f.opts())
	var cs *ClockSkewError
	if !errors.As(err, &cs) || !strings.Contains(cs.Error(), "ahead") {
		t.Fatalf("%v", err)
	}
	// A verifier whose clock is before the credential was even issued.
	o := f.opts()
	o.Now = f.now.Add(-3 * time.Hour)
	p, _ = Bind(held.Select(func(string) bool { return true }), f.holder, AudLive, "n", f.now)
	_, err = Verify(p, o)
	if !errors.As(err, &cs) || !strings.Contains(cs.Advice, "this verifier's clock is behind") {
		t.Fatalf("%v", err)
	}
}

func FuzzSplit(f *testing.F) {
	fx := setup(f)
	f.Add(fx.compact)
	f.Add("a.b.c~d~e.f.g")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Split(s)
		if err != nil {
			return
		}
		if p.String() != s {
			t.Fatalf("split/join changed %q", s)
		}
	})
}

func FuzzParseDisclosure(f *testing.F) {
	fx := setup(f)
	for _, d := range fx.issued.Disclosures {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDisclosure(s)
		if err != nil {
			return
		}
		if d.Salt == "" || d.Name == "_sd" || d.Name == "..." || d.Element != (d.Name == "" && d.Element) {
			t.Fatalf("accepted %+v", d)
		}
	})
}

// FuzzVerify covers the KB-JWT parser and the disclosure processing: an
// arbitrary suffix after a genuine issuer JWT never panics, and whenever
// Verify returns content (the signature and the disclosures held), that
// content is what the issuer signed and the holder presented:
//
//   - every disclosure in the suffix is, byte for byte, one the issuer made
//     (a re-encoded or altered disclosure has another digest);
//   - Disclosed lists exactly the paths of the presented disclosures, and
//     Withheld counts the issuer's digests left (the decoys included);
//   - a live or challenge binding has a KB-JWT that the holder's key signed
//     (checked here with jose, independently of Verify).
//
// It replaces a property that could not fail ("a live binding has a '.' in
// the suffix": any KB-JWT has one).
func FuzzVerify(f *testing.F) {
	fx := setup(f)
	held, err := Decode(fx.compact)
	if err != nil {
		f.Fatal(err)
	}
	p, _ := Bind(held.Select(func(string) bool { return true }), fx.holder, AudLive, "n", fx.now)
	f.Add(strings.TrimPrefix(p, fx.issued.IssuerJWT))
	some, _ := Bind(held.Select(func(path string) bool { return path == "given_name" || path == "doses[1]" }), fx.holder, AudLive, "n", fx.now)
	f.Add(strings.TrimPrefix(some, fx.issued.IssuerJWT))
	f.Add(strings.TrimPrefix(fx.compact, fx.issued.IssuerJWT))
	f.Add("~")
	digests := len(fx.issued.Disclosures) + 2 // the decoys
	f.Fuzz(func(t *testing.T, suffix string) {
		v, err := Verify(fx.issued.IssuerJWT+suffix, fx.opts())
		if v == nil {
			return
		}
		sp, serr := Split(fx.issued.IssuerJWT + suffix)
		if serr != nil {
			t.Fatalf("content returned for a presentation that does not split: %v", serr)
		}
		var paths []string
		for _, d := range sp.Disclosures {
			path, ok := held.Paths[d]
			if !ok {
				t.Fatalf("accepted a disclosure the issuer did not make: %q", d)
			}
			paths = append(paths, path)
		}
		slices.Sort(paths)
		got := slices.Sorted(slices.Values(v.Disclosed))
		if !slices.Equal(got, paths) {
			t.Fatalf("Disclosed %v, but the presentation holds %v", got, paths)
		}
		if v.Withheld != digests-len(paths) {
			t.Fatalf("Withheld %d with %d of %d digests disclosed", v.Withheld, len(paths), digests)
		}
		if err == nil && v.Binding != BindingStatic {
			kb, perr := jose.Parse(sp.KBJWT)
			if perr != nil || jose.VerifyES256(fx.holder.Public(), string(kb.SigningInput()), kb.Signature) != nil {
				t.Fatalf("binding %q without a KB-JWT the holder signed: %q", v.Binding, sp.KBJWT)
			}
		}
	})
}

func FuzzDecodeQR(f *testing.F) {
	fx := setup(f)
	qr, _ := EncodeQR(fx.compact)
	f.Add(qr)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := DecodeQR(s)
		if err != nil {
			return
		}
		back, err := EncodeQR(p)
		if err != nil {
			t.Fatalf("decoded presentation does not re-encode: %v", err)
		}
		if p2, _ := DecodeQR(back); p2 != p {
			t.Fatal("unstable round trip")
		}
	})
}

func TestChallenge(t *testing.T) {
	v, _ := jose.GenerateKey()
	claims, err := ParseClaimPaths("given_name, family_name,doses")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	c, err := NewChallenge(v.Public(), claims, 5*time.Minute, "School entry", now)
	if err != nil {
		t.Fatal(err)
	}
	text := c.Format()
	if len(text) > 468 { // 468 alphanumeric characters fill version 11 at EC L
		t.Errorf("challenge QR text is %d characters: keep it small", len(text))
	}
	back, err := ParseChallenge(text)
	if err != nil {
		t.Fatal(err)
	}
	if back.Aud != c.Aud || back.Nonce != c.Nonce || !back.Expires.Equal(c.Expires) || back.Purpose != "School entry" || len(back.Claims) != 3 {
		t.Fatalf("%+v", back)
	}
	for path, want := range map[string]bool{"given_name": true, "doses[0]": true, "doses[12]": true, "birthdate": false, "dosesx": false} {
		if back.Wants(path) != want {
			t.Errorf("Wants(%q) = %v", path, !want)
		}
	}
	if back.Expired(now) || !back.Expired(now.Add(6*time.Minute)) {
		t.Error("expiry")
	}
	for _, bad := range []string{"", "IPC1:", "IPC1:%%%", "HC1:ABC", "IPC1:" + strings.Repeat("A", 5000)} {
		if _, err := ParseChallenge(bad); !isType[*ChallengeFormatError](err) {
			t.Errorf("ParseChallenge(%.20q) = %v", bad, err)
		}
	}
	if _, err := ParseClaimPaths(" , "); err == nil {
		t.Error("empty claims accepted")
	}
}

func FuzzParseChallenge(f *testing.F) {
	v, _ := jose.GenerateKey()
	claims, _ := ParseClaimPaths("given_name,doses[1]")
	c, _ := NewChallenge(v.Public(), claims, time.Minute, "x", time.Now())
	f.Add(c.Format())
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseChallenge(s)
		if err != nil {
			return
		}
		back, err := ParseChallenge(c.Format())
		if err != nil || back.Nonce != c.Nonce || back.Aud != c.Aud || len(back.Claims) != len(c.Claims) {
			t.Fatalf("format of a parsed challenge does not parse back: %v", err)
		}
	})
}

// TestRegisteredClaimsNotDisclosable: SD-JWT VC's registered claims must be
// plain. A credential that hides its status behind a withheld disclosure
// would otherwise be VALID with revocation never checked.
func TestRegisteredClaimsPlainStatus(t *testing.T) {
	f := setup(t)
	const statusJSON = `{"status_list":{"uri":"https://registry.example/status/1","idx":4711}}`
	var statusV any
	if err := json.Unmarshal([]byte(statusJSON), &statusV); err != nil {
		t.Fatal(err)
	}
	// forge signs a payload whose top-level _sd holds one disclosure of name.
	forge := func(name string, value any, plain string) (jwt, d string) {
		d = disc(t, "salt-salt-salt-1", name, value)
		payload := `{"iss":"` + iss + `","iat":1795000000,"vct":"` + VCT + `"` + plain + `,"_sd":["` + Digest(d) + `"]}`
		return forgeJWT(t, f.issuer, jose.Header{Typ: TypVC}, payload), d
	}
	plainStatus := `,"status":` + statusJSON
	statusJWT, statusDisc := forge("status", statusV, "")
	tests := []struct {
		name, in string
	}{
		{"status withheld", statusJWT + "~"},
		{"status disclosed", statusJWT + "~" + statusDisc + "~"},
	}
	for _, name := range []string{"vct", "exp", "nbf", "iat", "cnf", "iss", "vct#integrity"} {
		var v any = "x"
		if name == "exp" || name == "nbf" || name == "iat" {
			v = 1795000000
		}
		jwt, d := forge(name, v, plainStatus)
		tests = append(tests, struct{ name, in string }{name + " disclosed", jwt + "~" + d + "~"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Verify(tt.in, f.opts())
			var de *DisclosureError
			if !errors.As(err, &de) {
				t.Fatalf("got %T %v, want a DisclosureError", err, err)
			}
		})
	}
	// A plain status with an ordinary disclosed claim still verifies.
	jwt, d := forge("given_name", "Amira", plainStatus)
	if _, err := Verify(jwt+"~"+d+"~", f.opts()); err != nil {
		t.Fatalf("plain status, disclosed given_name: %v", err)
	}
	// And the issuer never makes one.
	for _, name := range []string{"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status", "iat"} {
		_, err := Issue(f.issuer, IssueRequest{Issuer: iss, IssuedAt: f.now, Status: &StatusRef{URI: "u", Idx: 1},
			Claims: []Claim{{Name: name, Value: "x", SD: true}}})
		if err == nil || !strings.Contains(err.Error(), "selectively disclosable") {
			t.Fatalf("issue with %q disclosable: %v", name, err)
		}
	}
}
