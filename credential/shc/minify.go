package shc

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/internal/strictjson"
)

// Minify applies the spec's "health cards are small" rules to a FHIR Bundle
// and returns it as compact JSON, keeping member order:
//
//   - Bundle.entry.fullUrl becomes "resource:N" and every Reference.reference
//     that points at an entry (by its fullUrl or "Type/id") follows it; a
//     reference of the form "resource:N" that points at no entry is refused
//     (minified, it would point at one);
//   - Resource.id, Resource.meta and DomainResource.text are dropped;
//   - CodeableConcept.text and Coding.display are dropped (Reference.display,
//     such as a performer's name, is kept);
//   - null values, empty arrays and empty objects are dropped.
func Minify(bundle []byte) ([]byte, error) { return minify(bundle, "") }

// minify is Minify with the trimming [Issue] adds for a QR code: each
// Immunization's protocolApplied is dropped, and so is its country
// extension when it names country (the issuer's own; "" keeps them all).
func minify(bundle []byte, country string) ([]byte, error) {
	if len(bundle) > MaxPayload {
		return nil, &TooLargeError{What: "fhir bundle", Size: len(bundle), Limit: MaxPayload}
	}
	// encoding/json reads invalid UTF-8 as U+FFFD: the card would say
	// something else than the clinic's bundle.
	if !utf8.Valid(bundle) {
		return nil, &PayloadError{Claim: "fhirBundle", Problem: "not valid UTF-8"}
	}
	root, err := parseNode(bundle)
	if err != nil {
		return nil, &PayloadError{Claim: "fhirBundle", Problem: err.Error()}
	}
	if root.kind != '{' || root.str("resourceType") != "Bundle" {
		return nil, &PayloadError{Claim: "fhirBundle", Problem: "not a FHIR Bundle"}
	}
	refs := map[string]string{}
	shorts := map[string]bool{}
	if entries := root.get("entry"); entries != nil && entries.kind == '[' {
		for i, e := range entries.items {
			if e.kind != '{' {
				continue
			}
			short := "resource:" + strconv.Itoa(i)
			if full := e.str("fullUrl"); full != "" {
				refs[full] = short
			}
			if res := e.get("resource"); res != nil && res.kind == '{' {
				if rt, id := res.str("resourceType"), res.str("id"); rt != "" && id != "" {
					refs[rt+"/"+id] = short
				}
			}
			e.set("fullUrl", strNode(short))
			shorts[short] = true
		}
	}
	var dangling string
	root.walk(func(n *node) {
		if n.kind != '{' {
			return
		}
		if n.get("resourceType") != nil {
			n.del("id")
			n.del("meta")
			n.del("text")
		}
		if c := n.get("coding"); c != nil && c.kind == '[' {
			n.del("text") // CodeableConcept.text
		}
		if n.get("system") != nil || n.get("code") != nil {
			n.del("display") // Coding.display
		}
		if country != "" && n.str("resourceType") == "Immunization" {
			trimImmunization(n, country)
		}
		if r := n.get("reference"); r != nil && r.kind == 's' {
			if short, ok := refs[r.str("")]; ok {
				n.set("reference", strNode(short))
			} else if shorts[r.str("")] && dangling == "" {
				dangling = r.str("")
			}
		}
	})
	if dangling != "" {
		// It points at no entry now, and would point at one once the
		// entries are renamed: the card would link what the clinic did not.
		return nil, &PayloadError{Claim: "fhirBundle", Problem: fmt.Sprintf("reference %q matches no entry's fullUrl, but would match one once minified", dangling)}
	}
	root.prune()
	var b bytes.Buffer
	root.write(&b)
	return b.Bytes(), nil
}

// trimImmunization drops what no SMART Health Card verifier reads and the
// card can do without (see the README's design decisions): protocolApplied
// (dose and series numbers; the SMART Health Cards vaccination profile has
// no such element) and the country-of-event extension naming the issuer's
// own country, which a verifier takes from the issuer's accreditation.
// A dose given elsewhere keeps its country.
func trimImmunization(n *node, country string) {
	n.del("protocolApplied")
	ext := n.get("extension")
	if ext == nil || ext.kind != '[' {
		return
	}
	keep := ext.items[:0]
	for _, x := range ext.items {
		if x.kind == '{' && x.str("url") == vax.CountryExtensionURL && x.str("valueCode") == country && len(x.keys) == 2 {
			continue
		}
		keep = append(keep, x)
	}
	ext.items = keep // an emptied array is pruned
}

// node is a JSON value that keeps object member order.
type node struct {
	kind  byte // '{', '[', 's' (string), 'v' (number, bool), '0' (null)
	keys  []string
	vals  []*node
	items []*node
	s     string // a string's value
	raw   string // a number's or a boolean's literal, as received
}

// parseNode reads data with strictjson (strict RFC 8259, valid UTF-8, no
// duplicate member names, at most 64 levels) into a tree of nodes.
func parseNode(data []byte) (*node, error) {
	v, err := strictjson.ParseDoc(data, 64)
	if err != nil {
		return nil, err
	}
	return treeOf(v), nil
}

func treeOf(v strictjson.Value) *node {
	switch v.Kind() {
	case strictjson.ObjectKind:
		n := &node{kind: '{', keys: make([]string, 0, v.Len()), vals: make([]*node, 0, v.Len())}
		for k, m := range v.Members() {
			n.keys, n.vals = append(n.keys, k), append(n.vals, treeOf(m))
		}
		return n
	case strictjson.Array:
		n := &node{kind: '[', items: make([]*node, 0, v.Len())}
		for _, it := range v.Items() {
			n.items = append(n.items, treeOf(it))
		}
		return n
	case strictjson.String:
		s, _ := v.Str()
		return &node{kind: 's', s: s}
	case strictjson.Null:
		return &node{kind: '0'}
	}
	return &node{kind: 'v', raw: v.Raw()}
}

func strNode(s string) *node { return &node{kind: 's', s: s} }

func (n *node) get(k string) *node {
	for i, key := range n.keys {
		if key == k {
			return n.vals[i]
		}
	}
	return nil
}

// str returns member k's string value, or n's own when k is "".
func (n *node) str(k string) string {
	v := n
	if k != "" {
		v = n.get(k)
	}
	if v == nil || v.kind != 's' {
		return ""
	}
	return v.s
}

func (n *node) set(k string, v *node) {
	for i, key := range n.keys {
		if key == k {
			n.vals[i] = v
			return
		}
	}
	n.keys, n.vals = append(n.keys, k), append(n.vals, v)
}

func (n *node) del(k string) {
	for i, key := range n.keys {
		if key == k {
			n.keys = append(n.keys[:i], n.keys[i+1:]...)
			n.vals = append(n.vals[:i], n.vals[i+1:]...)
			return
		}
	}
}

func (n *node) walk(f func(*node)) {
	f(n)
	for _, v := range n.vals {
		v.walk(f)
	}
	for _, v := range n.items {
		v.walk(f)
	}
}

// prune drops nulls, empty arrays and empty objects, bottom up, and reports
// whether n itself is empty.
func (n *node) prune() bool {
	switch n.kind {
	case '{':
		keys, vals := n.keys[:0], n.vals[:0]
		for i, v := range n.vals {
			if !v.prune() {
				keys, vals = append(keys, n.keys[i]), append(vals, v)
			}
		}
		n.keys, n.vals = keys, vals
		return len(n.keys) == 0
	case '[':
		items := n.items[:0]
		for _, v := range n.items {
			if !v.prune() {
				items = append(items, v)
			}
		}
		n.items = items
		return len(n.items) == 0
	case '0':
		return true
	}
	return false
}

func (n *node) write(b *bytes.Buffer) {
	switch n.kind {
	case '{':
		b.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			n.vals[i].write(b)
		}
		b.WriteByte('}')
	case '[':
		b.WriteByte('[')
		for i, v := range n.items {
			if i > 0 {
				b.WriteByte(',')
			}
			v.write(b)
		}
		b.WriteByte(']')
	case 's':
		writeString(b, n.s)
	case '0':
		b.WriteString("null")
	default:
		b.WriteString(n.raw)
	}
}

// writeString writes s as encoding/json does without HTML escaping (the
// card's bytes do not depend on the parser): as it is between quotes when
// nothing in it needs an escape, which is the rule for FHIR text.
func writeString(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c == 0xe2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xa8 || s[i+2] == 0xa9) {
			writeJSON(b, s)
			return
		}
	}
	if !utf8.ValidString(s) {
		writeJSON(b, s)
		return
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
}
