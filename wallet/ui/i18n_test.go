package ui

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets/i18n"
	"github.com/immunopass/immunopass/wallet"
)

// uiStrings finds every literal this package passes to lang.L, lang.N and
// lang.X (the key), in its non-test Go files.
func uiStrings(t *testing.T) map[string]string {
	t.Helper()
	files, _ := filepath.Glob("*.go")
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "lang" {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok {
				return true // a computed key ("disease."+name): checked by table below
			}
			s, _ := strconv.Unquote(lit.Value)
			out[s] = fset.Position(lit.Pos()).String()
			return true
		})
	}
	if len(out) < 100 {
		t.Fatalf("found only %d UI strings", len(out))
	}
	return out
}

var fieldRE = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

func fields(s string) map[string]bool {
	m := map[string]bool{}
	for _, f := range fieldRE.FindAllStringSubmatch(s, -1) {
		m[f[1]] = true
	}
	return m
}

// TestTranslations checks that every UI string has an English, French and
// Arabic entry, that no translation is empty, and that translations use only
// the template fields the English text has.
func TestTranslations(t *testing.T) {
	keys := uiStrings(t)
	for _, d := range []string{"Measles", "Polio", "Tuberculosis", "Yellow fever", "Hepatitis B", "Pertussis"} {
		keys["disease."+d] = "diseaseName"
	}
	for _, p := range []string{"school", "full"} {
		keys["preset."+p] = "presetName"
	}
	if got := strings.Join(i18n.Languages(), ","); got != "ar,en,fr" {
		t.Fatalf("languages %s", got)
	}
	for _, code := range i18n.Languages() {
		var m map[string]any
		if err := json.Unmarshal(i18n.File(code), &m); err != nil {
			t.Fatalf("%s.json: %v", code, err)
		}
		for k, where := range keys {
			v, ok := m[k]
			if !ok {
				t.Errorf("%s.json lacks %q (%s)", code, k, where)
				continue
			}
			var forms []string
			switch x := v.(type) {
			case string:
				forms = []string{x}
			case map[string]any:
				for _, f := range x {
					s, _ := f.(string)
					forms = append(forms, s)
				}
				if _, ok := x["other"]; !ok {
					t.Errorf("%s.json: %q has no \"other\" plural form", code, k)
				}
			}
			for _, f := range forms {
				if strings.TrimSpace(f) == "" {
					t.Errorf("%s.json: %q is empty", code, k)
				}
				for fl := range fields(f) {
					if !fields(k)[fl] && !strings.Contains(k, ".") {
						t.Errorf("%s.json: %q uses {{.%s}}, which the code does not pass", code, k, fl)
					}
				}
			}
		}
	}
}

func TestLocalFormats(t *testing.T) {
	defer func(l string) { current = l }(current)
	d := time.Date(2016, 4, 12, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct{ lang, date, n string }{
		{"en", "12 Apr 2016", "1,000"},
		{"fr", "12 avr. 2016", "1\u202f000"},
		{"ar", "١٢ أبريل ٢٠١٦", "١٬٠٠٠"},
	} {
		current = c.lang
		if got := formatDate(d); got != c.date {
			t.Errorf("%s: date %q, want %q", c.lang, got, c.date)
		}
		if got := formatInt(1000); got != c.n {
			t.Errorf("%s: 1000 is %q, want %q", c.lang, got, c.n)
		}
	}
}

// The strength hint grows with length and variety.
func TestStrength(t *testing.T) {
	for _, c := range []struct {
		p    string
		want int
	}{{"", 0}, {"abc", 0}, {"abcdefgh", 1}, {"abcdefghij", 2}, {"Abcdef12", 2}, {"correct horse battery", 3}, {"Tr0ub4dor&3x", 3}} {
		if got := strength(c.p); got != c.want {
			t.Errorf("strength(%q) = %d, want %d", c.p, got, c.want)
		}
	}
}

// Every verdict the wallet can give has words of its own, in every language:
// a raw code such as "revocation-unknown" must never reach the screen.
func TestStatusTextCoversEveryStatus(t *testing.T) {
	for _, s := range []wallet.Status{wallet.StatusVerified, wallet.StatusUnknownIssuer, wallet.StatusRevoked,
		wallet.StatusExpired, wallet.StatusNotVerifiable, wallet.StatusInvalid, wallet.StatusUnchecked} {
		if got := statusText(s); got == string(s) {
			t.Errorf("statusText(%q) shows the raw code", s)
		}
	}
}
