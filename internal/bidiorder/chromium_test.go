package bidiorder

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/chromedp/chromedp"
)

// The vectors in testdata/chromium/order.json are the Arabic strings of the
// wallet and the verifier app as Chromium lays them out in a right-to-left
// paragraph (ICU's implementation of UAX #9): each string's tokens (see
// tokens) in the order they appear from left to right. Regenerate them with
// BIDIORDER_CHROMIUM=1 go test -run TestChromiumVectors ./internal/bidiorder
// (needs chromium; see testdata/chromium/README.md).
const vectorsFile = "testdata/chromium/order.json"

type vector struct {
	Text  string   `json:"text"`
	Order []string `json:"order"` // tokens, left to right
}

// tokens splits s in logical order into what the comparison follows: runs
// of Arabic letters, of other letters and of digits (marks going with the
// letter before them), and every other character but a space on its own;
// brackets are written "()" whichever way they face, as which glyph a
// bracket shows is not part of the comparison, only where it stands.
func tokens(s string) []string {
	var out []string
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case unicode.In(r, unicode.L, unicode.N):
			j := i + 1
			for j < len(rs) && (unicode.Is(unicode.M, rs[j]) || unicode.In(rs[j], unicode.L, unicode.N) && tokenClass(rs[j]) == tokenClass(r)) {
				j++
			}
			out = append(out, string(rs[i:j]))
			i = j
		default:
			if strings.ContainsRune("()[]{}<>«»", r) {
				out = append(out, "()")
			} else {
				out = append(out, string(r))
			}
			i++
		}
	}
	return out
}

func tokenClass(r rune) byte {
	switch {
	case unicode.Is(unicode.Arabic, r) && !unicode.IsDigit(r) || r == '\u0640': // with tatweel
		return 'a'
	case unicode.IsDigit(r):
		return 'n'
	}
	return 'l'
}

// visualTokens is the token order Runs gives for s in a right-to-left
// interface.
func visualTokens(s string) []string {
	runs := Runs(s, true)
	if runs == nil {
		if !hasRTL(s) {
			return tokens(s)
		}
		runs = []Run{{Text: s, RTL: true}}
	}
	var out []string
	for _, r := range runs {
		t := tokens(r.Text)
		if r.RTL {
			slices.Reverse(t)
		}
		out = append(out, t...)
	}
	return out
}

// TestChromiumOrder: Runs puts the words, numbers and punctuation of every
// Arabic string of the apps where Chromium puts them.
func TestChromiumOrder(t *testing.T) {
	b, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	var vs []vector
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) < 100 {
		t.Fatalf("only %d vectors", len(vs))
	}
	var bad []string
	for _, v := range vs {
		if got := visualTokens(v.Text); !slices.Equal(got, v.Order) {
			bad = append(bad, v.Text)
			if !knownDifferences[v.Text] {
				t.Errorf("%q:\n got %q\nwant %q (Chromium)", v.Text, got, v.Order)
			}
		}
	}
	for s := range knownDifferences {
		if !slices.Contains(bad, s) {
			t.Errorf("%q is listed as a known difference but now agrees with Chromium: take it off the list", s)
		}
	}
	t.Logf("%d of %d strings in Chromium's order (%d known differences)", len(vs)-len(bad), len(vs), len(bad))
}

// knownDifferences lists the strings where Runs and Chromium disagree and
// why; none now. (Before resolveBrackets, two did: "المقترح: Amira Haddad
// (Amira Haddad)." and "… EU DCC (PEM أو DER)، …", x/text not applying
// N0.)
var knownDifferences = map[string]bool{}

// TestChromiumVectors regenerates the vectors from the apps' Arabic
// catalogues, when BIDIORDER_CHROMIUM=1.
func TestChromiumVectors(t *testing.T) {
	if os.Getenv("BIDIORDER_CHROMIUM") == "" {
		t.Skip("set BIDIORDER_CHROMIUM=1 to regenerate " + vectorsFile + " with chromium")
	}
	var texts []string
	for _, f := range []string{"../../assets/i18n/ar.json", "../../verifier/ui/i18n/ar.json"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, v := range m {
			switch v := v.(type) {
			case string:
				texts = append(texts, v)
			case map[string]any: // plural forms
				for _, p := range v {
					if s, ok := p.(string); ok {
						texts = append(texts, s)
					}
				}
			}
		}
	}
	placeholder := regexp.MustCompile(`\{\{[^}]*\}\}`)
	numeric := regexp.MustCompile(`Count|Version|Got|Have|Total|Days|Age|Dose|N\b|Size|Num`)
	seen := map[string]bool{}
	var uniq []string
	for _, s := range texts {
		s = placeholder.ReplaceAllStringFunc(s, func(p string) string {
			if numeric.MatchString(p) {
				return "12"
			}
			return "Amira Haddad"
		})
		if hasRTL(s) && !seen[s] && !strings.Contains(s, "\n") {
			seen[s] = true
			uniq = append(uniq, s)
		}
	}
	slices.Sort(uniq)
	path := ""
	for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if _, err := os.Stat("/usr/bin/" + p); err == nil {
			path = "/usr/bin/" + p
			break
		}
	}
	if path == "" {
		t.Fatal("no chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(4000, 800))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancelC := chromedp.NewContext(actx)
	defer cancelC()
	ctx, cancelT := context.WithTimeout(ctx, 120*time.Second)
	defer cancelT()
	in, _ := json.Marshal(uniq)
	// Each string in a right-to-left block wide enough for one line; each
	// token's box from a DOM Range; tokens sorted by the left edge of their
	// box. The tokenizer is the same as tokens above.
	js := `(() => {
const texts = ` + string(in) + `;
const out = [];
for (const text of texts) {
  const div = document.createElement('div');
  div.dir = 'rtl';
  div.style.cssText = 'white-space:pre;font:16px "DejaVu Sans";display:inline-block';
  div.textContent = text;
  document.body.appendChild(div);
  const node = div.firstChild;
  const cps = Array.from(text);
  let off = 0; const offs = [];
  for (const c of cps) { offs.push(off); off += c.length; }
  offs.push(off);
  const toks = [];
  const cls = c => /\p{Nd}/u.test(c) ? 'n' : (/\p{Script=Arabic}/u.test(c) || c === '\u0640') ? 'a' : 'l';
  const word = c => /[\p{L}\p{N}]/u.test(c);
  for (let i = 0; i < cps.length;) {
    const c = cps[i];
    if (/\s/u.test(c)) { i++; continue; }
    let j = i + 1;
    if (word(c)) { while (j < cps.length && (/\p{M}/u.test(cps[j]) || word(cps[j]) && cls(cps[j]) === cls(c))) j++; }
    const r = document.createRange();
    r.setStart(node, offs[i]); r.setEnd(node, offs[j]);
    const rect = r.getBoundingClientRect();
    let t = cps.slice(i, j).join('');
    if ('()[]{}<>«»'.includes(t)) t = '()';
    toks.push({t, x: rect.left + rect.width / 2});
    i = j;
  }
  toks.sort((a, b) => a.x - b.x);
  out.push({text, order: toks.map(k => k.t)});
  div.remove();
}
return JSON.stringify(out);
})()`
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatal(err)
	}
	var vs []vector
	if err := json.Unmarshal([]byte(res), &vs); err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(vs, "", " ")
	if err := os.WriteFile(vectorsFile, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d vectors written", len(vs))
}
