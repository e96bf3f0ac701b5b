package vax

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

const shcDir = "../../testdata/shc/"

func readShared(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(shcDir + name)
	if err != nil {
		t.Fatalf("shared test data: %v", err)
	}
	return b
}

var anyperson = Patient{Family: "Anyperson", Given: []string{"John", "B."}, BirthDate: Date{1951, 1, 20}}

func shcDose(code string, d Date, lot string) Immunization {
	return Immunization{Vaccine: Coding{System: SystemCVX, Code: code}, Date: d, Status: "completed", Lot: lot, Performer: "ABC General Hospital"}
}

var example00 = &Record{Patient: anyperson, Immunizations: []Immunization{
	shcDose("207", Date{2021, 1, 1}, "0000001"),
	shcDose("207", Date{2021, 1, 29}, "0000007"),
	shcDose("229", Date{2022, 9, 5}, "0000001"),
}}

var example03 = &Record{
	Patient: Patient{Family: "Revoked", Given: []string{"Johnny"}, BirthDate: Date{1960, 4, 22}},
	Immunizations: []Immunization{
		shcDose("207", Date{2021, 3, 1}, "0000003"),
		shcDose("207", Date{2021, 3, 29}, "0000009"),
	},
}

// TestFromFHIRShared maps the SMART Health Cards spec examples and fixtures.
func TestFromFHIRShared(t *testing.T) {
	for _, tt := range []struct {
		file string
		want *Record
	}{
		{"examples/example-00-a-fhirBundle.json", example00},
		{"examples/example-01-a-fhirBundle.json", example00},
		{"examples/example-03-a-fhirBundle.json", example03},
		{"fixtures/covid-vaccines-bundle.json", example00}, // same data, with ids and meta
		{"fixtures/revoked-bundle.json", example03},
	} {
		got, ignored, err := FromFHIRWithIgnored(readShared(t, tt.file))
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.file, got, tt.want)
		}
		if ignored != nil {
			t.Errorf("%s: ignored %q", tt.file, ignored)
		}
		if err := got.Validate(testNow); err != nil {
			t.Errorf("%s: Validate: %v", tt.file, err)
		}
		if d := Disease(got.Immunizations[0].Vaccine.System, got.Immunizations[0].Vaccine.Code); d != "COVID-19" {
			t.Errorf("%s: Disease = %q", tt.file, d)
		}
	}
}

// TestFromFHIRLabBundle: example 02 is a lab result, not an immunization card.
func TestFromFHIRLabBundle(t *testing.T) {
	_, ignored, err := FromFHIRWithIgnored(readShared(t, "examples/example-02-a-fhirBundle.json"))
	var fe *FHIRError
	if !errors.As(err, &fe) || fe.Problem != "no Patient resource" {
		t.Fatalf("err = %v, want no Patient", err)
	}
	if len(ignored) != 55 || ignored[0] != "Bundle.entry[0]: DiagnosticReport" || ignored[1] != "Bundle.entry[1]: Specimen" {
		t.Fatalf("ignored = %d entries %q…", len(ignored), ignored[:min(3, len(ignored))])
	}
}

// dccBundle is an EMR-style Bundle as an EU DCC issuer's system would hold
// it: ids, meta, urn:uuid references, an EU product code with a SNOMED CT
// type beside it, a dateTime occurrence, a country, other resources.
const dccBundle = `{
  "resourceType": "Bundle", "id": "b1", "type": "document",
  "meta": {"lastUpdated": "2021-06-01T12:00:00Z"},
  "entry": [
    {"fullUrl": "urn:uuid:7b0a1a4e-5a3c-4f1e-9b0e-1a2b3c4d5e6f",
     "resource": {"resourceType": "Patient", "id": "p1",
       "name": [{"use": "usual", "given": ["Mimi"]}, {"use": "official", "family": "Musterfrau-Gößinger", "given": ["Gabriele"]}],
       "birthDate": "1998-02-26"}},
    {"fullUrl": "urn:uuid:0f6b7a45-0000-4000-8000-000000000001",
     "resource": {"resourceType": "Composition", "status": "final"}},
    {"fullUrl": "urn:uuid:0f6b7a45-0000-4000-8000-000000000002",
     "resource": {"resourceType": "Immunization", "id": "i1",
       "meta": {"profile": ["http://example.org/x"]},
       "extension": [
         {"url": "http://example.org/other", "valueString": "x"},
         {"url": "http://smart.who.int/ddcc/StructureDefinition/DDCCCountryOfEvent", "valueCode": "AT"}],
       "status": "completed",
       "vaccineCode": {"coding": [
         {"system": "http://snomed.info/sct", "code": "1119349007", "display": "SARS-CoV-2 mRNA vaccine"},
         {"system": "https://ec.europa.eu/health/documents/community-register/html/", "code": "EU/1/20/1528", "display": "Comirnaty"}]},
       "patient": {"reference": "urn:uuid:7b0a1a4e-5a3c-4f1e-9b0e-1a2b3c4d5e6f"},
       "occurrenceDateTime": "2021-06-11T09:30:00+02:00",
       "primarySource": true,
       "lotNumber": "FD1234",
       "performer": [{"actor": {"reference": "Organization/o1"}}, {"actor": {"display": "Impfzentrum Wien"}}],
       "protocolApplied": [{"targetDisease": [{"coding": [{"system": "http://snomed.info/sct", "code": "840539006"}]}],
         "doseNumberPositiveInt": 2, "seriesDosesPositiveInt": 2}]}},
    {"fullUrl": "https://ehr.example.org/fhir/Immunization/i2",
     "resource": {"resourceType": "Immunization", "id": "i2", "status": "completed",
       "vaccineCode": {"coding": [{"system": "https://ec.europa.eu/health/documents/community-register/html/", "code": "EU/1/20/1528"}]},
       "patient": {"reference": "Patient/p1"},
       "occurrenceDateTime": "2021-05-21",
       "protocolApplied": [{"doseNumberString": "1", "seriesDosesString": "2"}]}},
    {"fullUrl": "urn:uuid:0f6b7a45-0000-4000-8000-000000000003",
     "resource": {"resourceType": "Immunization", "status": "completed",
       "vaccineCode": {"coding": [{"system": "https://ec.europa.eu/health/documents/community-register/html/", "code": "EU/1/20/1528"}]},
       "patient": {"reference": "Patient/p1"},
       "occurrenceDateTime": "2021-12-01",
       "protocolApplied": [{"doseNumberString": "Booster", "seriesDosesPositiveInt": 2}]}}
  ]}`

func TestFromFHIRDCCStyle(t *testing.T) {
	got, ignored, err := FromFHIRWithIgnored([]byte(dccBundle))
	if err != nil {
		t.Fatal(err)
	}
	comirnaty := Coding{System: SystemEUDCC, Code: "EU/1/20/1528"}
	withDisplay := comirnaty
	withDisplay.Display = "Comirnaty"
	want := &Record{
		Patient: Patient{Family: "Musterfrau-Gößinger", Given: []string{"Gabriele"}, BirthDate: Date{1998, 2, 26}},
		Immunizations: []Immunization{
			{Vaccine: withDisplay, Date: Date{2021, 6, 11}, Status: "completed", DoseNumber: 2, SeriesDoses: 2, Lot: "FD1234", Performer: "Impfzentrum Wien", Country: "AT"},
			{Vaccine: comirnaty, Date: Date{2021, 5, 21}, Status: "completed", DoseNumber: 1, SeriesDoses: 2},
			{Vaccine: comirnaty, Date: Date{2021, 12, 1}, Status: "completed", DoseNumber: 0, SeriesDoses: 2},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("\n got %+v\nwant %+v", got, want)
	}
	if !reflect.DeepEqual(ignored, []string{"Bundle.entry[1]: Composition"}) {
		t.Fatalf("ignored = %q", ignored)
	}
	if err := got.Validate(testNow); err != nil {
		t.Fatal(err)
	}
	if Display(SystemEUDCC, "EU/1/20/1528") != "Comirnaty" || Disease(SystemEUDCC, "EU/1/20/1528") != "COVID-19" {
		t.Fatal("EU/1/20/1528 not in the code table")
	}
	roundTrip(t, got)
}

func roundTrip(t *testing.T, r *Record) []byte {
	t.Helper()
	b, err := r.FHIR()
	if err != nil {
		t.Fatalf("FHIR: %v", err)
	}
	back, err := FromFHIR(b)
	if err != nil {
		t.Fatalf("FromFHIR(FHIR()): %v\n%s", err, b)
	}
	if !reflect.DeepEqual(back, r) {
		t.Fatalf("round trip:\n got %+v\nwant %+v\n%s", back, r, b)
	}
	return b
}

func TestFHIRRoundTrip(t *testing.T) {
	full := validRecord()
	full.Patient.Given = []string{"Amira", "Layla"}
	full.Immunizations = append(full.Immunizations,
		Immunization{Vaccine: Coding{System: SystemICD11, Code: "XM0GQ8", Display: "COVID-19 vaccine, RNA based <&>"}, Date: Date{2021, 0, 0}, Status: "not-done"},
		Immunization{Vaccine: Coding{Code: "no-system"}, Date: Date{2021, 5, 0}, Status: "entered-in-error", SeriesDoses: 3},
		Immunization{Vaccine: Coding{System: SystemCVX, Code: "208"}, Date: Date{2021, 5, 1}, DoseNumber: 1, Performer: "Clínica \"São José\"", Country: "BR"},
	)
	for name, r := range map[string]*Record{
		"example00": example00,
		"full":      full,
		"no name":   {Patient: Patient{BirthDate: Date{2000, 0, 0}}, Immunizations: full.Immunizations[:1]},
		"no birth":  {Patient: Patient{Family: "X"}, Immunizations: full.Immunizations[:1]},
	} {
		t.Run(name, func(t *testing.T) { roundTrip(t, r) })
	}
}

// TestFHIRShape checks the output against example 00 of the SHC spec: the
// same JSON members, and nothing the spec leaves out (id, meta, text).
func TestFHIRShape(t *testing.T) {
	b, err := example00.FHIR()
	if err != nil {
		t.Fatal(err)
	}
	var got, want any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(readShared(t, "examples/example-00-a-fhirBundle.json"), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("FHIR() differs from example-00:\n%s", b)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, b); err != nil || compact.String() != string(b) {
		t.Fatal("output is not minified")
	}
	for _, s := range []string{`"id"`, `"meta"`, `"text"`, "\n"} {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("output contains %s", s)
		}
	}
}

func TestFHIRErrors(t *testing.T) {
	for name, r := range map[string]*Record{
		"no immunizations": {Patient: anyperson},
		"zero date":        {Patient: anyperson, Immunizations: []Immunization{{Status: "completed"}}},
		"bad date":         {Patient: anyperson, Immunizations: []Immunization{{Date: Date{2021, 2, 30}}}},
		"bad birth date":   {Patient: Patient{BirthDate: Date{2021, 13, 0}}, Immunizations: []Immunization{{Date: Date{2021, 2, 3}}}},
		"negative dose":    {Patient: anyperson, Immunizations: []Immunization{{Date: Date{2021, 2, 3}, DoseNumber: -1}}},
	} {
		if b, err := r.FHIR(); err == nil {
			t.Errorf("%s: FHIR() = %s, want error", name, b)
		}
	}
}

// bundle builds a test Bundle from a Patient and Immunization JSON.
func bundle(patient, imm string) string {
	return `{"resourceType":"Bundle","type":"collection","entry":[` +
		`{"fullUrl":"resource:0","resource":` + patient + `},` +
		`{"fullUrl":"resource:1","resource":` + imm + `}]}`
}

const (
	okPatient = `{"resourceType":"Patient","name":[{"family":"A","given":["B"]}],"birthDate":"1951-01-20"}`
	okImm     = `{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"207"}]},"patient":{"reference":"resource:0"},"occurrenceDateTime":"2021-01-01"}`
)

func imm(replace ...string) string {
	return strings.NewReplacer(replace...).Replace(okImm)
}

// fhirErrorTests is the negative table for FromFHIR; it seeds FuzzFromFHIR.
var fhirErrorTests = []struct {
	name, in string
	path     string // FHIRError.Path
	msg      string // substring of the message
}{
	{"empty", ``, "", "invalid JSON"},
	{"not JSON", `resourceType: Bundle`, "", "invalid JSON"},
	{"truncated", `{"resourceType":"Bundle"`, "", "invalid JSON"},
	{"trailing data", `{"resourceType":"Bundle"} {}`, "", "data after"},
	{"invalid UTF-8", "{\"resourceType\":\"Bundle\",\"x\":\"\xff\"}", "", "UTF-8"},
	{"array", `[]`, "Bundle", "want an object, got an array"},
	{"not a Bundle", okPatient, "Bundle.resourceType", `want "Bundle", got "Patient"`},
	{"no resourceType", `{"type":"collection"}`, "Bundle.resourceType", "missing"},
	{"resourceType number", `{"resourceType":1}`, "Bundle.resourceType", "want a string, got a number"},
	{"type not string", `{"resourceType":"Bundle","type":["collection"]}`, "Bundle.type", "want a string"},
	{"duplicate key", `{"resourceType":"Bundle","resourceType":"Bundle"}`, "Bundle", `duplicate key "resourceType"`},
	{"deep", strings.Repeat("[", 100) + strings.Repeat("]", 100), "Bundle" + strings.Repeat("[0]", 64), "nested deeper"},
	{"no entries", `{"resourceType":"Bundle","type":"collection"}`, "Bundle.entry", "no Patient"},
	{"entry not array", `{"resourceType":"Bundle","entry":{}}`, "Bundle.entry", "want an array"},
	{"entry not object", `{"resourceType":"Bundle","entry":[1]}`, "Bundle.entry[0]", "want an object"},
	{"entry without resource", `{"resourceType":"Bundle","entry":[{"fullUrl":"resource:0"}]}`, "Bundle.entry[0]", "no resource"},
	{"resource without type", `{"resourceType":"Bundle","entry":[{"resource":{}}]}`, "Bundle.entry[0].resource.resourceType", "missing"},
	{"no Patient", `{"resourceType":"Bundle","entry":[{"fullUrl":"resource:1","resource":` + okImm + `}]}`, "Bundle.entry", "no Patient"},
	{"two Patients", `{"resourceType":"Bundle","entry":[{"fullUrl":"resource:0","resource":` + okPatient + `},{"fullUrl":"resource:1","resource":` + okPatient + `}]}`, "Bundle.entry[1].resource", "second Patient"},
	{"no Immunization", `{"resourceType":"Bundle","entry":[{"fullUrl":"resource:0","resource":` + okPatient + `}]}`, "Bundle.entry", "no Immunization"},
	{"bad birth date", bundle(strings.Replace(okPatient, "1951-01-20", "1951-02-29", 1), okImm), "Bundle.entry[0].resource.birthDate", `invalid date "1951-02-29"`},
	{"birth dateTime", bundle(strings.Replace(okPatient, "1951-01-20", "1951-01-20T00:00:00Z", 1), okImm), "Bundle.entry[0].resource.birthDate", "invalid date"},
	{"given not string", bundle(strings.Replace(okPatient, `["B"]`, `["B",2]`, 1), okImm), "Bundle.entry[0].resource.name[0].given[1]", "want a string"},
	{"name not array", bundle(strings.Replace(okPatient, `[{"family":"A","given":["B"]}]`, `{"family":"A"}`, 1), okImm), "Bundle.entry[0].resource.name", "want an array"},
	{"Patient modifierExtension", bundle(strings.Replace(okPatient, `"name"`, `"modifierExtension":[{"url":"x"}],"name"`, 1), okImm), "Bundle.entry[0].resource.modifierExtension", "not understood"},
	{"no vaccineCode", bundle(okPatient, imm(`"vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"207"}]},`, "")), "Bundle.entry[1].resource.vaccineCode", "missing"},
	{"vaccineCode text only", bundle(okPatient, imm(`{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"207"}]}`, `{"text":"Pfizer"}`)), "Bundle.entry[1].resource.vaccineCode.coding", "missing"},
	{"empty coding", bundle(okPatient, imm(`[{"system":"http://hl7.org/fhir/sid/cvx","code":"207"}]`, `[]`)), "Bundle.entry[1].resource.vaccineCode.coding", "missing"},
	{"code number", bundle(okPatient, imm(`"207"`, `207`)), "Bundle.entry[1].resource.vaccineCode.coding[0].code", "want a string, got a number"},
	{"bad date", bundle(okPatient, imm("2021-01-01", "2021-13-01")), "Bundle.entry[1].resource.occurrenceDateTime", `invalid dateTime "2021-13-01"`},
	{"date without zone", bundle(okPatient, imm("2021-01-01", "2021-01-01T10:00:00")), "Bundle.entry[1].resource.occurrenceDateTime", "invalid dateTime"},
	{"no occurrence", bundle(okPatient, imm(`,"occurrenceDateTime":"2021-01-01"`, "")), "Bundle.entry[1].resource.occurrenceDateTime", "missing"},
	{"occurrenceString", bundle(okPatient, imm(`"occurrenceDateTime":"2021-01-01"`, `"occurrenceString":"spring 2021"`)), "Bundle.entry[1].resource.occurrenceString", "not supported"},
	{"null status", bundle(okPatient, imm(`"completed"`, `null`)), "Bundle.entry[1].resource.status", "got null"},
	{"missing patient", bundle(okPatient, imm("resource:0", "resource:7")), "Bundle.entry[1].resource.patient.reference", `does not resolve to the Patient in the Bundle: "resource:7"`},
	{"reference to Immunization", bundle(okPatient, imm("resource:0", "resource:1")), "Bundle.entry[1].resource.patient.reference", "does not resolve"},
	{"Patient/x without id", bundle(okPatient, imm("resource:0", "Patient/x")), "Bundle.entry[1].resource.patient.reference", "does not resolve"},
	{"no patient reference", bundle(okPatient, imm(`,"patient":{"reference":"resource:0"}`, "")), "Bundle.entry[1].resource.patient", "missing"},
	{"patient display only", bundle(okPatient, imm(`{"reference":"resource:0"}`, `{"display":"A"}`)), "Bundle.entry[1].resource.patient.reference", "missing"},
	{"dose zero", bundle(okPatient, imm(`"status"`, `"protocolApplied":[{"doseNumberPositiveInt":0}],"status"`)), "Bundle.entry[1].resource.protocolApplied[0].doseNumberPositiveInt", `positive integer, got "0"`},
	{"dose fraction", bundle(okPatient, imm(`"status"`, `"protocolApplied":[{"doseNumberPositiveInt":1.5}],"status"`)), "Bundle.entry[1].resource.protocolApplied[0].doseNumberPositiveInt", `"1.5"`},
	{"dose huge", bundle(okPatient, imm(`"status"`, `"protocolApplied":[{"doseNumberPositiveInt":99999999999}],"status"`)), "Bundle.entry[1].resource.protocolApplied[0].doseNumberPositiveInt", "positive integer"},
	{"series string type", bundle(okPatient, imm(`"status"`, `"protocolApplied":[{"seriesDosesPositiveInt":"2"}],"status"`)), "Bundle.entry[1].resource.protocolApplied[0].seriesDosesPositiveInt", "got a string"},
	{"dose twice", bundle(okPatient, imm(`"status"`, `"protocolApplied":[{"doseNumberPositiveInt":1,"doseNumberString":"1"}],"status"`)), "Bundle.entry[1].resource.protocolApplied[0]", "both"},
	{"performer without actor", bundle(okPatient, imm(`"status"`, `"performer":[{"function":{}}],"status"`)), "Bundle.entry[1].resource.performer[0].actor", "missing"},
	{"two countries", bundle(okPatient, imm(`"status"`, `"extension":[{"url":"`+CountryExtensionURL+`","valueCode":"AE"},{"url":"`+CountryExtensionURL+`","valueCode":"FR"}],"status"`)), "Bundle.entry[1].resource.extension[1]", "second country"},
	{"country not code", bundle(okPatient, imm(`"status"`, `"extension":[{"url":"`+CountryExtensionURL+`","valueString":"AE"}],"status"`)), "Bundle.entry[1].resource.extension[0].valueCode", "missing"},
	{"Immunization modifierExtension", bundle(okPatient, imm(`"status"`, `"modifierExtension":[],"status"`)), "Bundle.entry[1].resource.modifierExtension", "not understood"},
}

func TestFromFHIRErrors(t *testing.T) {
	for _, tt := range fhirErrorTests {
		r, err := FromFHIR([]byte(tt.in))
		var fe *FHIRError
		if !errors.As(err, &fe) {
			t.Errorf("%s: FromFHIR = %+v, %v; want a *FHIRError", tt.name, r, err)
			continue
		}
		if r != nil {
			t.Errorf("%s: record returned with error", tt.name)
		}
		if fe.Path != tt.path {
			t.Errorf("%s: Path = %q, want %q (%v)", tt.name, fe.Path, tt.path, err)
		}
		if !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "fhir: ") {
			t.Errorf("%s: error %q does not contain %q", tt.name, err, tt.msg)
		}
	}
}

func TestFromFHIRTooLarge(t *testing.T) {
	big := bundle(okPatient, imm(`"status"`, `"note":[{"text":"`+strings.Repeat("x", 2<<20)+`"}],"status"`))
	_, err := FromFHIR([]byte(big))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("2 MiB: err = %v, want ErrTooLarge", err)
	}
	var fe *FHIRError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "larger than 1048576") {
		t.Fatalf("2 MiB: err = %v", err)
	}
	// Just under the limit is read.
	pad := MaxFHIRSize - len(bundle(okPatient, imm(`"status"`, `"note":[{"text":""}],"status"`)))
	ok := bundle(okPatient, imm(`"status"`, `"note":[{"text":"`+strings.Repeat("x", pad)+`"}],"status"`))
	if len(ok) != MaxFHIRSize {
		t.Fatalf("test setup: %d bytes", len(ok))
	}
	if _, err := FromFHIR([]byte(ok)); err != nil {
		t.Fatalf("1 MiB: %v", err)
	}
}

// TestFromFHIRReferences checks the reference forms that resolve.
func TestFromFHIRReferences(t *testing.T) {
	for _, tt := range []struct{ fullURL, id, ref string }{
		{"resource:0", "", "resource:0"},
		{"urn:uuid:c4a6ab2c-7ffb-4c55-8d5b-05b4ec9e2a9d", "", "urn:uuid:c4a6ab2c-7ffb-4c55-8d5b-05b4ec9e2a9d"},
		{"urn:uuid:c4a6ab2c-7ffb-4c55-8d5b-05b4ec9e2a9d", "x", "Patient/x"},
		{"", "x", "Patient/x"},
		{"https://ehr.example.org/fhir/Patient/42", "", "Patient/42"},
		{"https://ehr.example.org/fhir/Patient/42", "", "https://ehr.example.org/fhir/Patient/42"},
	} {
		p := okPatient
		if tt.id != "" {
			p = strings.Replace(p, `"name"`, `"id":"`+tt.id+`","name"`, 1)
		}
		b := `{"resourceType":"Bundle","entry":[{"fullUrl":"` + tt.fullURL + `","resource":` + p + `},{"resource":` + imm("resource:0", tt.ref) + `}]}`
		if tt.fullURL == "" {
			b = strings.Replace(b, `"fullUrl":"",`, "", 1)
		}
		if _, err := FromFHIR([]byte(b)); err != nil {
			t.Errorf("fullUrl %q id %q ref %q: %v", tt.fullURL, tt.id, tt.ref, err)
		}
	}
}

// TestRecordJSON: a Record also marshals to plain JSON (for stores and the
// verifier's --json output), with dates in FHIR form.
func TestRecordJSON(t *testing.T) {
	r := validRecord()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"birthDate":"2016-04-12"`, `"date":"2017-04-15"`, `"vaccine":{"system":"http://hl7.org/fhir/sid/cvx","code":"03"}`, `"dose":1`, `"country":"AE"`} {
		if !bytes.Contains(b, []byte(s)) {
			t.Errorf("JSON lacks %s: %s", s, b)
		}
	}
	var back Record
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, r) {
		t.Fatalf("JSON round trip:\n got %+v\nwant %+v", back, *r)
	}
}

func BenchmarkFromFHIR(b *testing.B) {
	in := readShared(b, "examples/example-00-a-fhirBundle.json")
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FromFHIR(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFHIR(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := example00.FHIR(); err != nil {
			b.Fatal(err)
		}
	}
}
