package base45

import (
	"bytes"
	"errors"
	"testing"
)

// RFC 9285 section 4.3 and 4.4 examples.
var vectors = []struct{ raw, enc string }{
	{"AB", "BB8"},
	{"Hello!!", "%69 VD92EX0"},
	{"base-45", "UJCLQE7W581"},
	{"ietf!", "QED8WEX0"},
	{"", ""},
}

func TestRFC9285(t *testing.T) {
	for _, v := range vectors {
		if got := Encode([]byte(v.raw)); got != v.enc {
			t.Errorf("Encode(%q) = %q, want %q", v.raw, got, v.enc)
		}
		got, err := Decode(v.enc)
		if err != nil || string(got) != v.raw {
			t.Errorf("Decode(%q) = %q, %v", v.enc, got, err)
		}
	}
}

func TestRefuses(t *testing.T) {
	for _, s := range []string{"GGW", "A", "ABCD", "a12", "ZZZ", "::"} {
		_, err := Decode(s)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Decode(%q) = %v", s, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, v := range vectors {
		f.Add(v.enc)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Decode(s)
		if err != nil {
			return
		}
		if Encode(b) != s {
			t.Fatalf("non-canonical input accepted: %q", s)
		}
	})
}

func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("hello"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := Decode(Encode(b))
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("round trip of %x: %x %v", b, got, err)
		}
	})
}
