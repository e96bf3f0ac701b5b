package scan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/hcert"
	"github.com/immunopass/immunopass/credential/hcert/hcerttest"
	"github.com/immunopass/immunopass/credential/trust"
)

// What a US-set scanner types on each desk, written from the layouts'
// keyboard charts for the characters of shc:/, HC1: and IP1: codes: an
// oracle independent of the tables in layout.go.
var typedOn = map[string]map[rune]string{
	"fr": {
		'1': "&", '2': "é", '3': "\"", '4': "'", '5': "(", '6': "-", '7': "è", '8': "_", '9': "ç", '0': "à",
		'A': "Q", 'Q': "A", 'Z': "W", 'W': "Z", 'M': "?",
		'$': "4", '%': "5", '*': "8", '+': "+", '-': ")", '.': ":", '/': "!", ':': "M",
	},
	"de": {
		'Y': "Z", 'Z': "Y", 'y': "z", 'z': "y",
		'$': "$", '%': "%", '*': "(", '-': "ß", '.': ".", '/': "-", ':': "Ö",
	},
}

// typeThrough is what the desk receives when a US-set scanner types s.
func typeThrough(layout, s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if layout == "de" && r == '+' {
			// A dead grave accent: composes with a following vowel.
			if i+1 < len(rs) && strings.ContainsRune("AEIOU", rs[i+1]) {
				b.WriteRune(map[rune]rune{'A': 'À', 'E': 'È', 'I': 'Ì', 'O': 'Ò', 'U': 'Ù'}[rs[i+1]])
				i++
				continue
			}
			b.WriteByte('`')
			continue
		}
		if t, ok := typedOn[layout][r]; ok {
			b.WriteString(t)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func codes(t *testing.T) map[string]string {
	t.Helper()
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "shc", "examples", p))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	der, key, err := hcerttest.NewDSC(hcerttest.DSCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hc, err := hcert.Issue([]byte(hcerttest.Vaccination), key, hcert.IssueOptions{Issuer: "FR", KID: trust.DSCKID(der),
		IssuedAt: time.Unix(1622592000, 0), Expires: time.Unix(1654128000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"shc":       read("example-00-f-qr-code-numeric-value-0.txt"),
		"shc-chunk": read("example-02-f-qr-code-numeric-value-1.txt"),
		"hcert":     hc,
		"ip1":       "IP1:6BFOXN%TS3DH0YOJ58S+A.ZY/MWQ-*$",
		"challenge": "IPC1:NCF*OXN%T",
	}
}

// TestRepair: every code, typed through each desk layout by a US-set
// scanner, comes back exactly, with the layout named; as typed on a US desk
// it is untouched.
func TestRepair(t *testing.T) {
	for name, code := range codes(t) {
		for _, l := range []string{"us", "fr", "de"} {
			typed := code
			if l != "us" {
				typed = typeThrough(l, code)
				if typed == code {
					t.Fatalf("%s: typing through %s changed nothing: a useless case", name, l)
				}
			}
			got, layout := Repair(typed + "\r\n")
			if got != code || layout == nil || layout.ID != l {
				id := "nil"
				if layout != nil {
					id = layout.ID
				}
				t.Errorf("%s through %s: got %.40q (layout %s), want %.40q", name, l, got, id, code)
			}
		}
	}
}

func TestRepairUnknown(t *testing.T) {
	for _, s := range []string{"", "hello world", "https://example.org/x", "\xff\xfe", "shc", "HC1", "ÀÀÀ"} {
		got, l := Repair(s)
		if l != nil || got != s {
			t.Errorf("Repair(%q) = %q, %v: want it unchanged and no layout", s, got, l)
		}
	}
	if LayoutByID("fr").Name != "French (AZERTY)" || LayoutByID("xx") != nil {
		t.Error("LayoutByID")
	}
}

// TestBurst: a scanner burst (5 ms a key) ending in Enter is one code,
// repaired; two bursts without Enter split at the pause; slow typing is
// not a scanner; an over-long burst is cut and says so.
func TestBurst(t *testing.T) {
	code := codes(t)["hcert"]
	typed := typeThrough("fr", code)
	var b Burst
	at := time.Unix(1000, 0)
	feed := func(s string, step time.Duration) []Code {
		var out []Code
		for _, r := range s {
			at = at.Add(step)
			if c, ok := b.Type(r, at); ok {
				out = append(out, c)
			}
		}
		return out
	}
	got := feed(typed+"\n", 5*time.Millisecond)
	if len(got) != 1 || got[0].Text != code || got[0].Layout.ID != "fr" || !got[0].Scanner || got[0].Raw != typed {
		t.Fatalf("one burst: %+v", got)
	}
	// No Enter: the pause ends the first burst when the second begins, and
	// Idle ends the second.
	shc := codes(t)["shc"]
	got = feed(shc, 4*time.Millisecond)
	at = at.Add(500 * time.Millisecond)
	got = append(got, feed(shc, 4*time.Millisecond)...)
	if c, ok := b.Idle(at.Add(time.Second)); ok {
		got = append(got, c)
	}
	if len(got) != 2 || got[0].Text != shc || got[1].Text != shc {
		t.Fatalf("two bursts: %d codes", len(got))
	}
	if _, ok := b.Idle(at.Add(2 * time.Second)); ok {
		t.Fatal("Idle after the end returned another code")
	}
	// Hands: 60 ms a key is not a scanner; a lone Enter is no code.
	got = feed("shc:/1234567890\n\n", 60*time.Millisecond)
	if len(got) != 1 || got[0].Scanner {
		t.Fatalf("typed by hand: %+v", got)
	}
	// Over MaxCode: cut, and said.
	got = feed(strings.Repeat("1", MaxCode+100)+"\n", time.Millisecond)
	if len(got) != 1 || !got[0].Cut || len(got[0].Raw) > MaxCode {
		t.Fatalf("over-long: cut=%v len=%d", got[0].Cut, len(got[0].Raw))
	}
}

func TestPaste(t *testing.T) {
	cs := codes(t)
	got := Paste("\n" + typeThrough("de", cs["shc"]) + "\r\n  \n" + cs["ip1"] + "\n")
	if len(got) != 2 || got[0].Text != cs["shc"] || got[0].Layout.ID != "de" || got[1].Text != cs["ip1"] || got[1].Layout.ID != "us" {
		t.Fatalf("paste: %+v", got)
	}
}

// TestCollector: the three chunks of spec example 02 in every order make
// one card, in index order, with "N of 3 read" on the way; a chunk of
// another card starts again; an old partial set is dropped; other codes
// pass straight through.
func TestCollector(t *testing.T) {
	var chunks []string
	for i := 0; i < 3; i++ {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "shc", "examples", "example-02-f-qr-code-numeric-value-"+string(rune('0'+i))+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		chunks = append(chunks, strings.TrimSpace(string(b)))
	}
	at := time.Unix(5000, 0)
	for _, order := range [][]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}} {
		var c Collector
		for k, i := range order {
			p := c.Add(chunks[i], at)
			if k < 2 {
				if p.Ready != nil || p.Message() != []string{"1 of 3 read", "2 of 3 read"}[k] {
					t.Fatalf("%v after %d: %+v %q", order, k+1, p, p.Message())
				}
				continue
			}
			if strings.Join(p.Ready, "|") != strings.Join(chunks, "|") {
				t.Fatalf("%v: ready %d texts, not the chunks in order", order, len(p.Ready))
			}
		}
	}
	var c Collector
	c.Add(chunks[0], at)
	// The same chunk again changes nothing; another card's chunk 1 restarts.
	if p := c.Add(chunks[0], at); p.Have != 1 || p.Restarted {
		t.Fatalf("duplicate: %+v", p)
	}
	other := strings.Replace(chunks[0], "shc:/1/3/5", "shc:/1/3/6", 1)
	if other == chunks[0] {
		t.Fatal("could not make another card's chunk")
	}
	if p := c.Add(other, at); !p.Restarted || p.Have != 1 || !strings.Contains(p.Message(), "another card") {
		t.Fatalf("another card: %+v", p)
	}
	// Two minutes later the partial set is gone.
	if p := c.Add(chunks[1], at.Add(Partial+time.Second)); p.Have != 1 || p.Restarted {
		t.Fatalf("after expiry: %+v", p)
	}
	// A non-chunk passes through, and does not disturb the set.
	hc := codes(t)["hcert"]
	if p := c.Add(hc, at.Add(Partial+2*time.Second)); len(p.Ready) != 1 || p.Ready[0] != hc || p.Have != 1 {
		t.Fatalf("non-chunk: %+v", p)
	}
}

func FuzzRepair(f *testing.F) {
	f.Add("shcM!(-è")
	f.Add("HC&MNCF")
	f.Add("shcÖ-5676`À")
	f.Add("IP1:ABC")
	f.Fuzz(func(t *testing.T, s string) {
		got, l := Repair(s)
		if l == nil {
			if got != strings.TrimRight(s, "\r\n") {
				t.Fatalf("no layout but changed: %q → %q", s, got)
			}
			return
		}
		if !hasPrefix(got) {
			t.Fatalf("layout %s but %q does not start like a code", l.ID, got)
		}
		if again, l2 := Repair(got); again != got || l2 == nil || l2.ID != "us" {
			t.Fatalf("repair is not stable: %q → %q (%v)", got, again, l2)
		}
	})
}

func FuzzBurst(f *testing.F) {
	f.Add([]byte("shc:/123\n"), []byte{5, 5, 5, 200, 5})
	f.Fuzz(func(t *testing.T, text []byte, gaps []byte) {
		var b Burst
		at := time.Unix(0, 0)
		total := 0
		typed := string([]rune(string(text))) // invalid bytes arrive as U+FFFD
		for i, r := range typed {
			g := time.Millisecond
			if len(gaps) > 0 {
				g = time.Duration(gaps[i%len(gaps)]) * time.Millisecond
			}
			at = at.Add(g)
			if c, ok := b.Type(r, at); ok {
				total += len(c.Raw)
				if len(c.Raw) > MaxCode || strings.ContainsAny(c.Raw, "\r\n") {
					t.Fatalf("code %q", c.Raw)
				}
			}
		}
		if c, ok := b.Idle(at.Add(time.Hour)); ok {
			total += len(c.Raw)
		}
		if total > len(typed) {
			t.Fatalf("codes hold %d bytes of %d typed", total, len(typed))
		}
	})
}
