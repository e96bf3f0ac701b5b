package status

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
)

func TestW3CBitOrder(t *testing.T) {
	// Statuses 1,0,0,1,1,1,0,1 are 0xB9 in the IETF order and 0x9D in the
	// W3C order (entry 0 is the most significant bit).
	l, _ := New(1, MinSize)
	for i, v := range []uint8{1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1} {
		l.Set(i, v)
	}
	l.Set(MinSize-1, 1)
	bs, err := l.bitstring(PurposeRevocation)
	if err != nil {
		t.Fatal(err)
	}
	if l.data[0] != 0xB9 || l.data[1] != 0xA3 || bs[0] != 0x9D || bs[1] != 0xC5 || bs[len(bs)-1] != 0x01 {
		t.Errorf("IETF % X…, W3C % X … %02X", l.data[:2], bs[:2], bs[len(bs)-1])
	}
	for i := range 256 {
		if reverse8(reverse8(byte(i))) != byte(i) || reverse8(1) != 0x80 {
			t.Fatal("reverse8")
		}
	}
}

// TestW3CMapping: a 2-bit list becomes a revocation list (Invalid and the
// application-specific 3) and a suspension list (Suspended).
func TestW3CMapping(t *testing.T) {
	l, _ := New(2, MinSize)
	l.Set(10, Invalid)
	l.Set(20, Suspended)
	l.Set(30, 3)
	rev, _ := l.bitstring(PurposeRevocation)
	sus, _ := l.bitstring(PurposeSuspension)
	bit := func(b []byte, i int) uint8 { return b[i/8] >> (7 - i%8) & 1 }
	for _, tc := range []struct {
		idx      int
		rev, sus uint8
	}{{10, 1, 0}, {20, 0, 1}, {30, 1, 0}, {0, 0, 0}, {MinSize - 1, 0, 0}} {
		if bit(rev, tc.idx) != tc.rev || bit(sus, tc.idx) != tc.sus {
			t.Errorf("entry %d: revocation %d suspension %d, want %d %d", tc.idx, bit(rev, tc.idx), bit(sus, tc.idx), tc.rev, tc.sus)
		}
	}
	if _, err := l.bitstring("message"); err == nil {
		t.Error("purpose message accepted")
	}
	small, _ := newList(1, 64)
	if _, err := small.bitstring(PurposeRevocation); err == nil {
		t.Error("a 64-entry W3C list was built")
	}
}

func TestW3CSpecExample(t *testing.T) {
	ex := loadExamples(t).W3CEncodedList
	bs, err := DecodeBitstring(ex.EncodedList)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != ex.Bytes || !bytes.Equal(bs, make([]byte, ex.Bytes)) {
		t.Errorf("decoded %d bytes, want %d zero bytes", len(bs), ex.Bytes)
	}
	again, err := DecodeBitstring(EncodeBitstring(bs))
	if err != nil || !bytes.Equal(again, bs) {
		t.Errorf("re-encoding: %v", err)
	}
}

func TestBitstringCredentialRoundTrip(t *testing.T) {
	k, other := testKeys(t)
	l, _ := New(2, MinSize)
	r := rand.New(rand.NewPCG(4, 4))
	want := map[int]uint8{}
	for range 300 {
		i, v := r.IntN(l.Len()), uint8(r.IntN(3))
		l.Set(i, v)
		want[i] = v
	}
	validFrom := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
	for _, purpose := range []string{PurposeRevocation, PurposeSuspension} {
		id := "https://registry.example/w3c/7/" + purpose
		compact, err := l.BitstringCredential(k, id, purpose, "https://registry.example", validFrom)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ParseBitstringCredential(compact)
		if err != nil {
			t.Fatal(err)
		}
		if c.ID != id || c.Issuer != "https://registry.example" || !c.ValidFrom.Equal(validFrom) ||
			c.SubjectID != id+"#list" || !c.HasPurpose(purpose) || len(c.Purposes) != 1 || c.Len() != MinSize {
			t.Errorf("parsed %+v", c)
		}
		if _, err := c.Status(0); !errors.Is(err, ErrNotVerified) {
			t.Errorf("Status before Verify = %v", err)
		}
		if err := c.Verify(other.Public()); !errors.Is(err, jose.ErrBadSignature) {
			t.Errorf("Verify with another key = %v", err)
		}
		if err := c.Verify(k.Public()); err != nil {
			t.Fatal(err)
		}
		for i, v := range want {
			var w uint8
			if (purpose == PurposeRevocation && v == Invalid) || (purpose == PurposeSuspension && v == Suspended) {
				w = 1
			}
			if got, err := c.Status(i); err != nil || got != w {
				t.Errorf("%s: Status(%d) = %d, %v; want %d (list value %d)", purpose, i, got, err, w, v)
			}
		}
		var ie *IndexError
		if _, err := c.Status(MinSize); !errors.As(err, &ie) {
			t.Errorf("Status(MinSize) = %v", err)
		}
	}
}

func gzipB64(data []byte) string {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(data)
	w.Close()
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

func TestParseBitstringCredentialRejects(t *testing.T) {
	k, _ := testKeys(t)
	good := gzipB64(make([]byte, MinBitstringBytes))
	hdr := `{"alg":"ES256","typ":"vc+jwt"}`
	vc := func(subject string) string {
		return `{"@context":["https://www.w3.org/ns/credentials/v2"],"id":"https://r.example/1",` +
			`"type":["VerifiableCredential","BitstringStatusListCredential"],"issuer":"https://r.example",` +
			`"validFrom":"2026-01-01T00:00:00Z","credentialSubject":` + subject + `}`
	}
	subj := func(el string) string {
		return `{"id":"https://r.example/1#list","type":"BitstringStatusList","statusPurpose":"revocation","encodedList":"` + el + `"}`
	}
	// The well-formed base case parses.
	if _, err := ParseBitstringCredential(signRaw(t, k, hdr, vc(subj(good)))); err != nil {
		t.Fatalf("base case: %v", err)
	}
	if c, err := ParseBitstringCredential(signRaw(t, k, hdr, strings.Replace(vc(`{"type":"BitstringStatusList","statusPurpose":["revocation","suspension"],"encodedList":"`+good+`","ttl":60000}`),
		`"issuer":"https://r.example"`, `"issuer":{"id":"did:web:r.example","name":"R"}`, 1))); err != nil || c.Issuer != "did:web:r.example" || len(c.Purposes) != 2 || c.TTL != time.Minute {
		t.Fatalf("issuer object, two purposes, ttl: %+v, %v", c, err)
	}
	var (
		typErr   *TypeError
		claimErr *ClaimError
		encErr   *EncodingError
		compErr  *CompressionError
		joseHdr  *jose.HeaderError
	)
	for _, tc := range []struct {
		name, compact string
		want          any
	}{
		{"wrong typ", signRaw(t, k, `{"alg":"ES256","typ":"statuslist+jwt"}`, vc(subj(good))), &typErr},
		{"alg none", signRaw(t, k, `{"alg":"none","typ":"vc+jwt"}`, vc(subj(good))), &joseHdr},
		{"no context", signRaw(t, k, hdr, strings.Replace(vc(subj(good)), `"@context":["https://www.w3.org/ns/credentials/v2"],`, "", 1)), &claimErr},
		{"v1 context", signRaw(t, k, hdr, strings.Replace(vc(subj(good)), `credentials/v2`, `2018/credentials/v1`, 1)), &claimErr},
		{"wrong type", signRaw(t, k, hdr, strings.Replace(vc(subj(good)), `"BitstringStatusListCredential"`, `"StatusList2021Credential"`, 1)), &claimErr},
		{"no issuer", signRaw(t, k, hdr, strings.Replace(vc(subj(good)), `"issuer":"https://r.example",`, "", 1)), &claimErr},
		{"bad validFrom", signRaw(t, k, hdr, strings.Replace(vc(subj(good)), `2026-01-01T00:00:00Z`, `2026-01-01`, 1)), &claimErr},
		{"subject array", signRaw(t, k, hdr, vc(`[`+subj(good)+`]`)), &claimErr},
		{"subject type", signRaw(t, k, hdr, vc(strings.Replace(subj(good), `"BitstringStatusList"`, `"StatusList2021"`, 1))), &claimErr},
		{"no purpose", signRaw(t, k, hdr, vc(strings.Replace(subj(good), `"statusPurpose":"revocation",`, "", 1))), &claimErr},
		{"no multibase prefix", signRaw(t, k, hdr, vc(subj(good[1:]))), &encErr},
		{"base58 multibase", signRaw(t, k, hdr, vc(subj("z"+good[1:]))), &encErr},
		{"padded", signRaw(t, k, hdr, vc(subj(good+"=="))), &encErr},
		{"zlib not gzip", signRaw(t, k, hdr, vc(subj("u"+zlibB64(make([]byte, MinBitstringBytes))))), &compErr},
		{"too short", signRaw(t, k, hdr, vc(subj(gzipB64(make([]byte, MinBitstringBytes-1))))), &claimErr},
		{"two gzip members", signRaw(t, k, hdr, vc(subj("u"+base64.RawURLEncoding.EncodeToString(append(mustB64(good[1:]), mustB64(good[1:])...))))), &compErr},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseBitstringCredential(tc.compact)
			if err == nil {
				t.Fatalf("accepted: %+v", c)
			}
			if !errors.As(err, tc.want) {
				t.Fatalf("error %T (%v), want %T", err, err, tc.want)
			}
			t.Log(err)
		})
	}
}

func mustB64(s string) []byte {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
