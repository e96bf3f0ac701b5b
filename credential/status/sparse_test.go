package status

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"
)

// rawSparse encodes a hand-made decompressed sparse form.
func rawSparse(raw []byte) string {
	return base64.RawURLEncoding.EncodeToString(deflate("deflate", raw))
}

func uv(xs ...uint64) []byte {
	var b []byte
	for _, x := range xs {
		b = binary.AppendUvarint(b, x)
	}
	return b
}

// TestSparseRoundTrip is a property test: for random lists of every width,
// size and density, the sparse form decodes to exactly the list, and to the
// same list as the "lst" form.
func TestSparseRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for range 200 {
		bits := []int{1, 2, 4, 8}[r.IntN(4)]
		size := 8 * (1 + r.IntN(4096))
		if r.IntN(10) == 0 {
			size = MinSize
		}
		l, err := newList(bits, size)
		if err != nil {
			t.Fatal(err)
		}
		var density float64
		switch r.IntN(5) {
		case 0: // all valid
		case 1:
			density = 1
		default:
			density = r.Float64() / float64(1+r.IntN(100))
		}
		for i := range size {
			if r.Float64() < density {
				l.Set(i, uint8(1+r.IntN(1<<bits-1)))
			}
		}
		if r.IntN(4) == 0 { // the edges
			l.Set(0, 1)
			l.Set(size-1, uint8(1<<bits-1))
		}
		sp, err := l.EncodeSparse()
		if err != nil {
			t.Fatalf("bits %d size %d: %v", bits, size, err)
		}
		got, err := DecodeSparse(bits, size, sp)
		if err != nil {
			t.Fatalf("bits %d size %d: DecodeSparse(EncodeSparse) = %v", bits, size, err)
		}
		viaLst, err := DecodeList(bits, l.Encode())
		if err != nil {
			t.Fatal(err)
		}
		if got.Len() != size || got.Bits() != bits || !bytes.Equal(got.data, l.data) || !bytes.Equal(got.data, viaLst.data) {
			t.Fatalf("bits %d size %d density %.4f: the sparse form changed the list", bits, size, density)
		}
	}
}

// TestSparseSize: a million 2-bit entries with 1% revoked, as the registry
// keeps them, against the "lst" form.
func TestSparseSize(t *testing.T) {
	for _, bits := range []int{1, 2} {
		l := revokedList(t, bits)
		sp, err := l.EncodeSparse()
		if err != nil {
			t.Fatal(err)
		}
		lst := l.Encode()
		t.Logf("%d-bit, 1,000,000 entries, 1%% revoked: sparse %d chars, lst %d chars", bits, len(sp), len(lst))
		if len(sp) > 16_000 || len(sp) >= len(lst) {
			t.Errorf("%d-bit: sparse %d chars, want ≤ 16000 and < lst %d", bits, len(sp), len(lst))
		}
	}
}

func TestDecodeSparseStrict(t *testing.T) {
	var target *SparseError
	for _, c := range []struct {
		name       string
		bits, size int
		sparse     string
		want       any // pointer to an error type, or nil for success
		check      func(*List) bool
	}{
		{"empty list", 2, 64, rawSparse(uv(0)), nil, func(l *List) bool { return bytes.Equal(l.data, make([]byte, 16)) }},
		{"first and last", 2, 64, rawSparse(append(uv(2, 0, 62), 1, 3)), nil, func(l *List) bool {
			a, _ := l.Get(0)
			b, _ := l.Get(63)
			return a == 1 && b == 3
		}},
		{"8 bits, 255", 8, 8, rawSparse(append(uv(1, 7), 255)), nil, func(l *List) bool { v, _ := l.Get(7); return v == 255 }},
		{"gap past the end", 2, 64, rawSparse(append(uv(1, 64), 1)), &target, nil},
		{"second gap past the end", 2, 64, rawSparse(append(uv(2, 60, 3), 1, 1)), &target, nil},
		{"huge gap", 1, 64, rawSparse(append(uv(1, 1<<63), 1)), &target, nil},
		{"value 0", 2, 64, rawSparse(append(uv(1, 5), 0)), &target, nil},
		{"value too big", 2, 64, rawSparse(append(uv(1, 5), 4)), &target, nil},
		{"value too big for 1 bit", 1, 64, rawSparse(append(uv(1, 5), 2)), &target, nil},
		{"count above size", 1, 8, rawSparse(append(uv(9, 0, 0, 0, 0, 0, 0, 0, 0, 0), 1, 1, 1, 1, 1, 1, 1, 1, 1)), &target, nil},
		{"count above what follows", 1, 1 << 20, rawSparse(uv(1 << 19)), &target, nil},
		{"missing value", 2, 64, rawSparse(append(uv(2, 1, 1), 1)), &target, nil},
		{"trailing byte", 2, 64, rawSparse(append(uv(1, 1), 1, 0)), &target, nil},
		{"non-minimal varint", 2, 64, rawSparse([]byte{1, 0x81, 0x00, 1}), &target, nil},
		{"truncated varint", 2, 64, rawSparse([]byte{1, 0x81}), &target, nil},
		{"no count", 2, 64, rawSparse(nil), &target, nil},
		{"varint overflow", 2, 64, rawSparse([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}), &target, nil},
		{"bytes after the DEFLATE stream", 2, 64, base64.RawURLEncoding.EncodeToString(append(deflate("deflate", uv(0)), 0)), new(*CompressionError), nil},
		{"truncated DEFLATE stream", 2, 64, base64.RawURLEncoding.EncodeToString(deflate("deflate", uv(0))[:1]), new(*CompressionError), nil},
		{"zlib instead of raw DEFLATE", 2, 64, base64.RawURLEncoding.EncodeToString(deflate("zlib", uv(0))), new(*CompressionError), nil},
		{"padded base64", 2, 64, rawSparse(uv(0)) + "=", new(*EncodingError), nil},
		{"empty", 2, 64, "", new(*EncodingError), nil},
		{"bits 3", 3, 64, rawSparse(uv(0)), new(*SizeError), nil},
		{"size not a multiple of 8", 2, 63, rawSparse(uv(0)), new(*SizeError), nil},
		{"size 0", 2, 0, rawSparse(uv(0)), new(*SizeError), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, err := DecodeSparse(c.bits, c.size, c.sparse)
			if c.want == nil {
				if err != nil || !c.check(l) {
					t.Fatalf("DecodeSparse = %v, %v", l, err)
				}
				return
			}
			if err == nil || !errors.As(err, c.want) {
				t.Fatalf("DecodeSparse = %v, want %T", err, c.want)
			}
		})
	}
}

// TestDecodeSparseBomb: a stream that inflates past what the list can need
// stops there.
func TestDecodeSparseBomb(t *testing.T) {
	sp := base64.RawURLEncoding.EncodeToString(deflate("deflate", make([]byte, 1<<20)))
	if _, err := DecodeSparse(1, 64, sp); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("DecodeSparse(bomb) = %v, want ErrTooLarge", err)
	}
}

// FuzzDecodeSparse: DecodeSparse never panics, and an accepted form
// re-encodes to one that decodes to the same list.
func FuzzDecodeSparse(f *testing.F) {
	f.Add(2, 64, rawSparse(append(uv(2, 0, 62), 1, 3)))
	f.Add(8, 8, rawSparse(append(uv(1, 7), 255)))
	f.Add(1, 64, rawSparse(append(uv(1, 1<<63), 1)))
	f.Add(2, 64, rawSparse([]byte{1, 0x81, 0x00, 1}))
	l, _ := newList(4, 4096)
	for i := 0; i < 4096; i += 37 {
		l.Set(i, uint8(i%15+1))
	}
	sp, _ := l.EncodeSparse()
	f.Add(4, 4096, sp)
	f.Fuzz(func(t *testing.T, bits, size int, sparse string) {
		if size > 1<<16 {
			size %= 1 << 16
		}
		l, err := DecodeSparse(bits, size, sparse)
		if err != nil {
			return
		}
		again, err := l.EncodeSparse()
		if err != nil {
			t.Fatalf("re-encoding an accepted list: %v", err)
		}
		l2, err := DecodeSparse(bits, size, again)
		if err != nil || !bytes.Equal(l2.data, l.data) {
			t.Fatalf("re-encoded sparse list: %v", err)
		}
	})
}
