package policy_test

import (
	"fmt"
	"time"

	"github.com/immunopass/immunopass/credential/policy"
	"github.com/immunopass/immunopass/credential/vax"
)

// A yellow fever vaccination on 27 November is valid at a border from the
// 10th day after it.
func ExampleContext_Check() {
	set, err := policy.Shipped()
	if err != nil {
		panic(err)
	}
	yf, _ := set.Lookup("yellow-fever")
	rec := &vax.Record{
		Patient: vax.Patient{Family: "Haddad", Given: []string{"Amira"}, BirthDate: vax.Date{Year: 2016, Month: 4, Day: 12}},
		Immunizations: []vax.Immunization{{Vaccine: vax.Coding{System: vax.SystemCVX, Code: "37"},
			Date: vax.Date{Year: 2026, Month: 11, Day: 27}, Status: vax.StatusCompleted}},
	}
	view := policy.NewView(rec, "shc", "")
	for _, day := range []int{6, 7} {
		v := yf.Check(policy.Subject{View: view}, time.Date(2026, 12, day, 9, 0, 0, 0, time.UTC), "fr")
		fmt.Printf("%d Dec: %s\n", day, v.Result)
		for _, r := range v.Failed() {
			fmt.Printf("  %s: %s\n", r.ID, r.Description)
		}
	}
	// Output:
	// 6 Dec: does-not-meet
	//   YF-UN-0001: Une vaccination contre la fièvre jaune est exigée ; elle est valable à partir du 10e jour après la vaccination, à vie.
	// 7 Dec: meets
}
