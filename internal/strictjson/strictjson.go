// Package strictjson parses JSON strictly and fast, for the credential
// formats: RFC 8259 grammar, valid UTF-8, no duplicate member names at any
// depth (readers that keep the first and readers that keep the last would
// see different credentials), a nesting bound, and nothing after the value.
//
// [ParseDoc] parses into a [Doc]: one slice of nodes, no value boxed into
// an interface, every name and string without escapes a slice of one copy
// of the input, so a credential payload costs a couple of allocations
// however many values it holds; a [Value] walks it (Get, Items, Members)
// and names its own path only when an error message needs it. [Parse]
// builds the same document as a tree of [Object], []any, string,
// json.Number, bool and nil, for code that wants interfaces; all its
// objects share one allocation and all its arrays another.
package strictjson

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is the default nesting bound.
const MaxDepth = 64

// Error reports where and why input is not strict JSON.
type Error struct {
	Offset  int    // byte offset in the input
	Path    string // JSON path of the value, such as ".entry[2].resource"
	Problem string
	// Duplicate is the repeated member name when that is the problem; Path
	// then names the member.
	Duplicate string
}

func (e *Error) Error() string {
	if e.Path != "" {
		return fmt.Sprintf("invalid JSON at %s (offset %d): %s", e.Path, e.Offset, e.Problem)
	}
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.Offset, e.Problem)
}

// Member is one name/value pair of an object.
type Member struct {
	Name  string
	Value any
}

// Object is a JSON object: its members in input order, names unique.
type Object []Member

// Get returns the value of the named member.
func (o Object) Get(name string) (any, bool) {
	for i := range o {
		if o[i].Name == name {
			return o[i].Value, true
		}
	}
	return nil, false
}

// Map returns the object as a map (for callers that want one).
func (o Object) Map() map[string]any {
	m := make(map[string]any, len(o))
	for _, mb := range o {
		m[mb.Name] = mb.Value
	}
	return m
}

// Plain turns a tree into maps ([Object] → map[string]any), for code that
// hands it to encoding/json or compares it with what encoding/json read.
func Plain(v any) any {
	switch t := v.(type) {
	case Object:
		m := make(map[string]any, len(t))
		for _, mb := range t {
			m[mb.Name] = Plain(mb.Value)
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = Plain(x)
		}
		return out
	}
	return v
}

type parser struct {
	data     []byte
	src      string // data as one string: names, strings and numbers without escapes are slices of it
	pos      int
	maxDepth int
	nodes    []node   // the document so far (ParseDoc)
	esc      []string // its names and strings that had escapes
}

// Parse parses data as one JSON value. maxDepth ≤ 0 means MaxDepth. It is
// [ParseDoc] with the values boxed into a tree.
func Parse(data []byte, maxDepth int) (any, error) {
	v, err := ParseDoc(data, maxDepth)
	if err != nil {
		return nil, err
	}
	return v.Any(), nil
}

// ParseObject parses data and requires the value to be an object.
func ParseObject(data []byte, maxDepth int) (Object, error) {
	v, err := Parse(data, maxDepth)
	if err != nil {
		return nil, err
	}
	m, ok := v.(Object)
	if !ok {
		return nil, &Error{Problem: "not a JSON object"}
	}
	return m, nil
}

func invalidUTF8At(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(data)
}

func (p *parser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) fail(problem string) error { return &Error{Offset: p.pos, Problem: problem} }

// within prefixes an error's path with a member or index on the way out.
func within(err error, seg string) error {
	if e, ok := err.(*Error); ok {
		e.Path = seg + e.Path
	}
	return err
}

func (p *parser) literal(word string) error {
	if !strings.HasPrefix(string(p.data[p.pos:min(len(p.data), p.pos+len(word))]), word) {
		return p.fail("invalid literal")
	}
	p.pos += len(word)
	return nil
}

// string parses a string. raw reports that it had no escapes, so that
// interning by its bytes is exact.
func (p *parser) string() (s string, raw bool, err error) {
	p.pos++ // opening quote
	start := p.pos
	// Skip the plain bytes first, in a loop the compiler keeps in
	// registers: most of a credential's bytes are inside strings.
	d, i := p.data, p.pos
	for i < len(d) && !stringStop[d[i]] {
		i++
	}
	p.pos = i
	if i >= len(d) {
		return "", false, p.fail("unterminated string")
	}
	switch d[i] {
	case '"':
		p.pos++
		if p.src != "" {
			return p.src[start:i], true, nil
		}
		return string(d[start:i]), true, nil
	case '\\':
		s, err := p.escapedString(start)
		return s, false, err
	}
	return "", false, p.fail("control character in a string")
}

// stringStop marks the bytes that end the plain run of a string: the
// closing quote, a backslash, and the control characters JSON forbids.
var stringStop = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

func (p *parser) escapedString(start int) (string, error) {
	var b strings.Builder
	b.Write(p.data[start:p.pos])
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return b.String(), nil
		case c < 0x20:
			return "", p.fail("control character in a string")
		case c != '\\':
			b.WriteByte(c)
			p.pos++
			continue
		}
		if p.pos+1 >= len(p.data) {
			return "", p.fail("unterminated escape")
		}
		e := p.data[p.pos+1]
		p.pos += 2
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.fail("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				// A pair makes one rune; a lone surrogate becomes U+FFFD,
				// as encoding/json does.
				if p.pos+1 < len(p.data) && p.data[p.pos] == '\\' && p.data[p.pos+1] == 'u' {
					save := p.pos
					p.pos += 2
					if r2, ok := p.hex4(); ok {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							b.WriteRune(dec)
							continue
						}
					}
					p.pos = save
				}
				r = utf8.RuneError
			}
			b.WriteRune(r)
		default:
			return "", p.fail(fmt.Sprintf("invalid escape \\%c", e))
		}
	}
	return "", p.fail("unterminated string")
}

func (p *parser) hex4() (rune, bool) {
	if p.pos+4 > len(p.data) {
		return 0, false
	}
	var r rune
	for _, c := range p.data[p.pos : p.pos+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	p.pos += 4
	return r, true
}

func (p *parser) number() (string, error) {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.data[p.pos] == '-' {
		p.pos++
	}
	if p.pos < len(p.data) && p.data[p.pos] == '0' {
		p.pos++
	} else if digits() == 0 {
		return "", p.fail("invalid number")
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return "", p.fail("invalid number: no digits after '.'")
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return "", p.fail("invalid number: no digits in the exponent")
		}
	}
	return p.src[start:p.pos], nil
}

// Span returns the raw bytes of the value at path (member names) inside
// data, which must already have been parsed without error. It skips values
// without building them.
func Span(data []byte, path ...string) ([]byte, bool) {
	p := &parser{data: data, maxDepth: 1 << 30}
	p.space()
	for _, name := range path {
		if p.pos >= len(p.data) || p.data[p.pos] != '{' {
			return nil, false
		}
		p.pos++
		found := false
		for !found {
			p.space()
			if p.pos >= len(p.data) || p.data[p.pos] != '"' {
				return nil, false
			}
			k, _, err := p.string()
			if err != nil {
				return nil, false
			}
			p.space()
			p.pos++ // ':'
			p.space()
			if k == name {
				found = true
				break
			}
			if !p.skip() {
				return nil, false
			}
			p.space()
			if p.pos < len(p.data) && p.data[p.pos] == ',' {
				p.pos++
			}
		}
	}
	start := p.pos
	if !p.skip() {
		return nil, false
	}
	return data[start:p.pos], true
}

// skip moves past one value of already-validated input.
func (p *parser) skip() bool {
	if p.pos >= len(p.data) {
		return false
	}
	switch c := p.data[p.pos]; c {
	case '"':
		p.pos++
		for p.pos < len(p.data) {
			switch p.data[p.pos] {
			case '\\':
				p.pos += 2
				continue
			case '"':
				p.pos++
				return true
			}
			p.pos++
		}
		return false
	case '{', '[':
		depth := 0
		for p.pos < len(p.data) {
			switch p.data[p.pos] {
			case '"':
				if !p.skip() {
					return false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					p.pos++
					return true
				}
			}
			p.pos++
		}
		return false
	default:
		for p.pos < len(p.data) {
			switch p.data[p.pos] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return true
			}
			p.pos++
		}
		return true
	}
}
