package wallet

import (
	"slices"
	"strings"
	"unicode"

	"github.com/immunopass/immunopass/credential/vax"
	"golang.org/x/text/unicode/norm"
)

// Match says how well a credential's subject matches a profile.
type Match int

// Match levels, weakest first.
const (
	MatchNone      Match = iota
	MatchName            // the names match, the birth date is unknown on one side
	MatchFull            // names and birth date match
	MatchHolderKey       // an SD-JWT VC bound to the profile's own holder key
)

func (m Match) String() string {
	switch m {
	case MatchName:
		return "name"
	case MatchFull:
		return "name and birth date"
	case MatchHolderKey:
		return "holder key"
	}
	return "none"
}

// MatchProfile says how well a person named name (in any order, any script
// the skeleton knows: Latin with diacritics, Arabic) born on birth (zero if
// unknown) matches a profile. Names match when every name of the shorter
// one matches a distinct name of the other, so a missing middle name or a
// swapped given/family order still matches; names match by a transliteration
// skeleton ("Mohammed", "Muhammad", "Mohamed" and "محمد" are all "mhmd") or,
// for long names, one edit apart. Two different known birth dates never
// match.
func MatchProfile(p Profile, name string, birth vax.Date) Match {
	if !namesMatch(nameKeys(p.Given+" "+p.Family), nameKeys(name)) {
		return MatchNone
	}
	if p.BirthDate == (vax.Date{}) || birth == (vax.Date{}) {
		return MatchName
	}
	if !datesAgree(p.BirthDate, birth) {
		return MatchNone
	}
	return MatchFull
}

// datesAgree: equal, or one a less precise prefix of the other.
func datesAgree(a, b vax.Date) bool {
	if a.Year != b.Year {
		return false
	}
	if a.Month != 0 && b.Month != 0 && a.Month != b.Month {
		return false
	}
	return a.Day == 0 || b.Day == 0 || a.Day == b.Day
}

// particles are joining words dropped from a name unless they are all of it.
var particles = map[string]bool{
	"al": true, "el": true, "ul": true, "ibn": true, "bin": true, "bint": true,
	"de": true, "du": true, "da": true, "di": true, "del": true, "la": true, "le": true,
	"van": true, "von": true, "der": true, "den": true,
}

// nameKeys splits a name into folded tokens and returns their skeletons.
func nameKeys(name string) []string {
	var toks []string
	for _, f := range strings.FieldsFunc(fold(name), func(r rune) bool { return !unicode.IsLetter(r) && r != '.' }) {
		f = strings.Trim(f, ".")
		if f != "" {
			toks = append(toks, f)
		}
	}
	var keep []string
	for i, t := range toks {
		// A particle is dropped unless it starts the name ("Ben Smith")
		// or is all of it.
		if particles[t] && i > 0 && len(toks) > 1 {
			continue
		}
		keep = append(keep, t)
	}
	out := make([]string, 0, len(keep))
	for _, t := range keep {
		s := skeleton(t)
		switch {
		case s == "":
		case len([]rune(t)) == 1:
			out = append(out, s+".") // an initial
		default:
			out = append(out, s)
		}
	}
	return out
}

// fold lowercases, removes diacritics and maps letters that do not
// decompose (ø, ß, æ, œ, ł, đ, ı) and Arabic letters to Latin.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if t, ok := foldMap[r]; ok {
			b.WriteString(t)
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

var foldMap = map[rune]string{
	'ø': "o", 'Ø': "o", 'ß': "ss", 'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe",
	'ł': "l", 'Ł': "l", 'đ': "d", 'Đ': "d", 'ı': "i", 'þ': "th", 'ð': "d",
	'’': "", '\'': "", 'ʿ': "", 'ʾ': "", '`': "",
	// Arabic letters → a Latin consonant skeleton; long vowels and the
	// vowel carriers are written as vowels, which the skeleton drops.
	'ا': "a", 'أ': "a", 'إ': "i", 'آ': "a", 'ٱ': "a", 'ء': "", 'ؤ': "u", 'ئ': "i",
	'ب': "b", 'ت': "t", 'ث': "th", 'ج': "j", 'ح': "h", 'خ': "kh", 'د': "d",
	'ذ': "dh", 'ر': "r", 'ز': "z", 'س': "s", 'ش': "sh", 'ص': "s", 'ض': "d",
	'ط': "t", 'ظ': "z", 'ع': "", 'غ': "gh", 'ف': "f", 'ق': "q", 'ك': "k",
	'ل': "l", 'م': "m", 'ن': "n", 'ه': "h", 'ة': "a", 'و': "w", 'ي': "y",
	'ى': "a", 'ـ': "",
}

// skeleton reduces a folded name token to a form transliteration variants
// share: common digraphs merged, vowels dropped after the first letter, an
// initial vowel written "a", a final "h" after a vowel dropped, doubled
// letters collapsed.
func skeleton(t string) string {
	if t == "" {
		return ""
	}
	r := strings.NewReplacer(
		"kh", "k", "gh", "g", "sh", "s", "ch", "s", "sch", "s", "th", "t", "dh", "d",
		"ph", "f", "ck", "k", "dj", "j", "q", "k", "c", "k", "x", "ks", "v", "w", "g", "j",
		"ou", "u", "ee", "i", "oo", "u",
	)
	// Final "h" after a vowel (Fatimah, Sarah) is silent.
	if len(t) > 2 && t[len(t)-1] == 'h' && isVowel(rune(t[len(t)-2])) {
		t = t[:len(t)-1]
	}
	// Arabic "w"/"y" between consonants are long vowels (يوسف → ywsf).
	t = r.Replace(t)
	var b []byte
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case i == 0 && isVowel(rune(c)):
			c = 'a'
		case i > 0 && (isVowel(rune(c)) || c == 'y' || (c == 'w' && i+1 < len(t) && !isVowel(rune(t[i+1])) && !isVowel(rune(t[i-1])))):
			continue
		}
		if len(b) > 0 && b[len(b)-1] == c {
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

func isVowel(r rune) bool { return strings.ContainsRune("aeiou", r) }

// namesMatch reports whether the shorter list of name skeletons matches,
// token by token, distinct tokens of the longer one; adjacent tokens may also
// be joined ("Abdel Rahman" = "Abdelrahman").
func namesMatch(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	// Joining is tried on one side at a time, and joined names must then
	// match exactly: fuzzy matching of joined names would let "Sara Cohen"
	// pass for "Sami Cohen".
	type pair struct {
		x, y  []string
		fuzzy bool
	}
	pairs := []pair{{a, b, true}}
	for _, j := range joins(a)[1:] {
		pairs = append(pairs, pair{j, b, false})
	}
	for _, j := range joins(b)[1:] {
		pairs = append(pairs, pair{a, j, false})
	}
	for _, p := range pairs {
		{
			s, l := p.x, p.y
			if len(s) > len(l) {
				s, l = l, s
			}
			// One lone name matches only a lone name (no "Ali" = "Ali Hassan").
			if len(s) == 1 && len(l) > 1 {
				continue
			}
			if subsetMatch(s, l, p.fuzzy) {
				return true
			}
		}
	}
	return false
}

// joins returns the list and every variant with two adjacent tokens joined.
func joins(t []string) [][]string {
	out := [][]string{t}
	for i := 0; i+1 < len(t) && len(t) <= 8; i++ {
		j := append(append(slices.Clip(slices.Clone(t[:i])), skeletonJoin(t[i], t[i+1])), t[i+2:]...)
		out = append(out, j)
	}
	return out
}

// skeletonJoin joins two skeletons as the skeleton of the joined word would
// be: the second's initial "a" is a vowel inside a word.
func skeletonJoin(a, b string) string {
	b = strings.TrimPrefix(b, "a")
	if b != "" && strings.HasSuffix(a, b[:1]) {
		b = b[1:]
	}
	return a + b
}

// subsetMatch: each token of s matches a distinct token of l (greedy with
// backtracking; lists are short).
func subsetMatch(s, l []string, fuzzy bool) bool {
	used := make([]bool, len(l))
	var try func(i int) bool
	try = func(i int) bool {
		if i == len(s) {
			return true
		}
		for j := range l {
			if !used[j] && (s[i] == l[j] || fuzzy && tokenMatch(s[i], l[j])) {
				used[j] = true
				if try(i + 1) {
					return true
				}
				used[j] = false
			}
		}
		return false
	}
	return try(0)
}

// tokenMatch: equal skeletons, an initial ("j." for "jean"), or long
// skeletons one edit apart.
func tokenMatch(a, b string) bool {
	if a == b {
		return true
	}
	if strings.HasSuffix(a, ".") || strings.HasSuffix(b, ".") {
		return a[0] == b[0]
	}
	if min(len(a), len(b)) >= 4 {
		return editDistance(a, b) <= 1
	}
	return false
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
