package vax

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/immunopass/immunopass/internal/strictjson"
)

// MaxFHIRSize is the largest Bundle [FromFHIR] reads: 1 MiB. A SMART Health
// Card holds a few kilobytes at most.
const MaxFHIRSize = 1 << 20

// CountryExtensionURL is the FHIR extension on Immunization that carries
// [Immunization.Country] as a valueCode: the WHO DDCC "country of event"
// extension. See the package documentation.
const CountryExtensionURL = "http://smart.who.int/ddcc/StructureDefinition/DDCCCountryOfEvent"

// ErrTooLarge is wrapped by the errors for input over the size limits
// ([MaxFHIRSize], [MaxCSVSize]).
var ErrTooLarge = errors.New("input too large")

// FHIRError reports a Bundle that [FromFHIR] cannot map. Path locates the
// problem in FHIRPath style with entries counted from 0, e.g.
// "Bundle.entry[2].resource.occurrenceDateTime"; it is empty when the
// problem concerns the whole input (size, JSON syntax).
type FHIRError struct {
	Path    string
	Problem string
	Value   string // the offending value, if any
	Err     error  // the underlying error, if any (ErrTooLarge, a JSON syntax error)
}

func (e *FHIRError) Error() string {
	var b strings.Builder
	b.WriteString("fhir: ")
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Problem)
	if e.Value != "" {
		fmt.Fprintf(&b, " %q", e.Value)
	}
	return b.String()
}

func (e *FHIRError) Unwrap() error { return e.Err }

// FromFHIR maps a FHIR R4 Bundle (any Bundle.type) holding exactly one
// Patient and at least one Immunization to a Record. Entries of other
// resource types are skipped; use [FromFHIRWithIgnored] to learn which.
// Every error is a *[FHIRError]. The Record is not validated: call
// [Record.Validate].
func FromFHIR(bundle []byte) (*Record, error) {
	r, _, err := FromFHIRWithIgnored(bundle)
	return r, err
}

// FromFHIRWithIgnored is [FromFHIR] that also returns the entries it skipped,
// one line each in the form "Bundle.entry[3]: Observation".
func FromFHIRWithIgnored(bundle []byte) (rec *Record, ignored []string, err error) {
	if len(bundle) > MaxFHIRSize {
		return nil, nil, &FHIRError{Problem: fmt.Sprintf("input of %d bytes is larger than %d", len(bundle), MaxFHIRSize), Err: ErrTooLarge}
	}
	tree, err := parseJSON(bundle)
	if err != nil {
		return nil, nil, err
	}
	return FromFHIRTree(tree)
}

// FromFHIRTree is [FromFHIRWithIgnored] for a Bundle already parsed by
// internal/strictjson (ParseDoc), so a credential's payload is parsed once.
// Error paths start at the Bundle ("Bundle.entry[1]…").
func FromFHIRTree(bundle strictjson.Value) (rec *Record, ignored []string, err error) {
	if bundle.Kind() != strictjson.ObjectKind {
		return nil, nil, wrongType("Bundle", "an object", bundle)
	}
	root := object{bundle, bundle}
	if err := wantResourceType(root, "Bundle"); err != nil {
		return nil, nil, err
	}
	if _, _, err := root.str("type"); err != nil {
		return nil, nil, err
	}
	entries, err := root.objects("entry")
	if err != nil {
		return nil, nil, err
	}

	var (
		patient    object   // absent until found
		patientRef []string // the references that resolve to the Patient
		imms       []object
	)
	imms = make([]object, 0, entries.len())
	for e := entries.first(); e.ok(); e = e.next() {
		res, ok, err := e.obj("resource")
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			return nil, nil, &FHIRError{Path: e.path(), Problem: "entry has no resource"}
		}
		rt, ok, err := res.str("resourceType")
		if err != nil {
			return nil, nil, err
		}
		if !ok || rt == "" {
			return nil, nil, &FHIRError{Path: res.at("resourceType"), Problem: "missing"}
		}
		switch rt {
		case "Patient", "Immunization":
			if res.has("modifierExtension") {
				return nil, nil, &FHIRError{Path: res.at("modifierExtension"), Problem: "modifier extensions are not understood"}
			}
		}
		switch rt {
		case "Patient":
			if patient.ok() {
				return nil, nil, &FHIRError{Path: res.path(), Problem: "second Patient (a Bundle must hold one, at " + patient.path() + ")"}
			}
			patient = res
			refs, err := referencesTo(e, res, "Patient")
			if err != nil {
				return nil, nil, err
			}
			patientRef = refs
		case "Immunization":
			imms = append(imms, res)
		default:
			ignored = append(ignored, e.path()+": "+rt)
		}
	}
	if !patient.ok() {
		return nil, ignored, &FHIRError{Path: "Bundle.entry", Problem: "no Patient resource"}
	}
	if len(imms) == 0 {
		return nil, ignored, &FHIRError{Path: "Bundle.entry", Problem: "no Immunization resource"}
	}

	rec = &Record{Immunizations: make([]Immunization, 0, len(imms))}
	if rec.Patient, err = patientFromFHIR(patient); err != nil {
		return nil, ignored, err
	}
	for _, res := range imms {
		im, err := immunizationFromFHIR(res, patientRef)
		if err != nil {
			return nil, ignored, err
		}
		rec.Immunizations = append(rec.Immunizations, im)
	}
	return rec, ignored, nil
}

func wantResourceType(o object, want string) error {
	rt, ok, err := o.str("resourceType")
	if err != nil {
		return err
	}
	if !ok {
		return &FHIRError{Path: o.at("resourceType"), Problem: "missing, want " + strconv.Quote(want)}
	}
	if rt != want {
		return &FHIRError{Path: o.at("resourceType"), Problem: "want " + strconv.Quote(want) + ", got", Value: rt}
	}
	return nil
}

// referencesTo lists the reference strings that point at the resource of
// entry e: its fullUrl ("resource:0", "urn:uuid:…", "https://x/Patient/7")
// and, if it has an id or its fullUrl is a RESTful URL, "Patient/<id>".
func referencesTo(e, res object, rt string) ([]string, error) {
	var refs []string
	full, _, err := e.str("fullUrl")
	if err != nil {
		return nil, err
	}
	if full != "" {
		refs = append(refs, full)
		if i := strings.LastIndex(full, "/"+rt+"/"); i >= 0 && !strings.HasPrefix(full, "urn:") {
			refs = append(refs, full[i+1:])
		}
	}
	id, _, err := res.str("id")
	if err != nil {
		return nil, err
	}
	if id != "" {
		refs = append(refs, rt+"/"+id)
	}
	return refs, nil
}

func patientFromFHIR(res object) (Patient, error) {
	var p Patient
	names, err := res.objects("name")
	if err != nil {
		return p, err
	}
	if names.len() > 0 {
		name := names.first()
		for n := names.first(); n.ok(); n = n.next() {
			if use, _, err := n.str("use"); err != nil {
				return p, err
			} else if use == "official" {
				name = n
				break
			}
		}
		if p.Family, _, err = name.str("family"); err != nil {
			return p, err
		}
		given, _, err := name.arr("given")
		if err != nil {
			return p, err
		}
		i := 0
		for g := given.First(); g.Exists(); g, i = g.Next(), i+1 {
			s, ok := g.Str()
			if !ok {
				return p, wrongType(name.at("given")+"["+strconv.Itoa(i)+"]", "a string", g)
			}
			p.Given = append(p.Given, s)
		}
	}
	bd, ok, err := res.str("birthDate")
	if err != nil {
		return p, err
	}
	if ok {
		if p.BirthDate, err = ParseDate(bd); err != nil {
			return p, &FHIRError{Path: res.at("birthDate"), Problem: "invalid date", Value: bd}
		}
	}
	return p, nil
}

// preferredSystems orders the code systems FromFHIR keeps when a
// vaccineCode has several codings.
var preferredSystems = []string{SystemCVX, SystemEUDCC, SystemEUDCCTemp, SystemSNOMED, SystemICD11}

func immunizationFromFHIR(res object, patientRefs []string) (Immunization, error) {
	var im Immunization
	var err error

	// patient: must resolve to the Bundle's Patient.
	pat, ok, err := res.obj("patient")
	if err != nil {
		return im, err
	}
	if !ok {
		return im, &FHIRError{Path: res.at("patient"), Problem: "missing"}
	}
	ref, ok, err := pat.str("reference")
	if err != nil {
		return im, err
	}
	if !ok {
		return im, &FHIRError{Path: pat.at("reference"), Problem: "missing"}
	}
	found := false
	for _, r := range patientRefs {
		found = found || r == ref
	}
	if !found {
		return im, &FHIRError{Path: pat.at("reference"), Problem: "does not resolve to the Patient in the Bundle:", Value: ref}
	}

	if im.Status, _, err = res.str("status"); err != nil {
		return im, err
	}

	// vaccineCode
	vc, ok, err := res.obj("vaccineCode")
	if err != nil {
		return im, err
	}
	if !ok {
		return im, &FHIRError{Path: res.at("vaccineCode"), Problem: "missing"}
	}
	codings, err := vc.objects("coding")
	if err != nil {
		return im, err
	}
	if codings.len() == 0 {
		return im, &FHIRError{Path: vc.at("coding"), Problem: "missing"}
	}
	all := make([]Coding, codings.len())
	i := 0
	for c := codings.first(); c.ok(); c, i = c.next(), i+1 {
		for _, f := range []struct {
			key string
			dst *string
		}{{"system", &all[i].System}, {"code", &all[i].Code}, {"display", &all[i].Display}} {
			if *f.dst, _, err = c.str(f.key); err != nil {
				return im, err
			}
		}
	}
	im.Vaccine = all[0]
pick:
	for _, sys := range preferredSystems {
		for _, c := range all {
			if c.System == sys {
				im.Vaccine = c
				break pick
			}
		}
	}

	// occurrence[x]
	if res.has("occurrenceString") {
		return im, &FHIRError{Path: res.at("occurrenceString"), Problem: "not supported, want occurrenceDateTime"}
	}
	occ, ok, err := res.str("occurrenceDateTime")
	if err != nil {
		return im, err
	}
	if !ok {
		return im, &FHIRError{Path: res.at("occurrenceDateTime"), Problem: "missing"}
	}
	if im.Date, err = parseDateTime(occ); err != nil {
		return im, &FHIRError{Path: res.at("occurrenceDateTime"), Problem: "invalid dateTime", Value: occ}
	}

	if im.Lot, _, err = res.str("lotNumber"); err != nil {
		return im, err
	}

	performers, err := res.objects("performer")
	if err != nil {
		return im, err
	}
	for p := performers.first(); p.ok(); p = p.next() {
		actor, ok, err := p.obj("actor")
		if err != nil {
			return im, err
		}
		if !ok {
			return im, &FHIRError{Path: p.at("actor"), Problem: "missing"}
		}
		d, _, err := actor.str("display")
		if err != nil {
			return im, err
		}
		if d != "" && im.Performer == "" {
			im.Performer = d
		}
	}

	protocols, err := res.objects("protocolApplied")
	if err != nil {
		return im, err
	}
	if protocols.len() > 0 {
		pa := protocols.first()
		if im.DoseNumber, err = pa.positiveInt("doseNumberPositiveInt"); err != nil {
			return im, err
		}
		if s, ok, err := pa.str("doseNumberString"); err != nil {
			return im, err
		} else if ok {
			if im.DoseNumber != 0 {
				return im, &FHIRError{Path: pa.path(), Problem: "both doseNumberPositiveInt and doseNumberString"}
			}
			if n, err := strconv.ParseInt(s, 10, 32); err == nil && n > 0 && strconv.FormatInt(n, 10) == s {
				im.DoseNumber = int(n)
			}
		}
		if im.SeriesDoses, err = pa.positiveInt("seriesDosesPositiveInt"); err != nil {
			return im, err
		}
		if s, ok, err := pa.str("seriesDosesString"); err != nil {
			return im, err
		} else if ok {
			if im.SeriesDoses != 0 {
				return im, &FHIRError{Path: pa.path(), Problem: "both seriesDosesPositiveInt and seriesDosesString"}
			}
			if n, err := strconv.ParseInt(s, 10, 32); err == nil && n > 0 && strconv.FormatInt(n, 10) == s {
				im.SeriesDoses = int(n)
			}
		}
	}

	exts, err := res.objects("extension")
	if err != nil {
		return im, err
	}
	seen := false
	for x := exts.first(); x.ok(); x = x.next() {
		url, _, err := x.str("url")
		if err != nil {
			return im, err
		}
		if url != CountryExtensionURL {
			continue
		}
		if seen {
			return im, &FHIRError{Path: x.path(), Problem: "second country extension"}
		}
		seen = true
		code, ok, err := x.str("valueCode")
		if err != nil {
			return im, err
		}
		if !ok {
			return im, &FHIRError{Path: x.at("valueCode"), Problem: "missing"}
		}
		im.Country = code
	}
	return im, nil
}

// fhirBundle and the types below give the JSON shape that FHIR writes, in
// FHIR's element order.
type fhirBundle struct {
	ResourceType string      `json:"resourceType"`
	Type         string      `json:"type"`
	Entry        []fhirEntry `json:"entry"`
}

type fhirEntry struct {
	FullURL  string `json:"fullUrl"`
	Resource any    `json:"resource"`
}

type fhirPatient struct {
	ResourceType string          `json:"resourceType"`
	Name         []fhirHumanName `json:"name,omitempty"`
	BirthDate    string          `json:"birthDate,omitempty"`
}

type fhirHumanName struct {
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
}

type fhirImmunization struct {
	ResourceType       string          `json:"resourceType"`
	Extension          []fhirExtension `json:"extension,omitempty"`
	Status             string          `json:"status,omitempty"`
	VaccineCode        fhirCodeable    `json:"vaccineCode"`
	Patient            fhirReference   `json:"patient"`
	OccurrenceDateTime string          `json:"occurrenceDateTime"`
	LotNumber          string          `json:"lotNumber,omitempty"`
	Performer          []fhirPerformer `json:"performer,omitempty"`
	ProtocolApplied    []fhirProtocol  `json:"protocolApplied,omitempty"`
}

type fhirExtension struct {
	URL       string `json:"url"`
	ValueCode string `json:"valueCode"`
}

type fhirCodeable struct {
	Coding []Coding `json:"coding"`
}

type fhirReference struct {
	Reference string `json:"reference,omitempty"`
	Display   string `json:"display,omitempty"`
}

type fhirPerformer struct {
	Actor fhirReference `json:"actor"`
}

type fhirProtocol struct {
	DoseNumberPositiveInt  int    `json:"doseNumberPositiveInt,omitempty"`
	DoseNumberString       string `json:"doseNumberString,omitempty"`
	SeriesDosesPositiveInt int    `json:"seriesDosesPositiveInt,omitempty"`
}

// FHIR returns r as a minified FHIR R4 Bundle of type "collection" in the
// SMART Health Cards style: entries with fullUrl "resource:0",
// "resource:1"…, the Patient first, each Immunization referring to it as
// "resource:0"; no id, meta or text. See the package documentation for the
// mapping. [FromFHIR] maps the output back to a Record equal to r.
//
// FHIR fails only for what FHIR cannot carry: an invalid birth date, a
// missing or invalid occurrence date, a negative dose or series, or no
// immunization at all. It does not run [Record.Validate].
func (r *Record) FHIR() ([]byte, error) {
	if len(r.Immunizations) == 0 {
		return nil, errors.New("vax: record has no immunizations")
	}
	p := r.Patient
	fp := fhirPatient{ResourceType: "Patient"}
	if p.Family != "" || len(p.Given) > 0 {
		fp.Name = []fhirHumanName{{Family: p.Family, Given: p.Given}}
	}
	if !p.BirthDate.IsZero() {
		if err := p.BirthDate.check(); err != nil {
			return nil, fmt.Errorf("vax: patient birth date: %v", err)
		}
		fp.BirthDate = p.BirthDate.String()
	}
	b := fhirBundle{ResourceType: "Bundle", Type: "collection", Entry: []fhirEntry{{"resource:0", fp}}}
	for i, im := range r.Immunizations {
		if err := im.Date.check(); err != nil {
			return nil, fmt.Errorf("vax: immunization[%d] date: %v", i, err)
		}
		if im.DoseNumber < 0 || im.SeriesDoses < 0 {
			return nil, fmt.Errorf("vax: immunization[%d]: negative dose or series", i)
		}
		fi := fhirImmunization{
			ResourceType:       "Immunization",
			Status:             im.Status,
			VaccineCode:        fhirCodeable{Coding: []Coding{im.Vaccine}},
			Patient:            fhirReference{Reference: "resource:0"},
			OccurrenceDateTime: im.Date.String(),
			LotNumber:          im.Lot,
		}
		if im.Country != "" {
			fi.Extension = []fhirExtension{{URL: CountryExtensionURL, ValueCode: im.Country}}
		}
		if im.Performer != "" {
			fi.Performer = []fhirPerformer{{Actor: fhirReference{Display: im.Performer}}}
		}
		if im.DoseNumber > 0 || im.SeriesDoses > 0 {
			pa := fhirProtocol{DoseNumberPositiveInt: im.DoseNumber, SeriesDosesPositiveInt: im.SeriesDoses}
			if im.DoseNumber == 0 {
				pa.DoseNumberString = "unknown"
			}
			fi.ProtocolApplied = []fhirProtocol{pa}
		}
		b.Entry = append(b.Entry, fhirEntry{"resource:" + strconv.Itoa(i+1), fi})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // shorter, and "<" needs no escaping in JSON
	if err := enc.Encode(b); err != nil {
		return nil, fmt.Errorf("vax: %v", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
