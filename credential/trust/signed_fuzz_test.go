package trust

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/status"
)

// FuzzVerifySignedBundle fuzzes the body of a trust bundle (the bytes, or
// when they are empty a bundle built from fuzzed fields: two issuers whose
// ids may collide, their suspension, a key, a status list) and signs it
// with the registry key of the policy inside the fuzz function, so that
// the code past the signature (body parsing, the checkpoint against the
// policy's log and witnesses, loading issuers, keys, status lists and
// advisories into a Store) is what gets fuzzed; FuzzVerifyBundle, fed
// unsigned bytes, stops at the signature. Properties:
//
//   - VerifyBundle accepts exactly when LoadBundle does;
//   - an accepted bundle is the signed body: ParseBundle returns those
//     bytes, and the Bundle marshalled and signed again verifies to an
//     equal Bundle (no member read one way and written another);
//   - every issuer of an accepted bundle is in the Store, suspended if
//     any entry of the bundle suspends it (a later duplicate entry must
//     not lift a suspension the registry signed);
//   - the signed bundle with one byte changed (pos, xor), if accepted,
//     has byte for byte the issued body and signature.
func FuzzVerifySignedBundle(f *testing.F) {
	fx := newFixture(f)
	seed, _, _, _ := hostedBundle(f, fx)
	seed.Type = BundleType
	body, err := json.Marshal(seed)
	if err != nil {
		f.Fatal(err)
	}
	// The seed must get past the signature, or the target fuzzes nothing.
	if _, _, err := VerifyBundle(fx.sign(f, seed), fx.policy, t0); err != nil {
		f.Fatalf("seed bundle refused: %v", err)
	}
	cur := mustKey(f).Public().JWK()
	l, _ := status.New(2, status.MinSize)
	l.Set(5, status.Revoked)
	none := []byte{}
	f.Add(body, "", "", false, false, none, "", 0, uint16(0), byte(0))
	f.Add(body, "", "", false, false, none, "", 0, uint16(len(body)+20), byte(1))
	f.Add(none, hostedIss, "https://other.example", true, false, []byte(cur), l.Encode(), 2, uint16(0), byte(0))
	f.Add(none, hostedIss, hostedIss, true, false, []byte(cur), l.Encode(), 1, uint16(9), byte(1))
	plain := fx.bundle(2)
	plain.Type = BundleType
	if body, err = json.Marshal(plain); err != nil {
		f.Fatal(err)
	}
	f.Add(body, "", "", false, false, none, "", 0, uint16(3), byte(0x20))
	f.Fuzz(func(t *testing.T, body []byte, id1, id2 string, s1, s2 bool, jwk []byte, lst string, bits int, pos uint16, x byte) {
		if len(body) == 0 {
			b := fx.bundle(2)
			b.Type = BundleType
			b.Issuers = []BundleIssuer{
				{ID: id1, Name: "One", Suspended: s1, Keys: []BundleKey{{JWK: jwk}}},
				{ID: id2, Name: "Two", Suspended: s2, Keys: []BundleKey{}},
			}
			b.StatusLists = []BundleStatusList{{URI: "https://registry.example/v1/status/1", Iss: id1, Bits: bits, Lst: lst, Iat: t0.Unix()}}
			var err error
			if body, err = json.Marshal(b); err != nil {
				return // the key is not JSON
			}
		}
		if bytes.IndexByte(body, '\n') >= 0 || len(body) > MaxBundle/2 {
			return // a body is one line; the bundle file adds the JWS
		}
		jws, err := fx.key.SignDetached(jose.Header{Typ: BundleType}, body)
		if err != nil {
			t.Fatal(err)
		}
		data := append(append(append([]byte{}, body...), '\n'), jws+"\n"...)
		b, _, err := VerifyBundle(data, fx.policy, t0)
		s := New()
		_, lerr := s.LoadBundle("fuzz", data, fx.policy, t0)
		if (err == nil) != (lerr == nil) {
			t.Fatalf("VerifyBundle says %v, LoadBundle %v", err, lerr)
		}
		if err == nil {
			if b == nil {
				t.Fatal("accepted without a bundle")
			}
			_, got, sig, perr := ParseBundle(data)
			if perr != nil || !bytes.Equal(got, body) || sig != jws {
				t.Fatalf("accepted bundle parses to other bytes: %v", perr)
			}
			again, err := b.Sign(fx.key)
			if err != nil {
				t.Fatalf("an accepted bundle does not marshal: %v", err)
			}
			b2, _, err := VerifyBundle(again, fx.policy, t0)
			if err != nil {
				t.Fatalf("an accepted bundle, marshalled and signed again, is refused: %v\n%s", err, again)
			}
			if !reflect.DeepEqual(b, b2) {
				t.Fatalf("an accepted bundle reads differently once written again:\n%s\n%s", body, again)
			}
			suspended := map[string]bool{}
			for _, bi := range b.Issuers {
				suspended[bi.ID] = suspended[bi.ID] || bi.Suspended
			}
			for id, susp := range suspended {
				is := s.Issuer(id)
				if is == nil {
					t.Fatalf("issuer %q of an accepted bundle is not in the store", id)
				}
				if susp && !is.Suspended {
					t.Fatalf("issuer %q is suspended in the signed bundle but not in the store", id)
				}
			}
		}
		if x == 0 {
			return
		}
		mut := flipBytes(data, pos, x)
		if _, _, err := VerifyBundle(mut, fx.policy, t0); err != nil {
			return
		}
		_, got, sig, perr := ParseBundle(mut)
		if perr != nil || !bytes.Equal(got, body) || sig != jws {
			t.Fatalf("accepted a bundle the registry did not sign:\nsigned %q\nshown  %q", data, mut)
		}
	})
}

func flipBytes(b []byte, pos uint16, x byte) []byte {
	out := append([]byte{}, b...)
	out[int(pos)%len(out)] ^= x
	return out
}
