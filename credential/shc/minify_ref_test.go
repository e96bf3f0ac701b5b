package shc

// The minifier as it was before it read the bundle with strictjson (it
// used encoding/json's tokens): FuzzMinifyUnchanged checks that cards keep
// the same bytes.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"testing"
	"unicode/utf8"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/vax"
)

// refMinify is minify as it was, with the trimming [Issue] adds for a QR code: each
// Immunization's protocolApplied is dropped, and so is its country
// extension when it names country (the issuer's own; "" keeps them all).
func refMinify(bundle []byte, country string) ([]byte, error) {
	if len(bundle) > MaxPayload {
		return nil, &TooLargeError{What: "fhir bundle", Size: len(bundle), Limit: MaxPayload}
	}
	// encoding/json reads invalid UTF-8 as U+FFFD: the card would say
	// something else than the clinic's bundle.
	if !utf8.Valid(bundle) {
		return nil, &PayloadError{Claim: "fhirBundle", Problem: "not valid UTF-8"}
	}
	root, err := refParseNode(bundle)
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
			e.set("fullUrl", &refNode{kind: 's', raw: refMustJSON(short)})
			shorts[short] = true
		}
	}
	var dangling string
	root.walk(func(n *refNode) {
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
			refTrim(n, country)
		}
		if r := n.get("reference"); r != nil && r.kind == 's' {
			if short, ok := refs[r.str("")]; ok {
				n.set("reference", &refNode{kind: 's', raw: refMustJSON(short)})
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

// refTrim drops what no SMART Health Card verifier reads and the
// card can do without (see the README's design decisions): protocolApplied
// (dose and series numbers; the SMART Health Cards vaccination profile has
// no such element) and the country-of-event extension naming the issuer's
// own country, which a verifier takes from the issuer's accreditation.
// A dose given elsewhere keeps its country.
func refTrim(n *refNode, country string) {
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

// refNode is a JSON value that keeps object member order.
type refNode struct {
	kind  byte // '{', '[', 's' (string), 'v' (number, bool), '0' (null)
	keys  []string
	vals  []*refNode
	items []*refNode
	raw   json.RawMessage // for scalars
}

func refParseNode(data []byte) (*refNode, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	n, err := refDecodeNode(d, 0)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return n, nil
}

func refDecodeNode(d *json.Decoder, depth int) (*refNode, error) {
	if depth > 64 {
		return nil, fmt.Errorf("nested deeper than 64 levels")
	}
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &refNode{kind: '{'}
			for d.More() {
				kt, err := d.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string)
				if n.get(k) != nil {
					return nil, fmt.Errorf("duplicate member %q", k)
				}
				v, err := refDecodeNode(d, depth+1)
				if err != nil {
					return nil, err
				}
				n.keys, n.vals = append(n.keys, k), append(n.vals, v)
			}
			_, err := d.Token()
			return n, err
		case '[':
			n := &refNode{kind: '['}
			for d.More() {
				v, err := refDecodeNode(d, depth+1)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, v)
			}
			_, err := d.Token()
			return n, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case string:
		return &refNode{kind: 's', raw: refMustJSON(t)}, nil
	case nil:
		return &refNode{kind: '0', raw: json.RawMessage("null")}, nil
	default:
		return &refNode{kind: 'v', raw: refMustJSON(t)}, nil
	}
}

func refMustJSON(v any) json.RawMessage {
	var b bytes.Buffer
	writeJSON(&b, v)
	return b.Bytes()
}

func (n *refNode) get(k string) *refNode {
	for i, key := range n.keys {
		if key == k {
			return n.vals[i]
		}
	}
	return nil
}

// str returns member k's string value, or n's own when k is "".
func (n *refNode) str(k string) string {
	v := n
	if k != "" {
		v = n.get(k)
	}
	if v == nil || v.kind != 's' {
		return ""
	}
	var s string
	json.Unmarshal(v.raw, &s)
	return s
}

func (n *refNode) set(k string, v *refNode) {
	for i, key := range n.keys {
		if key == k {
			n.vals[i] = v
			return
		}
	}
	n.keys, n.vals = append(n.keys, k), append(n.vals, v)
}

func (n *refNode) del(k string) {
	for i, key := range n.keys {
		if key == k {
			n.keys = append(n.keys[:i], n.keys[i+1:]...)
			n.vals = append(n.vals[:i], n.vals[i+1:]...)
			return
		}
	}
}

func (n *refNode) walk(f func(*refNode)) {
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
func (n *refNode) prune() bool {
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

func (n *refNode) write(b *bytes.Buffer) {
	switch n.kind {
	case '{':
		b.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, k)
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
	default:
		b.Write(n.raw)
	}
}

// FuzzMinifyUnchanged: the minifier gives the bytes the encoding/json one
// gave, and refuses what it refused.
func FuzzMinifyUnchanged(f *testing.F) {
	f.Add([]byte(`{"resourceType":"Bundle","entry":[{"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient","id":"p","name":[{"family":"H\u00e9 \"x\" \u2028 \/ <&>","given":["A\tB"]}]}},{"resource":{"resourceType":"Immunization","patient":{"reference":"urn:uuid:p"},"protocolApplied":[{"doseNumberPositiveInt":1}],"extension":[{"url":"`+vax.CountryExtensionURL+`","valueCode":"AE"}],"lotNumber":1.50e3,"primarySource":true,"note":null}}]}`), "AE")
	f.Add(assets.DemoRecord(), "")
	f.Add([]byte(`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","name":[{"family":"\ud800x\udc00\ud83d\ude00"}]}}]}`), "")
	if rec, err := vax.FromFHIR(assets.DemoRecord()); err == nil {
		if b, err := rec.FHIR(); err == nil {
			f.Add(b, "AE")
		}
	}
	f.Fuzz(func(t *testing.T, bundle []byte, country string) {
		got, err := minify(bundle, country)
		want, werr := refMinify(bundle, country)
		switch {
		case err == nil && werr == nil:
			if !bytes.Equal(got, want) {
				t.Fatalf("minify(%q):\n got %s\nwant %s", bundle, got, want)
			}
		case err == nil:
			t.Fatalf("minify(%q) accepted what was refused (%v): %s", bundle, werr, got)
		case werr == nil:
			t.Fatalf("minify(%q) refused what was accepted: %v", bundle, err)
		}
	})
}

// TestMinifyStrings: strings that need an escape are written as
// encoding/json writes them (without HTML escaping), the others as they
// are; numbers and booleans keep their literal.
func TestMinifyStrings(t *testing.T) {
	in := `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","name":[{"family":"H\u00e9 \"x\" \u2028 \/ <&>","given":["A\tB","Ã©"]}],"n":1.50e3,"b":true},"fullUrl":"resource:0"}]}`
	want := `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","name":[{"family":"Hé \"x\" \u2028 / <&>","given":["A\tB","Ã©"]}],"n":1.50e3,"b":true},"fullUrl":"resource:0"}]}`
	got, err := Minify([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if ref, err := refMinify([]byte(in), ""); err != nil || string(ref) != want {
		t.Fatalf("the encoding/json minifier: %s, %v", ref, err)
	}
}
