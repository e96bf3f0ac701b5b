package status

import (
	"bytes"
	"encoding/base64"
	"testing"
	"time"
)

// FuzzParseToken: ParseToken never panics, and a token it accepts, signed
// again from what was parsed, parses to the same claims and list.
func FuzzParseToken(f *testing.F) {
	k, _ := testKeys(f)
	f.Add(loadExamples(f).DraftToken.JWT)
	l, _ := newList(2, 64)
	l.Set(3, Suspended)
	if tok, err := l.Token(k, "https://x.example/s", time.Unix(100, 0), time.Unix(200, 0), time.Minute); err == nil {
		f.Add(tok)
	}
	hdr := `{"alg":"ES256","typ":"statuslist+jwt"}`
	for _, claims := range []string{
		`{"sub":"https://x.example/1","iat":100.5,"exp":100.75,"ttl":0.5,"iss":"i","status_list":{"bits":8,"lst":"eNrbuRgAAhcBXQ","aggregation_uri":"https://x.example/agg"}}`,
		`{"sub":"https://x.example/1","iat":1,"status_list":{"bits":3,"lst":"eNrbuRgAAhcBXQ"}}`,
		`{"sub":"urn:x","iat":0,"exp":0,"status_list":{"bits":1,"lst":"eNrbuRgAAhcBXQ"}}`,
		`{"sub":"https://x.example/1","iat":1,"status_list":{"bits":1,"lst":"eNrbuRgAAhcBXR"}}`,
	} {
		f.Add(signRaw(f, k, hdr, claims))
	}
	f.Fuzz(func(t *testing.T, compact string) {
		t1, err := ParseToken(compact)
		if err != nil {
			return
		}
		ttl := t1.TTL.Truncate(time.Second)
		if t1.TTL > 0 && ttl == 0 {
			ttl = time.Second
		}
		again, err := t1.list.Token(k, t1.URI, t1.IssuedAt, t1.Expires, ttl)
		if err != nil {
			t.Fatalf("re-signing a parsed token: %v", err)
		}
		t2, err := ParseToken(again)
		if err != nil {
			t.Fatalf("re-signed token does not parse: %v", err)
		}
		if t2.URI != t1.URI || t2.IssuedAt.Unix() != t1.IssuedAt.Unix() || t2.Expires.Unix() != t1.Expires.Unix() ||
			t2.TTL != ttl || t2.Bits() != t1.Bits() || !bytes.Equal(t2.list.data, t1.list.data) {
			t.Fatalf("round trip changed the token: %+v → %+v", t1, t2)
		}
	})
}

// FuzzDecodeList: DecodeList never panics, and Encode gives back a value
// that decodes to the same list.
func FuzzDecodeList(f *testing.F) {
	for _, v := range loadVectors(f).Vectors {
		if len(v.Lst) < 1000 {
			f.Add(v.Bits, v.Lst)
		}
	}
	f.Add(1, "eNrbuRgAAhcBXQAA")
	f.Add(1, "eNrbuRgAAhcBXg")
	f.Add(4, base64.RawURLEncoding.EncodeToString([]byte("not zlib")))
	f.Fuzz(func(t *testing.T, bits int, lst string) {
		l, err := DecodeList(bits, lst)
		if err != nil {
			return
		}
		if l.Len()*l.Bits() != len(l.data)*8 || l.Len() == 0 {
			t.Fatalf("%d entries of %d bits in %d bytes", l.Len(), l.Bits(), len(l.data))
		}
		l2, err := DecodeList(bits, l.Encode())
		if err != nil || !bytes.Equal(l2.data, l.data) {
			t.Fatalf("re-encoded list: %v", err)
		}
	})
}

// FuzzParseBitstringCredential: never panics; an accepted credential,
// rebuilt from its bits and signed again, parses to the same list.
func FuzzParseBitstringCredential(f *testing.F) {
	k, _ := testKeys(f)
	l, _ := New(1, MinSize)
	l.Set(7, Revoked)
	if vc, err := l.BitstringCredential(k, "https://x.example/w3c/1", PurposeRevocation, "https://x.example", time.Unix(1_790_000_000, 0)); err == nil {
		f.Add(vc)
	}
	ex := loadExamples(f).W3CEncodedList.EncodedList
	f.Add(signRaw(f, k, `{"alg":"ES256","typ":"vc+jwt"}`, `{"@context":["https://www.w3.org/ns/credentials/v2"],`+
		`"type":["VerifiableCredential","BitstringStatusListCredential"],"issuer":{"id":"https://x.example"},`+
		`"credentialSubject":{"type":"BitstringStatusList","statusPurpose":["suspension"],"encodedList":"`+ex+`"}}`))
	f.Fuzz(func(t *testing.T, compact string) {
		c, err := ParseBitstringCredential(compact)
		if err != nil {
			return
		}
		if len(c.bits) < MinBitstringBytes || len(c.Purposes) == 0 || c.Issuer == "" {
			t.Fatalf("accepted %+v with %d bytes", c, len(c.bits))
		}
		again, err := DecodeBitstring(EncodeBitstring(c.bits))
		if err != nil || !bytes.Equal(again, c.bits) {
			t.Fatalf("re-encoded bitstring: %v", err)
		}
	})
}
