package shc

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
)

const spec = "../../testdata/shc/"
const specIss = "https://spec.smarthealth.cards/examples/issuer"

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(spec + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mapResolver is a Resolver over a fixed set of keys, for tests.
type mapResolver map[[2]string]*IssuerKey

func (m mapResolver) ResolveSHC(iss, kid string) (*IssuerKey, error) {
	ik, ok := m[[2]string{iss, kid}]
	if !ok {
		return nil, fmt.Errorf("unknown (iss, kid) = (%q, %q)", iss, kid)
	}
	return ik, nil
}

func specResolver(t testing.TB) mapResolver {
	keys, bad, err := jose.ParseJWKS(read(t, "issuer/.well-known/jwks.json"))
	if err != nil || len(bad) > 0 {
		t.Fatal(err, bad)
	}
	crl, err := ParseCRL(read(t, "issuer/.well-known/crl/3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s.json"))
	if err != nil {
		t.Fatal(err)
	}
	m := mapResolver{}
	for _, k := range keys {
		ik := &IssuerKey{Key: k, IssuerName: "SMART example issuer"}
		if string(k.Members["crlVersion"]) == "1" {
			ik.CRLVersion, ik.CRL = 1, crl
		}
		m[[2]string{specIss, k.KID()}] = ik
	}
	return m
}

func specPrivate(t testing.TB, i int) *jose.PrivateKey {
	var set struct{ Keys []json.RawMessage }
	if err := json.Unmarshal(read(t, "issuer-private/issuer.jwks.private.json"), &set); err != nil {
		t.Fatal(err)
	}
	k, err := jose.ParsePrivateJWK(set.Keys[i])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

type expected struct {
	Examples []struct {
		Example string
		Kid     string
		NBF     float64
		Exp     *float64
		RID     *string
		Verdict string
		Reason  string
		Files   []string
	}
	RIDCheck struct {
		Vectors map[string]string
		Kid     string
	} `json:"rid_derivation_check"`
}

func loadExpected(t testing.TB) expected {
	var e expected
	if err := json.Unmarshal(read(t, "expected.json"), &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestSpecExamples checks every official example, from every text form,
// against expected.json.
func TestSpecExamples(t *testing.T) {
	exp := loadExpected(t)
	r := specResolver(t)
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, ex := range exp.Examples {
		t.Run(ex.Example, func(t *testing.T) {
			p := "examples/example-" + ex.Example + "-"
			jws := strings.TrimSpace(string(read(t, p+"d-jws.txt")))
			file, err := ParseFile(read(t, p+"e-file.smart-health-card"))
			if err != nil || len(file) != 1 || file[0] != jws {
				t.Fatalf("file: %v", err)
			}
			var chunks []*Chunk
			for _, f := range ex.Files {
				if strings.Contains(f, "-f-qr-code-numeric") {
					c, err := ParseQR(string(read(t, "examples/"+f)))
					if err != nil {
						t.Fatalf("%s: %v", f, err)
					}
					chunks = append(chunks, c)
				}
			}
			// Any order.
			for i := range chunks {
				rot := append(append([]*Chunk{}, chunks[i:]...), chunks[:i]...)
				got, err := Assemble(rot)
				if err != nil || got != jws {
					t.Fatalf("assemble rotation %d: %v", i, err)
				}
			}
			card, err := Parse(jws)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(card.Payload, bytes.TrimSpace(read(t, p+"c-jws-payload-minified.json"))) {
				t.Error("inflated payload differs from c-jws-payload-minified.json")
			}
			if card.Claims.NBF != ex.NBF || card.JWS.Header.Kid != ex.Kid {
				t.Errorf("nbf %v kid %q", card.Claims.NBF, card.JWS.Header.Kid)
			}
			if ex.RID != nil && card.Claims.RID != *ex.RID {
				t.Errorf("rid %q want %q", card.Claims.RID, *ex.RID)
			}
			_, err = Verify(card, r, now)
			switch ex.Verdict {
			case "valid":
				if err != nil {
					t.Fatalf("want valid: %v", err)
				}
			case "invalid":
				if !errors.Is(err, ErrRevoked) || !errors.Is(err, ErrExpired) || ex.Reason != "revoked+expired" {
					t.Fatalf("want revoked and expired, got %v", err)
				}
				// Before exp it is only revoked: the CRL timestamp is compared
				// to the fractional nbf, not a rounded one.
				_, err = Verify(card, r, time.Unix(1687450800, 0))
				if !errors.Is(err, ErrRevoked) || errors.Is(err, ErrExpired) {
					t.Fatalf("before exp: %v", err)
				}
			}
		})
	}
}

func TestRIDVector(t *testing.T) {
	exp := loadExpected(t)
	var secret struct{ Secret string }
	json.Unmarshal(read(t, "issuer-private/issuer.hmac.private.json"), &secret)
	if len(exp.RIDCheck.Vectors) < 6 {
		t.Fatal("vectors missing")
	}
	for user, want := range exp.RIDCheck.Vectors {
		if got := RID(secret.Secret, exp.RIDCheck.Kid, user); got != want {
			t.Errorf("RID(%q) = %q, want %q", user, got, want)
		}
	}
}

// TestIssueReproducesSpec issues from the spec generator's input bundle with
// the spec's published key: the minified bundle and the payload are byte for
// byte the spec's, the rid is the spec's, and the card verifies.
func TestIssueReproducesSpec(t *testing.T) {
	var secret struct{ Secret string }
	json.Unmarshal(read(t, "issuer-private/issuer.hmac.private.json"), &secret)
	key := specPrivate(t, 0)
	for _, tc := range []struct{ fixture, example, user string }{
		{"fixtures/covid-vaccines-bundle.json", "00", "userid-00"},
		{"fixtures/revoked-bundle.json", "03", "userid-03"},
	} {
		ref, err := Parse(strings.TrimSpace(string(read(t, "examples/example-"+tc.example+"-d-jws.txt"))))
		if err != nil {
			t.Fatal(err)
		}
		min, err := Minify(read(t, tc.fixture))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(min, ref.Claims.Bundle) {
			t.Fatalf("%s: minified bundle differs:\n%s\n%s", tc.fixture, min, ref.Claims.Bundle)
		}
		opt := IssueOptions{
			Issuer:    specIss,
			NotBefore: time.UnixMilli(int64(ref.Claims.NBF * 1000)),
			RID:       RID(secret.Secret, key.Public().KID(), tc.user),
			Types:     ref.Claims.Types,
		}
		if ref.Claims.HasExp {
			opt.Expires = time.UnixMilli(int64(ref.Claims.Exp*1000 + 0.5))
		}
		if opt.RID != ref.Claims.RID {
			t.Fatalf("rid %q want %q", opt.RID, ref.Claims.RID)
		}
		if got := Payload(min, opt); !bytes.Equal(got, ref.Payload) {
			t.Fatalf("payload differs:\n%s\n%s", got, ref.Payload)
		}
		jws, err := Issue(key, read(t, tc.fixture), opt)
		if err != nil {
			t.Fatal(err)
		}
		card, err := Parse(jws)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Verify(card, specResolver(t), time.Unix(1687450764, 0))
		if tc.example == "00" && err != nil {
			t.Fatal(err)
		}
		if tc.example == "03" && !errors.Is(err, ErrRevoked) {
			t.Fatalf("want revoked: %v", err)
		}
		if len(jws) > MaxSingleQRJWS {
			t.Errorf("jws %d chars does not fit one QR", len(jws))
		}
	}
}

func TestNumericCodec(t *testing.T) {
	jws := strings.TrimSpace(string(read(t, "examples/example-00-d-jws.txt")))
	qr, err := EncodeQR(jws)
	if err != nil {
		t.Fatal(err)
	}
	if qr != strings.TrimSpace(string(read(t, "examples/example-00-f-qr-code-numeric-value-0.txt"))) {
		t.Fatal("EncodeQR differs from the spec's QR text")
	}
	big := strings.TrimSpace(string(read(t, "examples/example-02-d-jws.txt")))
	chunks, err := EncodeChunks(big)
	if err != nil || len(chunks) != 3 {
		t.Fatalf("%d chunks, %v", len(chunks), err)
	}
	for i, c := range chunks {
		if want := strings.TrimSpace(string(read(t, fmt.Sprintf("examples/example-02-f-qr-code-numeric-value-%d.txt", i)))); c != want {
			t.Errorf("chunk %d differs from the spec's", i+1)
		}
	}
	if _, err := EncodeQR(big); !IsTooLarge(err) {
		t.Fatalf("EncodeQR of a 3285-char JWS: %v", err)
	}
}

func TestQRErrors(t *testing.T) {
	long := "shc:/" + strings.Repeat("00", MaxSingleQRJWS+1)
	tests := []struct {
		in   string
		want any
	}{
		{"", &QRError{}},
		{"http://example.com", &QRError{}},
		{"shc:/", &QRError{}},
		{"shc:/123", &QRError{}},         // odd digit count
		{"shc:/5678", &QRError{}},        // 78 > 77
		{"shc:/99", &QRError{}},          // 99 > 77
		{"shc:/56a6", &QRError{}},        // non-digit
		{"shc:/0/3/5656", &ChunkError{}}, // index 0
		{"shc:/4/3/5656", &ChunkError{}}, // index > total
		{"shc:/1/x/5656", &ChunkError{}},
		{"shc:/1/99/5656", &ChunkError{}}, // too many chunks
		// Cases found by fuzzing:
		{"shC:/1/1/00", &ChunkError{}}, // a chunk header on a one-QR card
		{"shc:/1/2", &ChunkError{}},
		{long, &TooLargeError{}},
		{"shc:/1/2/" + strings.Repeat("00", MaxChunkJWS+1), &ChunkError{}},
	}
	for _, tt := range tests {
		_, err := ParseQR(tt.in)
		if err == nil || fmt.Sprintf("%T", err) != fmt.Sprintf("%T", tt.want) {
			t.Errorf("ParseQR(%.30q) = %T %v, want %T", tt.in, err, err, tt.want)
		}
	}
	c1, _ := ParseQR("shc:/1/3/5656")
	c2, _ := ParseQR("shc:/2/3/5656")
	c3, _ := ParseQR("shc:/3/3/5656")
	d2, _ := ParseQR("shc:/2/4/5656")
	single, _ := ParseQR("shc:/5656")
	for name, set := range map[string][]*Chunk{
		"missing":   {c1, c3},
		"duplicate": {c1, c2, c2, c3},
		"mixed N":   {c1, d2, c3},
		"mixed 1/1": {single, c1, c2, c3},
		"none":      nil,
	} {
		if _, err := Assemble(set); err == nil || !isType[*ChunkError](err) {
			t.Errorf("%s: %T %v", name, err, err)
		}
	}
}

func isType[T error](err error) bool {
	var e T
	return errors.As(err, &e)
}

// forge signs an arbitrary payload (already compressed or not) with key.
func forge(t testing.TB, key *jose.PrivateKey, h jose.Header, payload []byte) string {
	s, err := key.Sign(h, payload)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNegative(t *testing.T) {
	key := specPrivate(t, 0)
	r := specResolver(t)
	at := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	bundle := read(t, "examples/example-00-a-fhirBundle.json")
	mk := func(mut func(*IssueOptions)) string {
		o := IssueOptions{Issuer: specIss, NotBefore: at.Add(-time.Hour)}
		if mut != nil {
			mut(&o)
		}
		min, _ := Minify(bundle)
		return forge(t, key, jose.Header{Zip: "DEF"}, Deflate(Payload(min, o)))
	}
	good := mk(nil)
	if c, err := Parse(good); err != nil {
		t.Fatal(err)
	} else if _, err := Verify(c, r, at); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, ".")
	enc := base64.RawURLEncoding.EncodeToString
	min, _ := Minify(bundle)
	plain := Payload(min, IssueOptions{Issuer: specIss, NotBefore: at})
	var zl bytes.Buffer
	zw := zlib.NewWriter(&zl)
	zw.Write(plain)
	zw.Close()
	// A DEFLATE bomb: ~100 KB of compressed zeros inflating to ~100 MB.
	var bomb bytes.Buffer
	bw, _ := newBestWriter(&bomb)
	zeros := make([]byte, 1<<20)
	for i := 0; i < 100; i++ {
		bw.Write(zeros)
	}
	bw.Close()
	other, _ := jose.GenerateKey()
	otherKid, _ := jose.NewPrivateKey(other.ECDSA(), key.Public().KID())

	tests := []struct {
		name  string
		jws   string
		parse func(error) bool // error expected from Parse, or nil
		ver   func(error) bool // error expected from Verify
	}{
		{"alg none", enc([]byte(`{"alg":"none","zip":"DEF","kid":"`+key.Public().KID()+`"}`)) + "." + parts[1] + "." + parts[2], isType[*jose.HeaderError], nil},
		{"HS256", enc([]byte(`{"alg":"HS256","zip":"DEF"}`)) + "." + parts[1] + "." + parts[2], isType[*jose.HeaderError], nil},
		{"no zip", forge(t, key, jose.Header{}, plain), isType[*jose.HeaderError], nil},
		{"payload not deflated", forge(t, key, jose.Header{Zip: "DEF"}, plain), isType[*CompressionError], nil},
		{"zlib not raw deflate", forge(t, key, jose.Header{Zip: "DEF"}, zl.Bytes()), func(err error) bool {
			return isType[*CompressionError](err) && strings.Contains(err.Error(), "zlib")
		}, nil},
		{"deflate bomb", forge(t, key, jose.Header{Zip: "DEF"}, bomb.Bytes()), isType[*TooLargeError], nil},
		{"over-long jws", strings.Repeat("a", MaxJWS+1), isType[*TooLargeError], nil},
		{"DER signature", parts[0] + "." + parts[1] + "." + enc(append([]byte{0x30, 0x45, 0x02, 0x21}, make([]byte, 67)...)), isType[*jose.SignatureFormatError], nil},
		{"bad base64", parts[0] + "." + parts[1] + "!." + parts[2], isType[*jose.EncodingError], nil},
		{"not json payload", forge(t, key, jose.Header{Zip: "DEF"}, Deflate([]byte("hello"))), isType[*PayloadError], nil},
		{"nbf string", forge(t, key, jose.Header{Zip: "DEF"}, Deflate([]byte(`{"iss":"`+specIss+`","nbf":"1","vc":{}}`))), isType[*PayloadError], nil},
		{"no vc", forge(t, key, jose.Header{Zip: "DEF"}, Deflate([]byte(`{"iss":"`+specIss+`","nbf":1}`))), isType[*PayloadError], nil},
		{"tampered signature", parts[0] + "." + parts[1] + "." + enc(make([]byte, 64)), nil, func(err error) bool { return errors.Is(err, jose.ErrBadSignature) }},
		{"signed by another key", forge(t, otherKid, jose.Header{Zip: "DEF"}, Deflate(plain)), nil, func(err error) bool { return errors.Is(err, jose.ErrBadSignature) }},
		{"unknown kid", forge(t, other, jose.Header{Zip: "DEF"}, Deflate(plain)), nil, func(err error) bool { return err != nil && strings.Contains(err.Error(), "unknown") }},
		{"unknown iss", mk(func(o *IssueOptions) { o.Issuer = "https://evil.example" }), nil, func(err error) bool { return err != nil && strings.Contains(err.Error(), "unknown") }},
		{"iss trailing slash", forge(t, key, jose.Header{Zip: "DEF"}, Deflate(bytes.Replace(plain, []byte(specIss+`"`), []byte(specIss+`/"`), 1))), nil, isType[*IssuerURLError]},
		{"iss http", forge(t, key, jose.Header{Zip: "DEF"}, Deflate(bytes.Replace(plain, []byte(`"https://`), []byte(`"http://`), 1))), nil, isType[*IssuerURLError]},
		{"wrong vc.type", mk(func(o *IssueOptions) { o.Types = []string{"VerifiableCredential"} }), nil, isType[*TypeError]},
		{"expired", mk(func(o *IssueOptions) { o.Expires = at.Add(-time.Minute) }), nil, func(err error) bool { return errors.Is(err, ErrExpired) }},
		{"nbf in the future", mk(func(o *IssueOptions) { o.NotBefore = at.Add(time.Hour) }), nil, func(err error) bool { return errors.Is(err, ErrNotYetValid) }},
		{"revoked, no timestamp", mk(func(o *IssueOptions) { o.RID = "FKDIxsTCGlU" }), nil, func(err error) bool { return errors.Is(err, ErrRevoked) }},
		{"revoked with timestamp, issued before", mk(func(o *IssueOptions) { o.RID = "XkNHp2Iyk0Y"; o.NotBefore = time.UnixMilli(1687450764999) }), nil, func(err error) bool { return errors.Is(err, ErrRevoked) }},
		{"timestamp entry, issued after", mk(func(o *IssueOptions) { o.RID = "XkNHp2Iyk0Y" }), nil, func(err error) bool { return err == nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			c, err := Parse(tt.jws)
			if tt.parse != nil {
				if err == nil || !tt.parse(err) {
					t.Fatalf("Parse: %T %v", err, err)
				}
				if d := time.Since(start); d > 2*time.Second {
					t.Errorf("refusal took %v", d)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			_, err = Verify(c, r, at)
			if !tt.ver(err) {
				t.Fatalf("Verify: %T %v", err, err)
			}
		})
	}
}

func TestCRLVersionMismatch(t *testing.T) {
	r := specResolver(t)
	for k, ik := range r {
		if ik.CRLVersion == 1 {
			cp := *ik
			cp.CRLVersion = 2
			r[k] = &cp
		}
	}
	card, _ := Parse(strings.TrimSpace(string(read(t, "examples/example-00-d-jws.txt"))))
	if _, err := Verify(card, r, time.Unix(1687450800, 0)); !isType[*CRLError](err) {
		t.Fatalf("%T %v", err, err)
	}
	for k, ik := range r {
		cp := *ik
		cp.CRL = nil
		r[k] = &cp
	}
	if _, err := Verify(card, r, time.Unix(1687450800, 0)); !isType[*CRLError](err) {
		t.Fatalf("no CRL: %T %v", err, err)
	}
}

func TestParseCRLErrors(t *testing.T) {
	for _, doc := range []string{
		`{}`, `{"kid":"a","method":"rid","ctr":0,"rids":[]}`,
		`{"kid":"a","method":"hash","ctr":1,"rids":[]}`,
		`{"method":"rid","ctr":1,"rids":[]}`,
		`{"kid":"a","method":"rid","ctr":1,"rids":["a.b"]}`,
		`{"kid":"a","method":"rid","ctr":1,"rids":["a b"]}`,
		`not json`,
	} {
		if _, err := ParseCRL([]byte(doc)); !isType[*CRLError](err) {
			t.Errorf("ParseCRL(%s) = %v", doc, err)
		}
	}
}

func TestMinifyRules(t *testing.T) {
	in := `{"resourceType":"Bundle","id":"b","meta":{"lastUpdated":"x"},"type":"collection","entry":[
	 {"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","id":"p1","text":{"status":"generated"},"name":[{"family":"X","given":[]}],"extension":[]}},
	 {"fullUrl":"https://ehr/Immunization/i1","resource":{"resourceType":"Immunization","id":"i1","status":"completed",
	   "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"207","display":"Moderna"}],"text":"Moderna"},
	   "patient":{"reference":"Patient/p1"},"performer":[{"actor":{"display":"Clinic"}}],"note":[{"text":"kept"}],"lotNumber":null}}]}`
	got, err := Minify([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"resource:0","resource":{"resourceType":"Patient","name":[{"family":"X"}]}},{"fullUrl":"resource:1","resource":{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"207"}]},"patient":{"reference":"resource:0"},"performer":[{"actor":{"display":"Clinic"}}],"note":[{"text":"kept"}]}}]}`
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	for _, bad := range []string{`[]`, `{"resourceType":"Patient"}`, `{"resourceType":"Bundle"} x`, `{"a":1,"a":2}`, strings.Repeat("[", 100) + strings.Repeat("]", 100),
		// Cases found by fuzzing (FuzzVerifySignedSHC): a reference that
		// resolves only once the entries are renamed "resource:N".
		`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient"}},{"resource":{"resourceType":"Immunization","patient":{"reference":"resource:0"}}}]}`,
		`{"resourceType":"Bundle","entry":[{"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient"}},{"resource":{"resourceType":"Immunization","patient":{"reference":"resource:0"}}}]}`,
		// Invalid UTF-8, which encoding/json would have signed as U+FFFD.
		"{\"resourceType\":\"Bundle\",\"entry\":[{\"resource\":{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Ha\xffddad\"}]}}]}",
	} {
		if _, err := Minify([]byte(bad)); err == nil {
			t.Errorf("Minify(%.20s) accepted", bad)
		}
	}
}

func FuzzParseQR(f *testing.F) {
	matches, _ := filepath.Glob(spec + "examples/*-f-qr-code-numeric-value-*.txt")
	for _, m := range matches {
		b, _ := os.ReadFile(m)
		f.Add(string(b))
	}
	f.Add("shc:/1/2/5656")
	f.Add("shc:/78")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseQR(s)
		if err != nil {
			return
		}
		if c.Total == 1 {
			back, err := EncodeQR(c.JWS)
			if err != nil || !strings.EqualFold(back, strings.TrimSpace(s)) {
				t.Fatalf("round trip: %q → %q (%v)", s, back, err)
			}
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, ex := range []string{"00", "01", "02", "03"} {
		b, _ := os.ReadFile(spec + "examples/example-" + ex + "-d-jws.txt")
		f.Add(string(b))
	}
	r := specResolver(f)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			return
		}
		if len(c.Payload) > MaxPayload || c.Claims.Bundle == nil {
			t.Fatal("accepted a card without a bundle or over the limit")
		}
		Verify(c, r, time.Now())
	})
}

func FuzzParseFile(f *testing.F) {
	f.Add(read(f, "examples/example-00-e-file.smart-health-card"))
	f.Fuzz(func(t *testing.T, b []byte) {
		vcs, err := ParseFile(b)
		if err == nil && len(vcs) == 0 {
			t.Fatal("empty accepted")
		}
	})
}

func FuzzParseCRL(f *testing.F) {
	f.Add(read(f, "issuer/.well-known/crl/3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s.json"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCRL(b)
		if err != nil {
			return
		}
		if _, err := ParseCRL(c.Format()); err != nil {
			t.Fatalf("re-parse: %v", err)
		}
	})
}
