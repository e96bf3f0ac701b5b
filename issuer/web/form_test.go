package web

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/issuer/service"
)

// FuzzRecordForm feeds the staff record form's reader any form body: it
// must map it to a record or to field errors, never panic, and every
// validation problem must map to a field of the form.
func FuzzRecordForm(f *testing.F) {
	f.Add("family=Haddad&given=Amira&birthDate=2020-03-04&vaccine0=http%3A%2F%2Fhl7.org%2Ffhir%2Fsid%2Fcvx%7C08&date0=2020-03-05&dose0=1&lot0=HB-1")
	f.Add("birthDate=2020-02-30&vaccine5=x|y&date5=2031-01-01&dose5=99&series5=-1&country5=zz")
	f.Add("")
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body string) {
		r, err := http.NewRequest("POST", "/records", strings.NewReader(body))
		if err != nil {
			return
		}
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if r.ParseForm() != nil {
			return
		}
		_, rec, rows, errs := readRecordForm(r)
		if len(rows) == 0 && errs["doses"] == "" {
			t.Fatal("no dose and no error")
		}
		if len(rows) != len(rec.Immunizations) {
			t.Fatalf("%d rows for %d immunizations", len(rows), len(rec.Immunizations))
		}
		var ies []*service.InputError
		collectInputErrors(service.Validate(rec, now), &ies)
		for _, ie := range ies {
			ff := formField(ie.Field, rows)
			if ff == "" {
				t.Fatalf("field %q maps to no form field", ie.Field)
			}
		}
		if err := service.Validate(rec, now); err != nil && len(ies) == 0 {
			var ie *service.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("validation error %v is not an *InputError", err)
			}
		}
	})
}
