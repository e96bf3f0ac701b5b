package hcert

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/fxamacker/cbor/v2"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/vax"
)

// dccPayload is the part of the EU DCC this package maps to the record.
type dccPayload struct {
	Ver string `json:"ver"`
	Nam struct {
		Fn  string `json:"fn"`
		Gn  string `json:"gn"`
		Fnt string `json:"fnt"`
		Gnt string `json:"gnt"`
	} `json:"nam"`
	Dob string        `json:"dob"`
	V   []Vaccination `json:"v"`
}

// Vaccination is one vaccination entry (v) of an EU DCC.
type Vaccination struct {
	Disease      string `json:"tg"` // SNOMED CT, e.g. 840539006 COVID-19
	Prophylaxis  string `json:"vp"` // vaccine type
	Product      string `json:"mp"` // medicinal product, e.g. EU/1/20/1528
	Manufacturer string `json:"ma"` // marketing authorisation holder
	Dose         int    `json:"dn"`
	Series       int    `json:"sd"`
	Date         string `json:"dt"`
	Country      string `json:"co"`
	Issuer       string `json:"is"`
	CertID       string `json:"ci"` // the unique certificate identifier (UVCI)
}

// openDCC converts the DCC CBOR map to JSON and finds its kind and ver.
func (c *Cert) openDCC(raw cbor.RawMessage) error {
	var tree map[string]any
	if err := payloadMode.Unmarshal(raw, &tree); err != nil {
		return &PayloadError{Part: "dcc", Problem: "not a map with text keys: " + err.Error()}
	}
	if err := jsonable(tree, 0); err != nil {
		return &PayloadError{Part: "dcc", Problem: err.Error()}
	}
	c.tree, c.raw = tree, raw
	c.Ver, _ = tree["ver"].(string)
	var kinds []string
	for k, kind := range map[string]string{"v": KindVaccination, "t": KindTest, "r": KindRecovery} {
		if _, ok := tree[k]; ok {
			kinds = append(kinds, kind)
		}
	}
	if len(kinds) == 1 {
		c.Kind = kinds[0]
	}
	return nil
}

// jsonable refuses CBOR values JSON cannot carry (byte strings, non-finite
// floats, undefined), which the schema could not judge.
func jsonable(v any, depth int) error {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if err := jsonable(e, depth+1); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
	case []any:
		for i, e := range x {
			if err := jsonable(e, depth+1); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
	case string, bool, nil, uint64, int64:
	case float64:
		if x != x || x > 1e300 || x < -1e300 {
			return fmt.Errorf("non-finite number")
		}
	case float32:
	default:
		return fmt.Errorf("a %T where JSON values are expected", v)
	}
	return nil
}

// JSON returns the payload as JSON (from CBOR: maps with text keys,
// arrays, text, numbers, booleans, null).
func (c *Cert) JSON() ([]byte, error) { return json.Marshal(c.tree) }

// instance converts the CBOR tree to the schema validator's JSON model
// (numbers as json.Number) without a JSON round trip.
func instance(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = instance(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = instance(e)
		}
		return a
	case uint64:
		return json.Number(strconv.FormatUint(x, 10))
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case float64:
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
	case float32:
		return json.Number(strconv.FormatFloat(float64(x), 'g', -1, 32))
	}
	return v
}

// Validate checks the payload: exactly one of v, t, r with one entry, and
// the official JSON schema of its version.
func (c *Cert) Validate() error {
	n := 0
	for _, k := range []string{"v", "t", "r"} {
		if e, ok := c.tree[k]; ok {
			n++
			if entries, ok := e.([]any); ok && len(entries) != 1 {
				return &SchemaError{Ver: c.Ver, Err: fmt.Errorf("%q holds %d entries; a certificate holds exactly one", k, len(entries))}
			}
		}
	}
	if n != 1 {
		return &SchemaError{Ver: c.Ver, Err: fmt.Errorf("%d of v, t, r present; a certificate holds exactly one", n)}
	}
	if err := validateSchema(c.Ver, instance(c.tree)); err != nil {
		return &SchemaError{Ver: c.Ver, Err: err}
	}
	if _, err := c.payload(); err != nil {
		return &SchemaError{Ver: c.Ver, Err: err}
	}
	return nil
}

func (c *Cert) payload() (*dccPayload, error) {
	if c.parsed != nil {
		return c.parsed, nil
	}
	var p dccPayload
	if err := payloadMode.Unmarshal(c.raw, &p); err != nil {
		return nil, err
	}
	c.parsed = &p
	return &p, nil
}

// Vaccinations returns the vaccination entries (v), for display.
func (c *Cert) Vaccinations() []Vaccination {
	p, err := c.payload()
	if err != nil {
		return nil
	}
	return p.V
}

// Record maps the certificate to the shared record model: the name (fn/gn,
// else the ICAO transliteration fnt/gnt), the birth date (partial forms
// kept) and the vaccination events. Test and recovery certificates have a
// person and no doses.
func (c *Cert) Record() (*vax.Record, error) {
	p, err := c.payload()
	if err != nil {
		return nil, &SchemaError{Ver: c.Ver, Err: err}
	}
	rec := &vax.Record{}
	fam, giv := p.Nam.Fn, p.Nam.Gn
	if fam == "" && giv == "" {
		fam, giv = p.Nam.Fnt, p.Nam.Gnt
	}
	rec.Patient.Family = fam
	if giv != "" {
		rec.Patient.Given = []string{giv}
	}
	if p.Dob != "" {
		d, err := vax.ParseDate(datePart(p.Dob))
		if err != nil {
			return nil, &SchemaError{Ver: c.Ver, Err: fmt.Errorf("dob: %w", err)}
		}
		rec.Patient.BirthDate = d
	}
	for i, v := range p.V {
		d, err := vax.ParseDate(datePart(v.Date))
		if err != nil {
			return nil, &SchemaError{Ver: c.Ver, Err: fmt.Errorf("v[%d].dt: %w", i, err)}
		}
		sys, display := ProductName(v.Product)
		rec.Immunizations = append(rec.Immunizations, vax.Immunization{
			Vaccine:     vax.Coding{System: sys, Code: v.Product, Display: display},
			Date:        d,
			Status:      vax.StatusCompleted,
			DoseNumber:  v.Dose,
			SeriesDoses: v.Series,
			Performer:   v.Issuer,
			Country:     v.Country,
		})
	}
	return rec, nil
}

// datePart keeps the date of a date-time ("2021-03-01T00:00:00").
func datePart(s string) string {
	if i := strings.IndexByte(s, 'T'); i >= 0 {
		return s[:i]
	}
	return s
}

type valueSet struct {
	Values map[string]struct {
		Display string `json:"display"`
		System  string `json:"system"`
	} `json:"valueSetValues"`
}

var valueSets = sync.OnceValue(func() map[string]valueSet {
	out := map[string]valueSet{}
	for name, b := range assets.DCCValueSets() {
		var vs valueSet
		if json.Unmarshal(b, &vs) == nil {
			out[name] = vs
		}
	}
	return out
})

// Display returns the display name of code in the named EU DCC value set
// ("vaccine-medicinal-product", "vaccine-mah-manf", "disease-agent-targeted",
// "vaccine-prophylaxis", "test-type", "test-result", "country-2-codes"), or
// "" when the set does not hold it.
func Display(set, code string) string {
	return valueSets()[set].Values[code].Display
}

// ProductName returns the code system and display name of a medicinal
// product code (mp); products outside the value set get the EU register
// system and no name.
func ProductName(mp string) (system, display string) {
	e, ok := valueSets()["vaccine-medicinal-product"].Values[mp]
	if !ok || e.System == "" {
		return vax.SystemEUDCC, e.Display
	}
	return e.System, e.Display
}
