package b64

import (
	"bytes"
	"testing"
)

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []byte
		ok   bool
	}{
		{"", []byte{}, true},
		{"AQID", []byte{1, 2, 3}, true},
		{"_-8", []byte{0xff, 0xef}, true},
		{"AQ\nID", nil, false},
		{"AQID\r", nil, false},
		{"AQ==", nil, false},
		{"AR", nil, false}, // non-zero trailing bits
		{"A+/B", nil, false},
		{"A", nil, false},
	} {
		got, err := Decode(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("Decode(%q) err = %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && !bytes.Equal(got, tc.want) {
			t.Errorf("Decode(%q) = %x, want %x", tc.in, got, tc.want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add("AQID")
	f.Add("AQ\nID")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Decode(s)
		if err != nil {
			return
		}
		if Encode(b) != s {
			t.Fatalf("Decode(%q) accepted a non-canonical encoding", s)
		}
	})
}
