package verifier

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/internal/ratiobench"
	"github.com/immunopass/immunopass/internal/spectest"
)

func specVerifier(t testing.TB, at time.Time) *Verifier {
	s := trust.New()
	if err := s.Load("spec", spectest.Snapshot(t)); err != nil {
		t.Fatal(err)
	}
	return &Verifier{Trust: s, At: at}
}

var specNow = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

func in(t testing.TB, elem ...string) Input {
	return Input{Name: filepath.Join(elem...), Data: spectest.Read(t, elem...)}
}

// TestSpecExamplesEveryForm verifies each official example from its JWS, its
// file, its numeric QR text, its PNG render and its SVG, and expects the
// verdicts of expected.json.
func TestSpecExamplesEveryForm(t *testing.T) {
	var exp struct {
		Examples []struct {
			Example, Verdict, Reason string
			Files                    []string
		}
	}
	if err := json.Unmarshal(spectest.Read(t, "expected.json"), &exp); err != nil {
		t.Fatal(err)
	}
	v := specVerifier(t, specNow)
	for _, ex := range exp.Examples {
		want := []string{OK}
		if ex.Verdict == "invalid" {
			want = strings.Split(ex.Reason, "+")
		}
		forms := map[string][]Input{
			"jws":  {in(t, "examples", "example-"+ex.Example+"-d-jws.txt")},
			"file": {in(t, "examples", "example-"+ex.Example+"-e-file.smart-health-card")},
		}
		var numeric, svg, png []Input
		for _, f := range ex.Files {
			switch {
			case strings.Contains(f, "-f-qr-code-numeric"):
				numeric = append(numeric, in(t, "examples", f))
			case strings.HasSuffix(f, ".svg"):
				svg = append(svg, in(t, "examples", f))
				png = append(png, in(t, "examples", "png", strings.TrimSuffix(f, ".svg")+".png"))
			}
		}
		// Chunks in every rotation, and reversed.
		for i := range numeric {
			forms[fmt.Sprintf("numeric rot%d", i)] = rotate(numeric, i)
			forms[fmt.Sprintf("png rot%d", i)] = rotate(png, i)
			forms[fmt.Sprintf("svg rot%d", i)] = rotate(svg, i)
		}
		forms["numeric reversed"] = reversed(numeric)
		// All chunk texts in one input, one per line.
		var lines [][]byte
		for _, n := range reversed(numeric) {
			lines = append(lines, bytes.TrimSpace(n.Data))
		}
		forms["numeric one input"] = []Input{{Name: "lines", Data: bytes.Join(lines, []byte("\n"))}}
		for form, inputs := range forms {
			t.Run(ex.Example+"/"+form, func(t *testing.T) {
				rs := v.Verify(inputs)
				if len(rs) != 1 {
					t.Fatalf("%d results: %+v", len(rs), rs)
				}
				r := rs[0]
				if !slices.Equal(r.Reasons, want) || r.Valid != (ex.Verdict == "valid") || r.Format != FormatSHC {
					t.Fatalf("reasons %v valid %v format %q (%v), want %v", r.Reasons, r.Valid, r.Format, r.Messages, want)
				}
				if r.Issuer.ID != spectest.Iss || r.Issuer.Name == "" {
					t.Errorf("issuer %+v", r.Issuer)
				}
				if ex.Example != "02" && (r.Subject.Name == "" || len(r.Immunizations) == 0) {
					t.Errorf("subject %+v immunizations %d", r.Subject, len(r.Immunizations))
				}
				if len(inputs) > 1 {
					first := inputs[0].Name
					for _, in := range inputs {
						if strings.Contains(in.Name, "-0.") {
							first = in.Name
						}
					}
					if r.Input != first {
						t.Errorf("input %q, want the first chunk's %q", r.Input, first)
					}
				}
			})
		}
	}
}

func rotate(in []Input, i int) []Input { return append(append([]Input{}, in[i:]...), in[:i]...) }
func reversed(in []Input) []Input {
	out := slices.Clone(in)
	slices.Reverse(out)
	return out
}

// card signs a payload with the spec key 0 (or k) as a health card JWS.
type cardOpts struct {
	key     *jose.PrivateKey
	header  jose.Header
	payload []byte // raw, before DEFLATE
	raw     []byte // used as the JWS payload as is, when set
}

func sign(t testing.TB, o cardOpts) string {
	if o.key == nil {
		o.key = spectest.PrivateKey(t, 0)
	}
	if o.header.Zip == "" {
		o.header.Zip = "DEF"
	}
	p := o.raw
	if p == nil {
		p = shc.Deflate(o.payload)
	}
	s, err := o.key.Sign(o.header, p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func payload(t testing.TB, mut func(*shc.IssueOptions), bundle []byte) []byte {
	o := shc.IssueOptions{Issuer: spectest.Iss, NotBefore: specNow.Add(-time.Hour)}
	if mut != nil {
		mut(&o)
	}
	if bundle == nil {
		bundle = spectest.Read(t, "examples", "example-00-a-fhirBundle.json")
	}
	min, err := shc.Minify(bundle)
	if err != nil {
		t.Fatal(err)
	}
	return shc.Payload(min, o)
}

func TestReasons(t *testing.T) {
	v := specVerifier(t, specNow)
	good := payload(t, nil, nil)
	goodJWS := sign(t, cardOpts{payload: good})
	parts := strings.Split(goodJWS, ".")
	b64 := base64.RawURLEncoding.EncodeToString
	other, _ := jose.GenerateKey()
	otherSameKid, _ := jose.NewPrivateKey(other.ECDSA(), spectest.KID0)
	qrText := func(jws string) string { s, _ := shc.EncodeQR(jws); return s }
	// A spec-trusting store where key 0's CRL ctr does not match crlVersion.
	var snap map[string]any
	json.Unmarshal(spectest.Snapshot(t), &snap)
	info := snap["issuerInfo"].([]any)[0].(map[string]any)
	info["crls"].([]any)[0].(map[string]any)["ctr"] = 2
	badCRL, _ := json.Marshal(snap)
	// A store where the spec issuer's key 0 is unusable (published with d).
	info["keys"].([]any)[0].(map[string]any)["d"] = "AAAA"
	badKey, _ := json.Marshal(snap)
	blank, _ := qr.Encode("hello", qr.L)
	blankPNG, _ := blank.PNG(4)
	noBundle := []byte(`{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"resource:0","resource":{"resourceType":"Patient","name":[{"family":"X"}]}}]}`)

	tests := []struct {
		name  string
		input string
		data  []byte
		trust []byte // replaces the spec snapshot when set
		want  []string
	}{
		{"valid", goodJWS, nil, nil, []string{OK}},
		{"bad-qr: odd digits", "shc:/567", nil, nil, []string{BadQR}},
		{"bad-qr: pair over 77", "shc:/5678", nil, nil, []string{BadQR}},
		{"bad-chunks: missing", "shc:/1/2/56", nil, nil, []string{BadChunks}},
		{"bad-chunks: duplicate", "shc:/1/2/56\nshc:/1/2/56\nshc:/2/2/56", nil, nil, []string{BadChunks}},
		{"qr-decode-error: image without a code", "", whitePNG(t), nil, []string{QRDecodeError}},
		{"qr-decode-error: not an image", "", []byte("\x00\x01garbage"), nil, []string{QRDecodeError}},
		{"bad-encoding: a readable QR that is no credential", "", blankPNG, nil, []string{BadEncoding}},
		{"too-large: one QR over 1195 chars", "shc:/" + strings.Repeat("56", 1196), nil, nil, []string{TooLarge}},
		{"too-large: huge image header", "", hugePNGHeader(), nil, []string{TooLarge}},
		{"bad-encoding: not base64url", parts[0] + "." + parts[1] + "*." + parts[2], nil, nil, []string{BadEncoding}},
		{"bad-encoding: junk text", "hello world", nil, nil, []string{BadEncoding}},
		{"bad-header: alg none", b64([]byte(`{"alg":"none","zip":"DEF"}`)) + "." + parts[1] + "." + parts[2], nil, nil, []string{BadHeader}},
		{"bad-header: HS256", b64([]byte(`{"alg":"HS256","zip":"DEF","kid":"`+spectest.KID0+`"}`)) + "." + parts[1] + "." + parts[2], nil, nil, []string{BadHeader}},
		{"bad-header: jwk in header", b64([]byte(`{"alg":"ES256","zip":"DEF","jwk":{}}`)) + "." + parts[1] + "." + parts[2], nil, nil, []string{BadHeader}},
		{"bad-compression: not deflated", sign(t, cardOpts{raw: good}), nil, nil, []string{BadCompression}},
		{"bad-payload: no vc", sign(t, cardOpts{payload: []byte(`{"iss":"` + spectest.Iss + `","nbf":1}`)}), nil, nil, []string{BadPayload}},
		{"bad-signature: zeroed", parts[0] + "." + parts[1] + "." + b64(make([]byte, 64)), nil, nil, []string{BadSignature}},
		{"bad-signature: other key same kid", sign(t, cardOpts{key: otherSameKid, payload: good}), nil, nil, []string{BadSignature}},
		{"bad-signature-format: DER", parts[0] + "." + parts[1] + "." + b64(append([]byte{0x30, 0x44, 0x02, 0x20}, make([]byte, 66)...)), nil, nil, []string{BadSignatureFormat}},
		{"unknown-issuer", sign(t, cardOpts{payload: payload(t, func(o *shc.IssueOptions) { o.Issuer = "https://other.example" }, nil)}), nil, nil, []string{UnknownIssuer}},
		{"unknown-kid", sign(t, cardOpts{key: other, payload: good}), nil, nil, []string{UnknownKID}},
		{"bad-issuer-url: trailing slash", sign(t, cardOpts{payload: bytes.Replace(good, []byte(spectest.Iss+`"`), []byte(spectest.Iss+`/"`), 1)}), nil, nil, []string{BadIssuerURL}},
		{"bad-key", goodJWS, nil, badKey, []string{BadKey}},
		{"bad-crl: ctr differs from crlVersion", goodJWS, nil, badCRL, []string{BadCRL}},
		{"wrong-type", sign(t, cardOpts{payload: payload(t, func(o *shc.IssueOptions) { o.Types = []string{"https://smarthealth.cards#covid19"} }, nil)}), nil, nil, []string{WrongType}},
		{"expired", sign(t, cardOpts{payload: payload(t, func(o *shc.IssueOptions) { o.Expires = specNow.Add(-time.Second) }, nil)}), nil, nil, []string{Expired}},
		{"not-yet-valid", sign(t, cardOpts{payload: payload(t, func(o *shc.IssueOptions) { o.NotBefore = specNow.Add(time.Hour) }, nil)}), nil, nil, []string{NotYetValid}},
		{"revoked without timestamp", sign(t, cardOpts{payload: payload(t, func(o *shc.IssueOptions) { o.RID = "TqB_qu_6OtM" }, nil)}), nil, nil, []string{Revoked}},
		{"revoked with timestamp", sign(t, cardOpts{payload: payload(t, func(o *shc.IssueOptions) { o.RID = "XkNHp2Iyk0Y"; o.NotBefore = time.Unix(1687450000, 0) }, nil)}), nil, nil, []string{Revoked}},
		{"schema: immunization card without immunizations", sign(t, cardOpts{payload: payload(t, nil, noBundle)}), nil, nil, []string{Schema}},
		{"bad-encoding: a damaged EU DCC", "HC1:6BFOXN%TS3DH0YOJ58S", nil, nil, []string{BadEncoding}},
		{"qr text of a valid card", qrText(goodJWS), nil, nil, []string{OK}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vv := v
			if tt.trust != nil {
				s := trust.New()
				if err := s.Load("t", tt.trust); err != nil {
					t.Fatal(err)
				}
				vv = &Verifier{Trust: s, At: specNow}
			}
			data := tt.data
			if data == nil {
				data = []byte(tt.input)
			}
			rs := vv.Verify([]Input{{Name: "x", Data: data}})
			if len(rs) != 1 {
				t.Fatalf("%d results", len(rs))
			}
			if !slices.Equal(rs[0].Reasons, tt.want) || rs[0].Valid != (tt.want[0] == OK) {
				t.Fatalf("reasons %v (%v), want %v", rs[0].Reasons, rs[0].Messages, tt.want)
			}
			if !rs[0].Valid && len(rs[0].Messages) == 0 {
				t.Error("invalid without a message")
			}
		})
	}
}

func whitePNG(t testing.TB) []byte {
	img := image.NewGray(image.Rect(0, 0, 64, 64))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// hugePNGHeader is the start of a PNG that claims 20000×20000 pixels.
func hugePNGHeader() []byte {
	ihdr := []byte{0, 0, 0x4e, 0x20, 0, 0, 0x4e, 0x20, 8, 0, 0, 0, 0}
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestReasonMessagesAreWords(t *testing.T) {
	for code := range reasonWords {
		if reasonWords[code] == "" {
			t.Errorf("%s has no words", code)
		}
	}
	var out bytes.Buffer
	v := specVerifier(t, specNow)
	WriteText(&out, v.Verify([]Input{in(t, "examples", "example-03-d-jws.txt")}))
	for _, want := range []string{"INVALID", "revoked", "expired", "Johnny Revoked", "born 1960-04-22", "ABC General Hospital"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestJSONContract(t *testing.T) {
	v := specVerifier(t, specNow)
	var out bytes.Buffer
	WriteJSON(&out, v.Verify([]Input{in(t, "examples", "example-00-d-jws.txt"), {Name: "bad", Data: []byte("shc:/5")}}))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"input", "format", "valid", "reasons", "warnings", "issuer", "subject", "immunizations", "binding", "disclosed", "withheld"} {
			if _, ok := m[k]; !ok {
				t.Errorf("member %q missing in %s", k, l)
			}
		}
	}
	var r Result
	json.Unmarshal([]byte(lines[0]), &r)
	im := r.Immunizations[0]
	if im.Vaccine.System != "http://hl7.org/fhir/sid/cvx" || im.Vaccine.Code != "207" || im.Date != "2021-01-01" || im.Lot != "0000001" || im.Performer != "ABC General Hospital" {
		t.Errorf("immunization %+v", im)
	}
	if r.Subject.Name != "John B. Anyperson" || r.Subject.BirthDate != "1951-01-20" || r.Binding != "none" {
		t.Errorf("subject %+v binding %q", r.Subject, r.Binding)
	}
}

func FuzzVerify(f *testing.F) {
	for _, name := range []string{"example-00-d-jws.txt", "example-00-f-qr-code-numeric-value-0.txt", "example-02-f-qr-code-numeric-value-1.txt", "example-00-e-file.smart-health-card"} {
		f.Add(spectest.Read(f, "examples", name))
	}
	f.Add([]byte("HC1:xyz"))
	f.Add([]byte("a.b.c~d~"))
	v := specVerifier(f, specNow)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, r := range v.Verify([]Input{{Name: "fuzz", Data: data}}) {
			if len(r.Reasons) == 0 || r.Valid != (r.Reasons[0] == OK) {
				t.Fatalf("result without a verdict: %+v", r)
			}
			for _, c := range r.Reasons {
				if c != OK && reasonWords[c] == "" {
					t.Fatalf("unknown reason %q", c)
				}
			}
		}
	})
}

// BenchmarkVerifySHC measures QR text → verdict for a three-dose card, with
// the bare ES256 check of the same card in the same run as its floor.
func BenchmarkVerifySHC(b *testing.B) {
	v := specVerifier(b, specNow)
	text := spectest.Read(b, "examples", "example-00-f-qr-code-numeric-value-0.txt")
	ins := []Input{{Name: "qr", Data: text}}
	b.Run("qr-text-to-verdict", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if r := v.Verify(ins); !r[0].Valid {
				b.Fatal(r[0].Reasons)
			}
		}
	})
	b.Run("interleaved", func(b *testing.B) {
		jws := strings.TrimSpace(string(spectest.Read(b, "examples", "example-00-d-jws.txt")))
		j, _ := jose.Parse(jws)
		key := spectest.PrivateKey(b, 0).Public()
		in := string(j.SigningInput())
		ratiobench.Run(b, func() error {
			if r := v.Verify(ins); !r[0].Valid {
				return fmt.Errorf("%v", r[0].Reasons)
			}
			return nil
		}, func() error { return jose.VerifyES256(key, in, j.Signature) })
	})
	b.Run("bare-es256", func(b *testing.B) {
		jws := strings.TrimSpace(string(spectest.Read(b, "examples", "example-00-d-jws.txt")))
		j, _ := jose.Parse(jws)
		key := spectest.PrivateKey(b, 0).Public()
		in := string(j.SigningInput())
		b.ReportAllocs()
		for b.Loop() {
			if err := jose.VerifyES256(key, in, j.Signature); err != nil {
				b.Fatal(err)
			}
		}
	})
}
