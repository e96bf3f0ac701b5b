// Package strictjson parses JSON strictly and fast, for the credential
// formats: RFC 8259 grammar, valid UTF-8, no duplicate member names at any
// depth (readers that keep the first and readers that keep the last would
// see different credentials), a nesting bound, and nothing after the value.
//
// Parse builds a tree of [Object], []any, string, json.Number, bool and nil
// in one pass over the input; it is several times faster than walking
// encoding/json's token stream and allocates little beyond the tree: each
// object and array is one exact-size slice.
package strictjson

import (
	"encoding/json"
	"fmt"
	"strconv"
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
	pos      int
	maxDepth int
	members  []Member // scratch stack shared by nested objects
	items    []any    // scratch stack shared by nested arrays
}

// Parse parses data as one JSON value. maxDepth ≤ 0 means MaxDepth.
func Parse(data []byte, maxDepth int) (any, error) {
	if maxDepth <= 0 {
		maxDepth = MaxDepth
	}
	if !utf8.Valid(data) {
		return nil, &Error{Offset: invalidUTF8At(data), Problem: "not valid UTF-8"}
	}
	p := &parser{data: data, maxDepth: maxDepth}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(p.data) {
		return nil, &Error{Offset: p.pos, Problem: "data after the top-level value"}
	}
	return v, nil
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

func (p *parser) value(depth int) (any, error) {
	if p.pos >= len(p.data) {
		return nil, p.fail("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		_, v, err := p.stringValue()
		return v, err
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	return nil, p.fail(fmt.Sprintf("unexpected character %q", p.data[p.pos]))
}

func (p *parser) literal(word string) error {
	if !strings.HasPrefix(string(p.data[p.pos:min(len(p.data), p.pos+len(word))]), word) {
		return p.fail("invalid literal")
	}
	p.pos += len(word)
	return nil
}

func (p *parser) object(depth int) (any, error) {
	if depth > p.maxDepth {
		return nil, p.fail(fmt.Sprintf("nested deeper than %d levels", p.maxDepth))
	}
	p.pos++ // {
	mark := len(p.members)
	defer func() { p.members = p.members[:mark] }()
	var names map[string]bool // for large objects only
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return Object{}, nil
	}
	for {
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.fail("expected a member name")
		}
		keyAt := p.pos
		k, _, err := p.stringValue()
		if err != nil {
			return nil, err
		}
		dup := false
		if n := len(p.members) - mark; n < 16 {
			for _, m := range p.members[mark:] {
				if m.Name == k {
					dup = true
					break
				}
			}
		} else {
			if names == nil {
				names = make(map[string]bool, 2*n)
				for _, m := range p.members[mark:] {
					names[m.Name] = true
				}
			}
			dup = names[k]
			names[k] = true
		}
		if dup {
			return nil, &Error{Offset: keyAt, Path: "." + k, Problem: fmt.Sprintf("duplicate member name %q", k), Duplicate: k}
		}
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.fail("expected ':'")
		}
		p.pos++
		p.space()
		v, err := p.value(depth)
		if err != nil {
			return nil, within(err, "."+k)
		}
		p.members = append(p.members, Member{Name: k, Value: v})
		p.space()
		if p.pos >= len(p.data) {
			return nil, p.fail("unexpected end of input in an object")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return append(Object(nil), p.members[mark:]...), nil
		default:
			return nil, p.fail("expected ',' or '}'")
		}
	}
}

func (p *parser) array(depth int) (any, error) {
	if depth > p.maxDepth {
		return nil, p.fail(fmt.Sprintf("nested deeper than %d levels", p.maxDepth))
	}
	p.pos++ // [
	mark := len(p.items)
	defer func() { p.items = p.items[:mark] }()
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return []any{}, nil
	}
	for {
		p.space()
		v, err := p.value(depth)
		if err != nil {
			return nil, within(err, "["+strconv.Itoa(len(p.items)-mark)+"]")
		}
		p.items = append(p.items, v)
		p.space()
		if p.pos >= len(p.data) {
			return nil, p.fail("unexpected end of input in an array")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return append([]any(nil), p.items[mark:]...), nil
		default:
			return nil, p.fail("expected ',' or ']'")
		}
	}
}

// stringValue parses a string and returns it both plain and boxed.
func (p *parser) stringValue() (string, any, error) {
	s, _, err := p.string()
	return s, s, err
}

// string parses a string. raw reports that it had no escapes, so that
// interning by its bytes is exact.
func (p *parser) string() (s string, raw bool, err error) {
	p.pos++ // opening quote
	start := p.pos
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			b := p.data[start:p.pos]
			p.pos++
			return string(b), true, nil
		case c == '\\':
			s, err := p.escapedString(start)
			return s, false, err
		case c < 0x20:
			return "", false, p.fail("control character in a string")
		}
		p.pos++
	}
	return "", false, p.fail("unterminated string")
}

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

func (p *parser) number() (any, error) {
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
		return nil, p.fail("invalid number")
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return nil, p.fail("invalid number: no digits after '.'")
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return nil, p.fail("invalid number: no digits in the exponent")
		}
	}
	return json.Number(p.data[start:p.pos]), nil
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
