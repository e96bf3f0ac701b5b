package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func validHeader(t testing.TB) []byte {
	h, err := wrap(make([]byte, keySize), []byte("pass"), TestParams)
	if err != nil {
		t.Fatal(err)
	}
	return h.Format()
}

func TestParseHeader(t *testing.T) {
	good := validHeader(t)
	with := func(off int, b ...byte) []byte {
		c := bytes.Clone(good)
		copy(c[off:], b)
		return c
	}
	u32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	cases := []struct {
		name, problem string
		in            []byte
	}{
		{"empty", "not an ImmunoPass", nil},
		{"other magic", "not an ImmunoPass", with(0, 'X')},
		{"future version", "unsupported version 2", with(8, 2)},
		{"short", "105 bytes", good[:HeaderSize-1]},
		{"long", "107 bytes", append(bytes.Clone(good), 0)},
		{"zero time", "argon2 time 0", with(9, u32(0)...)},
		{"huge time", "argon2 time 65", with(9, u32(65)...)},
		{"huge memory", "argon2 memory 1048577", with(13, u32(1<<20+1)...)},
		{"memory below 8 per lane", "argon2 memory 15", append(with(13, u32(15)...)[:17], append([]byte{2}, good[18:]...)...)},
		{"zero threads", "argon2 threads 0", with(17, 0)},
	}
	for _, c := range cases {
		_, err := ParseHeader(c.in)
		var he *HeaderError
		if !errors.As(err, &he) || !strings.Contains(err.Error(), c.problem) {
			t.Errorf("%s: %v, want a *HeaderError with %q", c.name, err, c.problem)
		}
	}
	h, err := ParseHeader(good)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(h.Format(), good) || h.Params != TestParams {
		t.Fatal("Format(ParseHeader(h)) != h")
	}
	if _, err := h.unwrap([]byte("pass")); err != nil {
		t.Fatal(err)
	}
	if _, err := h.unwrap([]byte("Pass")); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	// The parameters are bound to the wrapped key: changing them (to weaken
	// them, say) makes the header not open at all.
	weaker := with(9, u32(2)...)
	h2, err := ParseHeader(weaker)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h2.unwrap([]byte("pass")); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("altered params opened: %v", err)
	}
}

// FuzzParseHeader: ParseHeader never panics, and what it accepts formats back
// to the same bytes.
func FuzzParseHeader(f *testing.F) {
	f.Add(validHeader(f))
	f.Add([]byte("IPWALLET\x01"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			return
		}
		if !bytes.Equal(h.Format(), b) {
			t.Fatalf("Format(ParseHeader(%x)) = %x", b, h.Format())
		}
		if h.Params.check() != nil {
			t.Fatalf("accepted params %v", h.Params)
		}
	})
}

func TestRecordPlain(t *testing.T) {
	for _, c := range []struct{ id, v string }{{"a", ""}, {"id", "value"}, {strings.Repeat("x", 300), "v"}} {
		id, v, ok := parseRecordPlain(sealRecordPlain(c.id, []byte(c.v)))
		if !ok || id != c.id || string(v) != c.v {
			t.Errorf("round trip of %q/%q: %q/%q %v", c.id, c.v, id, v, ok)
		}
	}
	for _, bad := range [][]byte{nil, {0x80}, {5, 'a'}} {
		if _, _, ok := parseRecordPlain(bad); ok {
			t.Errorf("parseRecordPlain(%x) accepted", bad)
		}
	}
}
