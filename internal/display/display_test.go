package display

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// hostile is the table every output path is tested with (the verifier's
// text report, verifier decode, the wallet's views and PDF): each input and
// what must never appear in what a person sees.
var hostile = []struct {
	name, in, want string
}{
	{"ansi erase and fake valid", "\x1b[4A\x1b[J\x1b[32mVALID Ministry", `\x1b[4A\x1b[J\x1b[32mVALID Ministry`},
	{"newline", "Ann\nVALID  SMART Health Card", `Ann\nVALID  SMART Health Card`},
	{"carriage return", "evil\rVALID", `evil\rVALID`},
	{"bidi override reversing a name", "Ann \u202eesoR\u202c", `Ann \u202eesoR\u202c`},
	{"bidi isolate", "\u2067x\u2069", `\u2067x\u2069`},
	{"direction marks dropped", "A\u200eB\u200fC\u061cD", "ABCD"},
	{"invalid utf-8", "Ann\xff\xfeRose", "Ann\uFFFD\uFFFDRose"},
	{"nul", "Ann\x00Rose", `Ann\x00Rose`},
	{"del and c1 csi", "a\x7fb\u009b2Jc", `a\x7fb\u009b2Jc`},
	{"tab", "a\tb", `a\tb`},
	{"line separator", "a\u2028b", `a\u2028b`},
	{"genuine arabic and accents stay", "مستشفى الأمل · Hôpital Zoë", "مستشفى الأمل · Hôpital Zoë"},
	{"emoji with joiner stays", "👩‍⚕️ clinic", "👩‍⚕️ clinic"},
}

func TestText(t *testing.T) {
	for _, tc := range hostile {
		t.Run(tc.name, func(t *testing.T) {
			got := Text(tc.in)
			if got != tc.want {
				t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if !Clean(got) {
				t.Errorf("Text(%q) = %q still holds a control", tc.in, got)
			}
			if Line(tc.in) != tc.want {
				t.Errorf("Line(%q) = %q, want %q", tc.in, Line(tc.in), tc.want)
			}
		})
	}
}

func TestClipBound(t *testing.T) {
	long := strings.Repeat("A", 10000)
	got := Text(long)
	if n := utf8.RuneCountInString(got); n != Max || !strings.HasSuffix(got, Ellipsis) {
		t.Errorf("Text of 10000 runes: %d runes, suffix %q", n, got[len(got)-6:])
	}
	if Line(long) != long {
		t.Error("Line cut a long string")
	}
	cases := []struct {
		in   string
		max  int
		want string
	}{
		{"abcdef", 6, "abcdef"},
		{"abcdefg", 6, "abcde…"},
		{"abc\x1bdef", 6, "abc…"}, // never half an escape
		{"abc\x1b", 7, `abc\x1b`},
		{"ab", 1, "…"},
		{"a", 1, "a"},
		{"\x1b", 1, "…"},
		{"anything", 0, ""},
		{"ééééé", 3, "éé…"},
		{"\xff\xff\xff", 2, "\uFFFD…"},
	}
	for _, c := range cases {
		if got := Clip(c.in, c.max); got != c.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}

func TestSafeUnchanged(t *testing.T) {
	for _, s := range []string{"", "shc:/5676290952432060346029243740", "Ministry of Health", "José Ñúñez"} {
		if got := Text(s); got != s {
			t.Errorf("Text(%q) = %q", s, got)
		}
	}
}

func FuzzText(f *testing.F) {
	for _, tc := range hostile {
		f.Add(tc.in, 20)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		max %= 300
		got := Clip(s, max)
		if !utf8.ValidString(got) || !Clean(got) {
			t.Fatalf("Clip(%q, %d) = %q", s, max, got)
		}
		if max >= 0 && utf8.RuneCountInString(got) > max {
			t.Fatalf("Clip(%q, %d) = %q: %d runes", s, max, got, utf8.RuneCountInString(got))
		}
		if Clip(got, -1) != got {
			t.Fatalf("Clip(%q) is not stable: %q", got, Clip(got, -1))
		}
	})
}
