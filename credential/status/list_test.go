package status

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestNewRefusesSmallAndOddLists(t *testing.T) {
	for _, tc := range []struct{ bits, size int }{
		{1, MinSize - 8}, {1, 0}, {1, -8}, {3, MinSize}, {0, MinSize}, {16, MinSize},
		{1, MinSize + 1}, {8, MaxListBytes + 8},
	} {
		if _, err := New(tc.bits, tc.size); err == nil {
			t.Errorf("New(%d, %d) = nil error", tc.bits, tc.size)
		} else if _, ok := err.(*SizeError); !ok {
			t.Errorf("New(%d, %d) error %T, want *SizeError", tc.bits, tc.size, err)
		}
	}
	for _, b := range []int{1, 2, 4, 8} {
		l, err := New(b, MinSize)
		if err != nil {
			t.Fatalf("New(%d, MinSize): %v", b, err)
		}
		if l.Len() != MinSize || l.Bits() != b || len(l.data) != MinSize*b/8 {
			t.Errorf("New(%d, MinSize): len %d bits %d bytes %d", b, l.Len(), l.Bits(), len(l.data))
		}
	}
}

func TestSetGetRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, b := range []int{1, 2, 4, 8} {
		l, err := newList(b, 4096)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]uint8, l.Len())
		for i := range want {
			want[i] = uint8(r.IntN(1 << b))
			if err := l.Set(i, want[i]); err != nil {
				t.Fatalf("bits %d: Set(%d, %d): %v", b, i, want[i], err)
			}
		}
		// Overwrite some entries to check that Set clears the old bits.
		for i := 0; i < len(want); i += 7 {
			want[i] = uint8(r.IntN(1 << b))
			if err := l.Set(i, want[i]); err != nil {
				t.Fatal(err)
			}
		}
		for i, w := range want {
			if got, err := l.Get(i); err != nil || got != w {
				t.Fatalf("bits %d: Get(%d) = %d, %v; want %d", b, i, got, err, w)
			}
		}
		if b < 8 {
			var ve *ValueError
			if err := l.Set(0, 1<<b); !errors.As(err, &ve) || ve.Bits != b {
				t.Errorf("bits %d: Set(0, %d) = %v, want *ValueError", b, 1<<b, err)
			}
		}
		for _, idx := range []int{-1, l.Len(), l.Len() + 100} {
			var ie *IndexError
			if _, err := l.Get(idx); !errors.As(err, &ie) || ie.Index != idx || ie.Len != l.Len() {
				t.Errorf("bits %d: Get(%d) = %v, want *IndexError", b, idx, err)
			}
			if err := l.Set(idx, 0); !errors.As(err, &ie) {
				t.Errorf("bits %d: Set(%d) = %v, want *IndexError", b, idx, err)
			}
		}
	}
}

// TestBitOrder checks the IETF byte layout against bytes worked out by hand
// (the first two are the draft's own examples, Section 4.1).
func TestBitOrder(t *testing.T) {
	for _, tc := range []struct {
		name   string
		bits   int
		status []uint8
		want   []byte
	}{
		{"draft 1-bit", 1, []uint8{1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1}, []byte{0xB9, 0xA3}},
		{"draft 2-bit", 2, []uint8{1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3}, []byte{0xC9, 0x44, 0xF9}},
		{"4-bit", 4, []uint8{0x1, 0xA, 0xF, 0x0}, []byte{0xA1, 0x0F}},
		{"8-bit", 8, []uint8{0x01, 0xFE}, []byte{0x01, 0xFE}},
		{"1-bit index 0 is the LSB", 1, []uint8{1, 0, 0, 0, 0, 0, 0, 0}, []byte{0x01}},
		{"1-bit index 7 is the MSB", 1, []uint8{0, 0, 0, 0, 0, 0, 0, 1}, []byte{0x80}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := fromBytes(tc.bits, make([]byte, len(tc.want)))
			for i, v := range tc.status {
				if err := l.Set(i, v); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(l.data, tc.want) {
				t.Errorf("bytes % X, want % X", l.data, tc.want)
			}
			back := fromBytes(tc.bits, slices.Clone(tc.want))
			for i, v := range tc.status {
				if got, _ := back.Get(i); got != v {
					t.Errorf("Get(%d) = %d, want %d", i, got, v)
				}
			}
		})
	}
}

func TestAllocateUniqueAndFull(t *testing.T) {
	l, err := newList(1, 64)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.NewChaCha8([32]byte{1})
	seen := map[int]bool{}
	var order []int
	for range 64 {
		idx, err := l.Allocate(r)
		if err != nil {
			t.Fatalf("Allocate after %d: %v", len(seen), err)
		}
		if idx < 0 || idx >= 64 || seen[idx] {
			t.Fatalf("Allocate returned %d (seen before: %v)", idx, seen[idx])
		}
		seen[idx] = true
		order = append(order, idx)
	}
	if _, err := l.Allocate(r); !errors.Is(err, ErrFull) {
		t.Fatalf("Allocate on a full list = %v, want ErrFull", err)
	}
	if slices.IsSorted(order) {
		t.Errorf("allocation order is sorted: %v", order)
	}
}

func TestAllocateNotSequential(t *testing.T) {
	l, err := New(1, MinSize)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.NewChaCha8([32]byte{2})
	const n = 2000
	idx := make([]int, n)
	seen := map[int]bool{}
	for i := range idx {
		if idx[i], err = l.Allocate(r); err != nil {
			t.Fatal(err)
		}
		if seen[idx[i]] {
			t.Fatalf("index %d allocated twice", idx[i])
		}
		seen[idx[i]] = true
	}
	adjacent, ascending := 0, 0
	for i := 1; i < n; i++ {
		if d := idx[i] - idx[i-1]; d == 1 || d == -1 {
			adjacent++
		}
		if idx[i] > idx[i-1] {
			ascending++
		}
	}
	// Uniform draws: neighbours almost never, ascending about half the time.
	if adjacent > 2 || ascending < n*4/10 || ascending > n*6/10 {
		t.Errorf("%d adjacent and %d ascending pairs in %d allocations: not random-looking", adjacent, ascending, n)
	}
	// Spread over the whole list, in eighths.
	var eighths [8]int
	for _, i := range idx {
		eighths[i*8/MinSize]++
	}
	for k, c := range eighths {
		if c < n/8/2 || c > n/8*2 {
			t.Errorf("eighth %d of the list got %d of %d allocations", k, c, n)
		}
	}
	if l.Free() != MinSize-n {
		t.Errorf("Free() = %d, want %d", l.Free(), MinSize-n)
	}
}

// TestAllocateUniformWhenNearlyFull exercises the fallback path (most
// indexes taken) and checks it still picks every free index about equally.
func TestAllocateUniformWhenNearlyFull(t *testing.T) {
	r := rand.NewChaCha8([32]byte{3})
	counts := map[int]int{}
	const rounds = 4000
	for range rounds {
		l, _ := newList(1, 1024)
		for i := range 1024 {
			if i%256 != 5 { // leave 4 free: 5, 261, 517, 773
				l.MarkAllocated(i)
			}
		}
		idx, err := l.Allocate(r)
		if err != nil {
			t.Fatal(err)
		}
		counts[idx]++
	}
	if len(counts) != 4 {
		t.Fatalf("picked %v, want only the 4 free indexes", counts)
	}
	for idx, c := range counts {
		if idx%256 != 5 || c < rounds/4*8/10 || c > rounds/4*12/10 {
			t.Errorf("index %d picked %d times of %d", idx, c, rounds)
		}
	}
}

func TestMarkAllocated(t *testing.T) {
	l, _ := newList(2, 16)
	for i := range 16 {
		if i != 9 {
			if err := l.MarkAllocated(i); err != nil {
				t.Fatal(err)
			}
		}
	}
	l.MarkAllocated(3) // twice: not an error, not counted twice
	if l.Free() != 1 {
		t.Fatalf("Free() = %d, want 1", l.Free())
	}
	if idx, err := l.Allocate(rand.NewChaCha8([32]byte{})); err != nil || idx != 9 {
		t.Fatalf("Allocate = %d, %v; want 9", idx, err)
	}
	var ie *IndexError
	if err := l.MarkAllocated(16); !errors.As(err, &ie) {
		t.Errorf("MarkAllocated(16) = %v, want *IndexError", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func TestAllocateRandError(t *testing.T) {
	l, _ := newList(1, 64)
	if _, err := l.Allocate(failingReader{}); err == nil {
		t.Fatal("Allocate with a failing reader succeeded")
	}
	if l.Free() != 64 {
		t.Errorf("a failed Allocate used an index")
	}
}
