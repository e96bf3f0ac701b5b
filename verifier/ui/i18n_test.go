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

	"github.com/immunopass/immunopass/verifier"
)

// uiKeys finds every literal this package passes to tr, trf and trn, with
// the helper that takes it.
func uiKeys(t *testing.T) map[string]string {
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
			id, ok := call.Fun.(*ast.Ident)
			if !ok || (id.Name != "tr" && id.Name != "trf" && id.Name != "trn") {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok {
				t.Errorf("%s: %s with a computed key", fset.Position(call.Pos()), id.Name)
				return true
			}
			s, _ := strconv.Unquote(lit.Value)
			out[s] = id.Name
			return true
		})
	}
	if len(out) < 60 {
		t.Fatalf("found only %d UI strings", len(out))
	}
	return out
}

// Every reason and warning code of DESIGN.md.
var allCodes = []string{"bad-qr", "bad-chunks", "qr-decode-error", "too-large", "bad-encoding", "bad-header",
	"bad-compression", "bad-payload", "bad-signature", "bad-signature-format", "bad-disclosure", "unknown-issuer",
	"issuer-suspended", "unknown-kid", "bad-issuer-url", "bad-key", "bad-crl", "wrong-type", "expired",
	"not-yet-valid", "revoked", "suspended", "key-usage", "schema", "holder-binding", "challenge-mismatch",
	"not-anchored", "policy", "stale-trust", "not-holder-bound", "clock-skew"}

var fieldRE = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

func fieldSet(s string) string {
	var fs []string
	for _, m := range fieldRE.FindAllStringSubmatch(s, -1) {
		fs = append(fs, m[1])
	}
	if len(fs) == 0 {
		return ""
	}
	seen := map[string]bool{}
	var out []string
	for _, f := range fs {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return strings.Join(sortStrings(out), ",")
}

func sortStrings(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

// TestTranslations: every UI string and every reason's words have an
// English, French and Arabic entry; plural keys have the plural forms of
// their language; translations use the English text's template fields.
func TestTranslations(t *testing.T) {
	keys := uiKeys(t)
	for _, c := range allCodes {
		w := verifier.Words(c)
		if w == "" {
			t.Errorf("code %q has no words in package verifier", c)
			continue
		}
		keys[w] = "tr"
	}
	plurals := map[string][]string{"en": {"one", "other"}, "fr": {"one", "other"}, "ar": {"zero", "one", "two", "few", "many", "other"}}
	for _, code := range []string{"en", "fr", "ar"} {
		data, err := translations.ReadFile("i18n/" + code + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s.json: %v", code, err)
		}
		for k, how := range keys {
			v, ok := m[k]
			if !ok {
				t.Errorf("%s.json has no %q", code, k)
				continue
			}
			var forms []string
			switch x := v.(type) {
			case string:
				if how == "trn" {
					t.Errorf("%s.json: %q needs plural forms", code, k)
				}
				forms = []string{x}
			case map[string]any:
				if how != "trn" {
					t.Errorf("%s.json: %q has plural forms but is not counted", code, k)
				}
				for _, f := range plurals[code] {
					s, _ := x[f].(string)
					if s == "" {
						t.Errorf("%s.json: %q has no %q form", code, k, f)
					}
					forms = append(forms, s)
				}
			}
			for _, s := range forms {
				if strings.TrimSpace(s) == "" {
					t.Errorf("%s.json: %q is empty", code, k)
				}
				// A plural form may leave out the number ("one dose").
				if fs := fieldSet(s); fs != fieldSet(k) && !(how == "trn" && strings.ReplaceAll(fieldSet(k), "Count", "") == strings.ReplaceAll(fs, "Count", "")) {
					t.Errorf("%s.json: %q uses fields %q, the English %q", code, s, fs, fieldSet(k))
				}
			}
		}
		for k := range m {
			if _, ok := keys[k]; !ok {
				t.Errorf("%s.json: %q is not used", code, k)
			}
		}
	}
}
