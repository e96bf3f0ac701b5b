package strictjson

import (
	"encoding/json"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is the type of a [Value].
type Kind uint8

// The kinds of JSON values. A zero [Value] (a member that is absent) has
// kind Absent.
const (
	Absent Kind = iota
	Null
	Bool
	Number
	String
	Array
	ObjectKind
)

// node is one value of a [Doc], in document order: a container's members
// or items follow it, and after is the index just past its last
// descendant, so siblings are linked by it. Names and texts are not stored:
// they are slices of the input, except those with escapes, kept in
// Doc.esc. 32 bytes a value.
type node struct {
	start, end int32 // the value's bytes in the input
	after      int32 // index of the node after this subtree
	parent     int32 // index of the container, -1 for the top value
	// n is the number of members or items of a container; for a string
	// with escapes, 1 + its index in Doc.esc.
	n int32
	// nameOff and nameLen locate a member's name (without its quotes) in
	// the input; a negative nameLen is -1 - its index in Doc.esc.
	nameOff, nameLen int32
	kind             Kind
}

// Doc is a parsed document whose values are not boxed into interfaces:
// every value is a node of one slice, and every name, string and number
// without escapes is a slice of one copy of the input. Parsing it costs a
// few allocations, however many values it holds.
type Doc struct {
	src   string
	nodes []node
	esc   []string // names and strings that had escapes, unescaped
}

func (d *Doc) name(i int32) string {
	nd := &d.nodes[i]
	if nd.nameLen < 0 {
		return d.esc[-1-nd.nameLen]
	}
	return d.src[nd.nameOff : nd.nameOff+nd.nameLen]
}

func (d *Doc) text(i int32) string {
	nd := &d.nodes[i]
	if nd.kind == String {
		if nd.n > 0 {
			return d.esc[nd.n-1]
		}
		return d.src[nd.start+1 : nd.end-1]
	}
	return d.src[nd.start:nd.end]
}

// Value is a position in a [Doc]. The zero Value stands for an absent
// member: its Kind is Absent and every lookup on it gives another absent
// Value, so chains such as v.Get("a").Get("b") need no checks on the way.
type Value struct {
	d *Doc
	i int32
}

// ParseDoc parses data as one JSON value with the same strictness as
// [Parse] (the same errors, with the same paths) and returns its top value.
// maxDepth ≤ 0 means MaxDepth.
func ParseDoc(data []byte, maxDepth int) (Value, error) {
	if maxDepth <= 0 {
		maxDepth = MaxDepth
	}
	if !utf8.Valid(data) {
		return Value{}, &Error{Offset: invalidUTF8At(data), Problem: "not valid UTF-8"}
	}
	// Minified FHIR holds a value every 15 to 20 bytes.
	p := &parser{data: data, src: string(data), maxDepth: maxDepth, nodes: make([]node, 0, min(len(data)/16+8, 1<<16))}
	p.space()
	if err := p.docValue(0, -1); err != nil {
		return Value{}, err
	}
	p.space()
	if p.pos != len(p.data) {
		return Value{}, &Error{Offset: p.pos, Problem: "data after the top-level value"}
	}
	return Value{d: &Doc{src: p.src, nodes: p.nodes, esc: p.esc}, i: 0}, nil
}

func (p *parser) docValue(depth int, parent int32) error {
	if p.pos >= len(p.data) {
		return p.fail("unexpected end of input")
	}
	idx := int32(len(p.nodes))
	p.nodes = append(p.nodes, node{start: int32(p.pos), parent: parent})
	nd := &p.nodes[idx]
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.docObject(depth+1, idx)
	case c == '[':
		return p.docArray(depth+1, idx)
	case c == '"':
		s, raw, err := p.string()
		if err != nil {
			return err
		}
		nd.kind = String
		if !raw {
			p.esc = append(p.esc, s)
			nd.n = int32(len(p.esc))
		}
	case c == 't':
		nd.kind = Bool
		if err := p.literal("true"); err != nil {
			return err
		}
	case c == 'f':
		nd.kind = Bool
		if err := p.literal("false"); err != nil {
			return err
		}
	case c == 'n':
		nd.kind = Null
		if err := p.literal("null"); err != nil {
			return err
		}
	case c == '-' || c >= '0' && c <= '9':
		if _, err := p.number(); err != nil {
			return err
		}
		nd.kind = Number
	default:
		return p.fail(fmt.Sprintf("unexpected character %q", p.data[p.pos]))
	}
	nd.end, nd.after = int32(p.pos), idx+1
	return nil
}

func (p *parser) docObject(depth int, idx int32) error {
	if depth > p.maxDepth {
		return p.fail(fmt.Sprintf("nested deeper than %d levels", p.maxDepth))
	}
	p.nodes[idx].kind = ObjectKind
	p.pos++                   // {
	var names map[string]bool // for large objects only
	n := int32(0)
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.close(idx, n)
		return nil
	}
	for {
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return p.fail("expected a member name")
		}
		keyAt := p.pos
		k, raw, err := p.string()
		if err != nil {
			return err
		}
		nameOff, nameLen := int32(keyAt+1), int32(len(k))
		if !raw {
			p.esc = append(p.esc, k)
			nameLen = -int32(len(p.esc))
		}
		d := Doc{src: p.src, nodes: p.nodes, esc: p.esc}
		dup := false
		if n < 16 {
			for c := idx + 1; c < int32(len(p.nodes)); c = p.nodes[c].after {
				if d.name(c) == k {
					dup = true
					break
				}
			}
		} else {
			if names == nil {
				names = make(map[string]bool, 2*n)
				for c := idx + 1; c < int32(len(p.nodes)); c = p.nodes[c].after {
					names[d.name(c)] = true
				}
			}
			dup = names[k]
			names[k] = true
		}
		if dup {
			return &Error{Offset: keyAt, Path: "." + k, Problem: fmt.Sprintf("duplicate member name %q", k), Duplicate: k}
		}
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return p.fail("expected ':'")
		}
		p.pos++
		p.space()
		c := int32(len(p.nodes))
		if err := p.docValue(depth, idx); err != nil {
			return within(err, "."+k)
		}
		p.nodes[c].nameOff, p.nodes[c].nameLen = nameOff, nameLen
		n++
		p.space()
		if p.pos >= len(p.data) {
			return p.fail("unexpected end of input in an object")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			p.close(idx, n)
			return nil
		default:
			return p.fail("expected ',' or '}'")
		}
	}
}

func (p *parser) docArray(depth int, idx int32) error {
	if depth > p.maxDepth {
		return p.fail(fmt.Sprintf("nested deeper than %d levels", p.maxDepth))
	}
	p.nodes[idx].kind = Array
	p.pos++ // [
	n := int32(0)
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.close(idx, n)
		return nil
	}
	for {
		p.space()
		if err := p.docValue(depth, idx); err != nil {
			return within(err, "["+strconv.Itoa(int(n))+"]")
		}
		n++
		p.space()
		if p.pos >= len(p.data) {
			return p.fail("unexpected end of input in an array")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			p.close(idx, n)
			return nil
		default:
			return p.fail("expected ',' or ']'")
		}
	}
}

func (p *parser) close(idx, n int32) {
	nd := &p.nodes[idx]
	nd.n, nd.end, nd.after = n, int32(p.pos), int32(len(p.nodes))
}

func (v Value) node() *node { return &v.d.nodes[v.i] }

// Kind returns the type of v; Absent for the zero Value.
func (v Value) Kind() Kind {
	if v.d == nil {
		return Absent
	}
	return v.node().kind
}

// Exists reports whether v is a value (not an absent member).
func (v Value) Exists() bool { return v.d != nil }

// Get returns the member name of an object, or an absent Value when v is
// not an object or has no such member.
func (v Value) Get(name string) Value {
	if v.Kind() != ObjectKind {
		return Value{}
	}
	nd := v.node()
	for c := v.i + 1; c < nd.after; c = v.d.nodes[c].after {
		if v.d.name(c) == name {
			return Value{v.d, c}
		}
	}
	return Value{}
}

// Len returns the number of members of an object or items of an array, 0
// for any other value.
func (v Value) Len() int {
	if k := v.Kind(); k != ObjectKind && k != Array {
		return 0
	}
	return int(v.node().n)
}

// First returns the first item of an array or the first member of an
// object; an absent Value for an empty container or any other value. With
// [Value.Next] it walks a container without the closures an iterator
// costs.
func (v Value) First() Value {
	if k := v.Kind(); (k != Array && k != ObjectKind) || v.node().n == 0 {
		return Value{}
	}
	return Value{v.d, v.i + 1}
}

// Next returns the item or member after v in its container; an absent
// Value after the last one.
func (v Value) Next() Value {
	if v.d == nil {
		return Value{}
	}
	nd := v.node()
	if nd.parent < 0 || nd.after >= v.d.nodes[nd.parent].after {
		return Value{}
	}
	return Value{v.d, nd.after}
}

// Name returns v's member name when its container is an object, "" when
// it is not in one.
func (v Value) Name() string {
	if v.d == nil {
		return ""
	}
	if p := v.node().parent; p < 0 || v.d.nodes[p].kind != ObjectKind {
		return ""
	}
	return v.d.name(v.i)
}

// Items iterates over the items of an array (nothing for other values).
func (v Value) Items() iter.Seq2[int, Value] {
	return func(yield func(int, Value) bool) {
		if v.Kind() != Array {
			return
		}
		i := 0
		for c := v.First(); c.Exists(); c = c.Next() {
			if !yield(i, c) {
				return
			}
			i++
		}
	}
}

// Members iterates over the members of an object in input order (nothing
// for other values).
func (v Value) Members() iter.Seq2[string, Value] {
	return func(yield func(string, Value) bool) {
		if v.Kind() != ObjectKind {
			return
		}
		for c := v.First(); c.Exists(); c = c.Next() {
			if !yield(c.Name(), c) {
				return
			}
		}
	}
}

// Str returns a string's value; ok is false for any other kind.
func (v Value) Str() (s string, ok bool) {
	if v.Kind() != String {
		return "", false
	}
	return v.d.text(v.i), true
}

// Num returns a number's literal; ok is false for any other kind.
func (v Value) Num() (n json.Number, ok bool) {
	if v.Kind() != Number {
		return "", false
	}
	return json.Number(v.d.text(v.i)), true
}

// Bool returns a boolean's value; ok is false for any other kind.
func (v Value) Bool() (b, ok bool) {
	if v.Kind() != Bool {
		return false, false
	}
	return v.d.text(v.i) == "true", true
}

// Span returns the byte offsets of v in the parsed input: input[start:end]
// is the value exactly as received.
func (v Value) Span() (start, end int) {
	if v.d == nil {
		return 0, 0
	}
	return int(v.node().start), int(v.node().end)
}

// Raw returns the text of v exactly as received.
func (v Value) Raw() string {
	s, e := v.Span()
	if v.d == nil {
		return ""
	}
	return v.d.src[s:e]
}

// Path returns the path of v below base, such as ".entry[2].resource",
// for error messages; "" when v is base or not inside it. It walks up the
// tree, so it costs nothing until an error needs it.
func (v Value) Path(base Value) string {
	if v.d == nil || v.d != base.d {
		return ""
	}
	var segs []string
	for c := v.i; c != base.i; {
		nd := &v.d.nodes[c]
		if nd.parent < 0 {
			return ""
		}
		if v.d.nodes[nd.parent].kind == ObjectKind {
			segs = append(segs, "."+v.d.name(c))
		} else {
			i := 0
			for s := nd.parent + 1; s != c; s = v.d.nodes[s].after {
				i++
			}
			segs = append(segs, "["+strconv.Itoa(i)+"]")
		}
		c = nd.parent
	}
	var b strings.Builder
	for i := len(segs) - 1; i >= 0; i-- {
		b.WriteString(segs[i])
	}
	return b.String()
}

// String names a kind as error messages do: "a string", "an object".
func (k Kind) String() string {
	switch k {
	case Null:
		return "null"
	case Bool:
		return "a boolean"
	case Number:
		return "a number"
	case String:
		return "a string"
	case Array:
		return "an array"
	case ObjectKind:
		return "an object"
	}
	return "absent"
}

// Any returns v as the boxed tree that [Parse] returns ([Object], []any,
// string, json.Number, bool, nil); nil for an absent Value. All objects and
// arrays share two allocations.
func (v Value) Any() any {
	if v.d == nil {
		return nil
	}
	var members, items int
	for c := v.i; c < v.node().after; c++ {
		switch nd := &v.d.nodes[c]; nd.kind {
		case ObjectKind:
			members += int(nd.n)
		case Array:
			items += int(nd.n)
		}
	}
	b := boxer{d: v.d, members: make([]Member, members), items: make([]any, items)}
	return b.box(v.i)
}

type boxer struct {
	d       *Doc
	members []Member
	items   []any
}

func (b *boxer) box(i int32) any {
	nd := &b.d.nodes[i]
	switch nd.kind {
	case Null:
		return nil
	case Bool:
		return b.d.text(i) == "true"
	case Number:
		return json.Number(b.d.text(i))
	case String:
		return b.d.text(i)
	case ObjectKind:
		o := Object(b.members[:nd.n:nd.n])
		b.members = b.members[nd.n:]
		k := 0
		for c := i + 1; c < nd.after; c = b.d.nodes[c].after {
			o[k] = Member{Name: b.d.name(c), Value: b.box(c)}
			k++
		}
		return o
	default: // Array
		a := b.items[:nd.n:nd.n]
		b.items = b.items[nd.n:]
		k := 0
		for c := i + 1; c < nd.after; c = b.d.nodes[c].after {
			a[k] = b.box(c)
			k++
		}
		return a
	}
}
