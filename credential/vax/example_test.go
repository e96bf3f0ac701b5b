package vax_test

import (
	"fmt"
	"time"

	"github.com/immunopass/immunopass/credential/vax"
)

func ExampleFromFHIR() {
	bundle := []byte(`{"resourceType":"Bundle","type":"collection","entry":[
	  {"fullUrl":"resource:0","resource":{"resourceType":"Patient",
	    "name":[{"family":"Anyperson","given":["John","B."]}],"birthDate":"1951-01-20"}},
	  {"fullUrl":"resource:1","resource":{"resourceType":"Immunization","status":"completed",
	    "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"207"}]},
	    "patient":{"reference":"resource:0"},"occurrenceDateTime":"2021-01-01",
	    "performer":[{"actor":{"display":"ABC General Hospital"}}],"lotNumber":"0000001"}},
	  {"fullUrl":"resource:2","resource":{"resourceType":"Immunization","status":"completed",
	    "vaccineCode":{"coding":[{"code":"207"}]},
	    "patient":{"reference":"resource:0"},"occurrenceDateTime":"2021-01-29T10:00:00Z"}}]}`)

	rec, err := vax.FromFHIR(bundle)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rec.Patient.Name(), rec.Patient.BirthDate)
	for _, im := range rec.Immunizations {
		fmt.Printf("%s disease=%q lot=%q\n", im.Date, vax.Disease(im.Vaccine.System, im.Vaccine.Code), im.Lot)
	}

	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	for _, e := range vax.ValidationErrors(rec.Validate(now)) {
		fmt.Println("invalid:", e)
	}
	// Output:
	// John B. Anyperson 1951-01-20
	// 2021-01-01 disease="COVID-19" lot="0000001"
	// 2021-01-29 disease="" lot=""
	// invalid: immunization[1].vaccine.system: missing for code "207"
}

func ExampleParseDate() {
	for _, s := range []string{"2021", "2021-03", "2021-03-04", "2021-02-30"} {
		d, err := vax.ParseDate(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(d, d.Precision(), d.Earliest().Format(time.RFC3339))
	}
	// Output:
	// 2021 year 2021-01-01T00:00:00Z
	// 2021-03 month 2021-03-01T00:00:00Z
	// 2021-03-04 day 2021-03-04T00:00:00Z
	// invalid date "2021-02-30": day 30 does not exist in 2021-02
}
