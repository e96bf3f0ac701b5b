package jose

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/multiformats/go-multibase"
)

// did:key for P-256 keys (https://w3c-ccg.github.io/did-key-spec/): the
// multibase base58btc ('z') encoding of the multicodec "p256-pub" prefix
// (0x1200, varint 0x80 0x24) followed by the 33-byte compressed point. Such
// identifiers start with "did:key:zDn".

const (
	didKeyPrefix = "did:key:"
	p256PubCodec = 0x1200
)

// DIDKeyError reports a did:key that is malformed or not a P-256 key.
type DIDKeyError struct {
	DID     string
	Problem string
}

func (e *DIDKeyError) Error() string {
	d := e.DID
	if len(d) > 80 {
		d = d[:80] + "…"
	}
	return fmt.Sprintf("did:key %q: %s", d, e.Problem)
}

// DIDKey returns the key's did:key identifier.
func (k *Key) DIDKey() string {
	x, y := coords(k.pub)
	buf := binary.AppendUvarint(nil, p256PubCodec)
	buf = append(buf, 2|y[31]&1) // compressed point: parity of y, then x
	buf = append(buf, x...)
	s, err := multibase.Encode(multibase.Base58BTC, buf)
	if err != nil {
		panic("jose: base58btc encoding: " + err.Error())
	}
	return didKeyPrefix + s
}

// ParseDIDKey parses a did:key naming a P-256 key. A DID URL fragment
// ("did:key:zDn…#zDn…") is accepted when it repeats the key.
func ParseDIDKey(did string) (*Key, error) {
	fail := func(p string) error { return &DIDKeyError{DID: did, Problem: p} }
	if len(did) > 200 {
		return nil, fail("too long")
	}
	rest, ok := strings.CutPrefix(did, didKeyPrefix)
	if !ok {
		return nil, fail("not a did:key")
	}
	if id, frag, has := strings.Cut(rest, "#"); has {
		if frag != id {
			return nil, fail("fragment does not repeat the key")
		}
		rest = id
	}
	if !strings.HasPrefix(rest, "z") {
		return nil, fail("not multibase base58btc ('z')")
	}
	_, data, err := multibase.Decode(rest)
	if err != nil {
		return nil, fail("bad base58btc: " + err.Error())
	}
	codec, n := binary.Uvarint(data)
	if n <= 0 {
		return nil, fail("no multicodec prefix")
	}
	if codec != p256PubCodec {
		return nil, fail(fmt.Sprintf("multicodec 0x%x is not p256-pub (0x1200)", codec))
	}
	point := data[n:]
	if len(point) != 33 || point[0] != 2 && point[0] != 3 {
		return nil, fail(fmt.Sprintf("%d bytes, want a 33-byte compressed P-256 point", len(point)))
	}
	x, y := elliptic.UnmarshalCompressed(elliptic.P256(), point)
	if x == nil {
		return nil, fail("not a point on P-256")
	}
	raw := make([]byte, 65)
	raw[0] = 4
	x.FillBytes(raw[1:33])
	y.FillBytes(raw[33:])
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		return nil, fail(err.Error())
	}
	k := &Key{pub: pub}
	k.kid = k.Thumbprint()
	if k.DIDKey() != didKeyPrefix+rest {
		return nil, fail("not in canonical form")
	}
	return k, nil
}
