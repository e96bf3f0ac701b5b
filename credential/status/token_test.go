package status

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
)

type vectorFile struct {
	Vectors []struct {
		Name     string
		Bits     int
		Lst      string
		Bytes    string
		Size     int
		Statuses map[string]uint8
	}
}

func loadVectors(t testing.TB) vectorFile {
	b, err := os.ReadFile("testdata/draft-17-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectorFile
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestDraftVectors decodes the draft's examples and test vectors to the
// draft's statuses (every unlisted entry 0), and encodes them back.
func TestDraftVectors(t *testing.T) {
	for _, v := range loadVectors(t).Vectors {
		t.Run(v.Name, func(t *testing.T) {
			l, err := DecodeList(v.Bits, v.Lst)
			if err != nil {
				t.Fatal(err)
			}
			if l.Len() != v.Size || l.Bits() != v.Bits {
				t.Fatalf("decoded %d entries of %d bits, want %d of %d", l.Len(), l.Bits(), v.Size, v.Bits)
			}
			if v.Bytes != "" {
				want, _ := hex.DecodeString(v.Bytes)
				if !bytes.Equal(l.data, want) {
					t.Errorf("bytes % x, want % x", l.data, want)
				}
			}
			nonzero := 0
			for k, want := range v.Statuses {
				i, _ := strconv.Atoi(k)
				if got, err := l.Get(i); err != nil || got != want {
					t.Errorf("status[%d] = %d, %v; want %d", i, got, err, want)
				}
				if want != 0 {
					nonzero++
				}
			}
			count := 0
			for i := range l.Len() {
				if l.get(i) != 0 {
					count++
				}
			}
			if count != nonzero {
				t.Errorf("%d non-zero entries, the draft lists %d", count, nonzero)
			}
			// Encode back: our ZLIB bytes may differ from the draft's
			// encoder, the list they carry may not.
			enc := l.Encode()
			again, err := DecodeList(v.Bits, enc)
			if err != nil || !bytes.Equal(again.data, l.data) {
				t.Fatalf("re-encoded list does not decode to the same bytes: %v", err)
			}
			t.Logf("draft lst %d chars, ours %d (identical: %v)", len(v.Lst), len(enc), enc == v.Lst)
		})
	}
}

type specExamples struct {
	DraftToken struct {
		JWT, KID, Iss, Sub string
		Iat, Exp, TTL      int64
		Bits               int
		Statuses           []uint8
	} `json:"draft_token"`
	W3CEncodedList struct {
		EncodedList string
		Bytes       int
	} `json:"w3c_encoded_list"`
}

func loadExamples(t testing.TB) specExamples {
	b, err := os.ReadFile("testdata/spec-examples.json")
	if err != nil {
		t.Fatal(err)
	}
	var e specExamples
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestParseDraftToken(t *testing.T) {
	ex := loadExamples(t).DraftToken
	tok, err := ParseToken(ex.JWT)
	if err != nil {
		t.Fatal(err)
	}
	if tok.KID != ex.KID || tok.Issuer != ex.Iss || tok.URI != ex.Sub ||
		tok.IssuedAt.Unix() != ex.Iat || tok.Expires.Unix() != ex.Exp ||
		tok.TTL != time.Duration(ex.TTL)*time.Second || tok.Bits() != ex.Bits || tok.Len() != len(ex.Statuses) {
		t.Errorf("parsed %+v", tok)
	}
	if _, err := tok.Status(0); !errors.Is(err, ErrNotVerified) {
		t.Errorf("Status before Verify = %v, want ErrNotVerified", err)
	}
	for i, want := range ex.Statuses {
		if got := tok.list.get(i); got != want {
			t.Errorf("status[%d] = %d, want %d", i, got, want)
		}
	}
}

var (
	keyOnce      sync.Once
	key1, key2   *jose.PrivateKey
	testIssuedAt = time.Unix(1_790_000_000, 0)
)

func testKeys(t testing.TB) (*jose.PrivateKey, *jose.PrivateKey) {
	keyOnce.Do(func() {
		var err error
		if key1, err = jose.GenerateKey(); err != nil {
			panic(err)
		}
		if key2, err = jose.GenerateKey(); err != nil {
			panic(err)
		}
	})
	return key1, key2
}

func TestTokenRoundTrip(t *testing.T) {
	k, other := testKeys(t)
	for _, bits := range []int{1, 2, 4, 8} {
		l, err := New(bits, MinSize)
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(uint64(bits), 9))
		want := map[int]uint8{}
		for range 500 {
			i, v := r.IntN(l.Len()), uint8(r.IntN(1<<bits))
			l.Set(i, v)
			want[i] = v
		}
		exp := testIssuedAt.Add(24 * time.Hour)
		compact, err := l.Token(k, "https://registry.example/status/7", testIssuedAt, exp, 12*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := ParseToken(compact)
		if err != nil {
			t.Fatalf("bits %d: %v", bits, err)
		}
		if tok.URI != "https://registry.example/status/7" || !tok.IssuedAt.Equal(testIssuedAt) ||
			!tok.Expires.Equal(exp) || tok.TTL != 12*time.Hour || tok.KID != k.Public().KID() || tok.Bits() != bits {
			t.Errorf("bits %d: parsed %+v", bits, tok)
		}
		if err := tok.Verify(other.Public()); !errors.Is(err, jose.ErrBadSignature) {
			t.Errorf("Verify with another key = %v, want jose.ErrBadSignature", err)
		}
		if _, err := tok.Status(0); !errors.Is(err, ErrNotVerified) {
			t.Errorf("Status after a failed Verify = %v, want ErrNotVerified", err)
		}
		if err := tok.Verify(k.Public()); err != nil {
			t.Fatal(err)
		}
		for i, v := range want {
			if got, err := tok.Status(i); err != nil || got != v {
				t.Errorf("bits %d: Status(%d) = %d, %v; want %d", bits, i, got, err, v)
			}
		}
		var ie *IndexError
		if _, err := tok.Status(tok.Len()); !errors.As(err, &ie) {
			t.Errorf("Status(Len) = %v, want *IndexError", err)
		}
		ref := Reference{Idx: 5, URI: "https://registry.example/status/7"}
		if _, err := tok.StatusOf(ref); err != nil {
			t.Errorf("StatusOf(%+v): %v", ref, err)
		}
		var me *URIMismatchError
		if _, err := tok.StatusOf(Reference{Idx: 5, URI: "https://registry.example/status/8"}); !errors.As(err, &me) {
			t.Errorf("StatusOf another list = %v, want *URIMismatchError", err)
		}
	}
}

func TestTokenOptionalClaims(t *testing.T) {
	k, _ := testKeys(t)
	l, _ := New(1, MinSize)
	compact, err := l.Token(k, "https://registry.example/s/1", testIssuedAt, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	j, _ := jose.Parse(compact)
	if strings.Contains(string(j.Payload), "exp") || strings.Contains(string(j.Payload), "ttl") {
		t.Errorf("payload %s has exp or ttl", j.Payload)
	}
	if j.Header.Typ != TokenType || j.Header.Alg != "ES256" {
		t.Errorf("header %+v", j.Header)
	}
	tok, err := ParseToken(compact)
	if err != nil {
		t.Fatal(err)
	}
	if !tok.Expires.IsZero() || tok.TTL != 0 || tok.Expired(testIssuedAt.Add(1000*time.Hour)) {
		t.Errorf("exp %v ttl %v", tok.Expires, tok.TTL)
	}
	for _, tc := range []struct {
		uri      string
		exp      time.Time
		ttl      time.Duration
		wantFail bool
	}{
		{"relative/uri", time.Time{}, 0, true},
		{"", time.Time{}, 0, true},
		{"https://x.example/s", testIssuedAt.Add(-time.Second), 0, true},
		{"https://x.example/s", time.Time{}, time.Millisecond, true},
		{"https://x.example/s", time.Time{}, -time.Second, true},
		{"https://x.example/s", testIssuedAt, time.Second, false},
	} {
		_, err := l.Token(k, tc.uri, testIssuedAt, tc.exp, tc.ttl)
		if (err != nil) != tc.wantFail {
			t.Errorf("Token(%q, exp %v, ttl %v) = %v", tc.uri, tc.exp, tc.ttl, err)
		}
	}
}

func TestExpiredTokenParses(t *testing.T) {
	k, _ := testKeys(t)
	l, _ := New(1, MinSize)
	exp := testIssuedAt.Add(time.Hour)
	compact, _ := l.Token(k, "https://registry.example/s/1", testIssuedAt, exp, 0)
	tok, err := ParseToken(compact)
	if err != nil {
		t.Fatal(err)
	}
	if !tok.Expires.Equal(exp) || !tok.Expired(exp) || tok.Expired(exp.Add(-time.Second)) {
		t.Errorf("Expires %v, Expired(exp) %v", tok.Expires, tok.Expired(exp))
	}
}

// signRaw signs an arbitrary header and payload, for hostile tokens.
func signRaw(t testing.TB, k *jose.PrivateKey, header, payload string) string {
	enc := base64.RawURLEncoding
	in := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	sig, err := k.SignES256([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + enc.EncodeToString(sig)
}

func zlibB64(data []byte) string {
	var buf bytes.Buffer
	w, _ := zlib.NewWriterLevel(&buf, flate.BestCompression)
	w.Write(data)
	w.Close()
	return base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

var (
	bombOnce sync.Once
	bombLst  string
)

// zlibBomb is 256 MiB of zeros as ZLIB: about 256 KB, the most DEFLATE can
// squeeze it (its ratio tops out near 1032:1).
func zlibBomb() string {
	bombOnce.Do(func() {
		var buf bytes.Buffer
		w, _ := zlib.NewWriterLevel(&buf, flate.BestCompression)
		zeros := make([]byte, 1<<20)
		for range 256 {
			w.Write(zeros)
		}
		w.Close()
		bombLst = base64.RawURLEncoding.EncodeToString(buf.Bytes())
	})
	return bombLst
}

func TestParseTokenRejects(t *testing.T) {
	k, _ := testKeys(t)
	good := zlibB64([]byte{0xB9, 0xA3})
	hdr := `{"alg":"ES256","typ":"statuslist+jwt"}`
	claims := func(sl string) string {
		return `{"sub":"https://x.example/s/1","iat":1790000000,"status_list":` + sl + `}`
	}
	var (
		typErr   *TypeError
		claimErr *ClaimError
		encErr   *EncodingError
		compErr  *CompressionError
		joseHdr  *jose.HeaderError
		joseEnc  *jose.EncodingError
	)
	for _, tc := range []struct {
		name    string
		compact string
		want    any // pointer to the error type expected
	}{
		{"wrong typ", signRaw(t, k, `{"alg":"ES256","typ":"JWT"}`, claims(`{"bits":1,"lst":"`+good+`"}`)), &typErr},
		{"no typ", signRaw(t, k, `{"alg":"ES256"}`, claims(`{"bits":1,"lst":"`+good+`"}`)), &typErr},
		{"media type typ", signRaw(t, k, `{"alg":"ES256","typ":"application/statuslist+jwt"}`, claims(`{"bits":1,"lst":"`+good+`"}`)), &typErr},
		{"alg none", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"statuslist+jwt"}`)) + "." +
			base64.RawURLEncoding.EncodeToString([]byte(claims(`{"bits":1,"lst":"`+good+`"}`))) + ".AA", &joseHdr},
		{"alg HS256", signRaw(t, k, `{"alg":"HS256","typ":"statuslist+jwt"}`, claims(`{"bits":1,"lst":"`+good+`"}`)), &joseHdr},
		{"zip header", signRaw(t, k, `{"alg":"ES256","typ":"statuslist+jwt","zip":"DEF"}`, claims(`{"bits":1,"lst":"`+good+`"}`)), &joseHdr},
		{"not a jws", "abc", &joseEnc},
		{"bits 3", signRaw(t, k, hdr, claims(`{"bits":3,"lst":"`+good+`"}`)), &claimErr},
		{"bits 0", signRaw(t, k, hdr, claims(`{"bits":0,"lst":"`+good+`"}`)), &claimErr},
		{"bits 1.0", signRaw(t, k, hdr, claims(`{"bits":1.0,"lst":"`+good+`"}`)), &claimErr},
		{"bits string", signRaw(t, k, hdr, claims(`{"bits":"1","lst":"`+good+`"}`)), &claimErr},
		{"no bits", signRaw(t, k, hdr, claims(`{"lst":"`+good+`"}`)), &claimErr},
		{"no lst", signRaw(t, k, hdr, claims(`{"bits":1}`)), &claimErr},
		{"unknown member", signRaw(t, k, hdr, claims(`{"bits":1,"lst":"`+good+`","x":1}`)), &claimErr},
		{"status_list not object", signRaw(t, k, hdr, claims(`[1]`)), &claimErr},
		{"lst not base64url", signRaw(t, k, hdr, claims(`{"bits":1,"lst":"eNrbuRgAAhcBXQ+/"}`)), &encErr},
		{"lst padded", signRaw(t, k, hdr, claims(`{"bits":1,"lst":"eNrbuRgAAhcBXQ=="}`)), &encErr},
		{"lst non-canonical", signRaw(t, k, hdr, claims(`{"bits":1,"lst":"eNrbuRgAAhcBXR"}`)), &encErr},
		{"lst empty", signRaw(t, k, hdr, claims(`{"bits":1,"lst":""}`)), &encErr},
		{"lst not zlib", signRaw(t, k, hdr, claims(`{"bits":1,"lst":"`+base64.RawURLEncoding.EncodeToString([]byte("hello, world"))+`"}`)), &compErr},
		{"lst raw deflate", signRaw(t, k, hdr, claims(`{"bits":1,"lst":"27kYAA"}`)), &compErr},
		{"lst bad checksum", signRaw(t, k, hdr, claims(`{"bits":1,"lst":"eNrbuRgAAhcBXg"}`)), &compErr},
		{"lst truncated", signRaw(t, k, hdr, claims(`{"bits":1,"lst":"eNrbuRgAAhc"}`)), &compErr},
		{"lst trailing data", signRaw(t, k, hdr, claims(`{"bits":1,"lst":"eNrbuRgAAhcBXQAA"}`)), &compErr},
		{"lst empty list", signRaw(t, k, hdr, claims(`{"bits":1,"lst":"`+zlibB64(nil)+`"}`)), &claimErr},
		{"no sub", signRaw(t, k, hdr, `{"iat":1,"status_list":{"bits":1,"lst":"`+good+`"}}`), &claimErr},
		{"relative sub", signRaw(t, k, hdr, `{"sub":"lists/1","iat":1,"status_list":{"bits":1,"lst":"`+good+`"}}`), &claimErr},
		{"no iat", signRaw(t, k, hdr, `{"sub":"https://x.example/1","status_list":{"bits":1,"lst":"`+good+`"}}`), &claimErr},
		{"iat string", signRaw(t, k, hdr, `{"sub":"https://x.example/1","iat":"1","status_list":{"bits":1,"lst":"`+good+`"}}`), &claimErr},
		{"negative iat", signRaw(t, k, hdr, `{"sub":"https://x.example/1","iat":-5,"status_list":{"bits":1,"lst":"`+good+`"}}`), &claimErr},
		{"exp before iat", signRaw(t, k, hdr, `{"sub":"https://x.example/1","iat":100,"exp":99,"status_list":{"bits":1,"lst":"`+good+`"}}`), &claimErr},
		{"ttl zero", signRaw(t, k, hdr, `{"sub":"https://x.example/1","iat":100,"ttl":0,"status_list":{"bits":1,"lst":"`+good+`"}}`), &claimErr},
		{"ttl negative", signRaw(t, k, hdr, `{"sub":"https://x.example/1","iat":100,"ttl":-3,"status_list":{"bits":1,"lst":"`+good+`"}}`), &claimErr},
		{"duplicate claim", signRaw(t, k, hdr, `{"sub":"https://x.example/1","sub":"https://y.example/1","iat":100,"status_list":{"bits":1,"lst":"`+good+`"}}`), &claimErr},
		{"payload not JSON", signRaw(t, k, hdr, `not json`), &claimErr},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := ParseToken(tc.compact)
			if err == nil {
				t.Fatalf("accepted: %+v", tok)
			}
			if !errors.As(err, tc.want) {
				t.Fatalf("error %T (%v), want %T", err, err, tc.want)
			}
			t.Log(err)
		})
	}
}

// TestZlibBombRefused: a 256 MiB bomb is refused after inflating at most
// MaxListBytes, quickly and without allocating anything near its size.
func TestZlibBombRefused(t *testing.T) {
	k, _ := testKeys(t)
	lst := zlibBomb()
	compact := signRaw(t, k, `{"alg":"ES256","typ":"statuslist+jwt"}`,
		`{"sub":"https://x.example/1","iat":100,"status_list":{"bits":1,"lst":"`+lst+`"}}`)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := ParseToken(compact)
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("ParseToken(bomb) = %v, want ErrTooLarge", err)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("bomb: %d-char lst (256 MiB inflated) refused in %v, %d MiB allocated", len(lst), elapsed, alloc>>20)
	if alloc > 3*MaxListBytes+uint64(8*len(compact)) {
		t.Errorf("allocated %d bytes refusing a bomb", alloc)
	}
	if elapsed > 2*time.Second {
		t.Errorf("took %v to refuse a bomb", elapsed)
	}
	if _, err := DecodeList(1, lst); !errors.Is(err, ErrTooLarge) {
		t.Errorf("DecodeList(bomb) = %v, want ErrTooLarge", err)
	}
}

func TestReference(t *testing.T) {
	r := Reference{Idx: 1234, URI: "https://registry.example/status/7"}
	b := r.Format()
	if string(b) != `{"status_list":{"idx":1234,"uri":"https://registry.example/status/7"}}` {
		t.Errorf("Format = %s", b)
	}
	got, err := ParseReference(b)
	if err != nil || got != r {
		t.Fatalf("ParseReference(%s) = %+v, %v", b, got, err)
	}
	var viaJSON struct{ Status Reference }
	if err := json.Unmarshal([]byte(`{"Status":`+string(b)+`}`), &viaJSON); err != nil || viaJSON.Status != r {
		t.Errorf("json.Unmarshal: %+v, %v", viaJSON, err)
	}
	ok := []string{
		`{"status_list":{"idx":0,"uri":"https://a.example/1"}}`,
		`{"status_list":{"idx":5,"uri":"https://a.example/1","extra":true},"other_mechanism":{}}`,
	}
	for _, s := range ok {
		if _, err := ParseReference([]byte(s)); err != nil {
			t.Errorf("ParseReference(%s): %v", s, err)
		}
	}
	bad := []string{
		`{}`, `[]`, `{"status_list":1}`,
		`{"status_list":{"uri":"https://a.example/1"}}`,
		`{"status_list":{"idx":-1,"uri":"https://a.example/1"}}`,
		`{"status_list":{"idx":1.5,"uri":"https://a.example/1"}}`,
		`{"status_list":{"idx":"1","uri":"https://a.example/1"}}`,
		`{"status_list":{"idx":99999999999,"uri":"https://a.example/1"}}`,
		`{"status_list":{"idx":1}}`,
		`{"status_list":{"idx":1,"uri":"not a uri"}}`,
		`{"status_list":{"idx":1,"idx":2,"uri":"https://a.example/1"}}`,
	}
	for _, s := range bad {
		if r, err := ParseReference([]byte(s)); err == nil {
			t.Errorf("ParseReference(%s) = %+v, want an error", s, r)
		}
	}
}
