package issuer

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/vax"
)

var campaignNow = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

const campaignHeader = "family,given,birth_date,vaccine_system,vaccine_code,date,dose,series,lot,performer,country\n"

func TestCheckCampaignGood(t *testing.T) {
	data := campaignHeader +
		"Haddad,Amira,2016-04-12,http://hl7.org/fhir/sid/cvx,03,2017-04-15,1,2,MMR7731A,Al Noor,AE\n" +
		"Martin,Léa,2018-01-02,http://hl7.org/fhir/sid/cvx,20,2018-03-02,1,,L1,,FR\n" +
		"Haddad,Amira,2016-04-12,http://hl7.org/fhir/sid/cvx,03,2018-04-15,2,2,MMR7731B,Al Noor,AE\n"
	c, err := CheckCampaign([]byte("\ufeff"+data), campaignNow)
	if err != nil {
		t.Fatal(err)
	}
	want, err := vax.ParseCSV([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Records, want) {
		t.Fatalf("records differ from vax.ParseCSV's:\n%+v\n%+v", c.Records, want)
	}
	if c.Rows != 3 || !reflect.DeepEqual(c.Lines, []int{2, 3}) {
		t.Fatalf("rows %d lines %v, want 3 [2 3]", c.Rows, c.Lines)
	}
}

// TestCheckCampaignReportsEveryRow: every bad row is named with its column,
// not only the first, both the cell checks and the record checks (a dose
// before the birth date, a dose number over the series).
func TestCheckCampaignReportsEveryRow(t *testing.T) {
	data := campaignHeader +
		"Haddad,Amira,2016-04-12,http://hl7.org/fhir/sid/cvx,03,2017-04-15,1,2,L,,AE\n" + // 2 good
		"Haddad,Omar,2016-13-12,http://hl7.org/fhir/sid/cvx,03,2017-04-15,1,2,L,,AE\n" + // 3 birth_date
		"Martin,Léa,2018-01-02,http://hl7.org/fhir/sid/cvx,,2018-03-02,x,,L1,,FR\n" + // 4 vaccine_code, dose
		"Dupont,Jean,2019-05-05,http://hl7.org/fhir/sid/cvx,20,2019-04-01,1,,L,,FR\n" + // 5 date before birth
		"Dupont,Marc,2019-05-05,http://hl7.org/fhir/sid/cvx,20,2019-06-01,3,2,L,,fr\n" + // 6 dose > series, country
		"Short,row\n" // 7 cells
	_, err := CheckCampaign([]byte(data), campaignNow)
	var ce *CampaignError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a *CampaignError", err)
	}
	var got []string
	for _, p := range ce.Problems {
		got = append(got, fmt.Sprintf("%d %s", p.Line, p.Column))
	}
	want := []string{"3 birth_date", "4 vaccine_code", "4 dose", "5 date", "6 dose", "6 country", "7 "}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("problems %v, want %v\n%v", got, want, err)
	}
	// A person's rows: the record checks name the row of the dose.
	data = campaignHeader +
		"Dupont,Jean,2019-05-05,http://hl7.org/fhir/sid/cvx,20,2019-06-01,1,,L,,FR\n" +
		"Dupont,Jean,2019-05-05,http://hl7.org/fhir/sid/cvx,20,2019-04-01,2,,L,,FR\n" + // 3 date before birth
		"Dupont,Marc,2019-05-05,http://hl7.org/fhir/sid/cvx,20,2019-06-01,3,2,L,,fr\n" // 4 dose > series, country
	_, err = CheckCampaign([]byte(data), campaignNow)
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a *CampaignError", err)
	}
	got = nil
	for _, p := range ce.Problems {
		got = append(got, fmt.Sprintf("%d %s", p.Line, p.Column))
	}
	want = []string{"3 date", "4 dose", "4 country"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("problems %v, want %v\n%v", got, want, err)
	}
	if !strings.Contains(ce.Problems[0].String(), "line 3, date: before birth date") {
		t.Errorf("problem text %q", ce.Problems[0])
	}
}

func TestCheckCampaignFileProblems(t *testing.T) {
	for _, c := range []struct{ name, data, want string }{
		{"empty", "", "line 1: the file is empty"},
		{"header only", campaignHeader, "line 2: no rows after the header"},
		{"unknown column", "family,given,birth_date,vaccine_system,vaccine_code,date,colour\n", "line 1, colour: unknown column"},
		{"twice", "family,given,given,birth_date,vaccine_system,vaccine_code,date\n", "line 1, given: this column appears twice"},
		{"missing", "family,given,birth_date,vaccine_system,date\n", "line 1, vaccine_code: required column missing"},
		{"latin1", "family\n\xe9\n", "not UTF-8"},
		{"quote", campaignHeader + "\"Haddad,Amira\n", "not CSV"},
	} {
		_, err := CheckCampaign([]byte(c.data), campaignNow)
		var ce *CampaignError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want a *CampaignError with %q", c.name, err, c.want)
		}
	}
}

func TestCheckCampaignBoundsTheReport(t *testing.T) {
	var b strings.Builder
	b.WriteString(campaignHeader)
	for range 1000 {
		b.WriteString("A,B,bad,http://hl7.org/fhir/sid/cvx,03,bad,,,,,\n")
	}
	_, err := CheckCampaign([]byte(b.String()), campaignNow)
	var ce *CampaignError
	if !errors.As(err, &ce) || len(ce.Problems) != MaxCampaignProblems || !ce.Truncated {
		t.Fatalf("got %v", err)
	}
}

// FuzzCheckCampaign: any input gives records that vax.ParseCSV agrees with
// and that validate, or a report with at least one problem; never a panic.
func FuzzCheckCampaign(f *testing.F) {
	f.Add([]byte(campaignHeader + "Haddad,Amira,2016-04-12,http://hl7.org/fhir/sid/cvx,03,2017-04-15,1,2,L,,AE\n"))
	f.Add([]byte(campaignHeader + "Haddad,Amira,2016-04-12,http://hl7.org/fhir/sid/cvx,03,2015-04-15,3,2,L,,ae\n"))
	f.Add([]byte("family,given,birth_date,vaccine_system,vaccine_code,date,status\nA,,2020,s,c,2021-01-01T10:00:00Z,entered-in-error\n"))
	f.Add([]byte("\"a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := CheckCampaign(data, campaignNow)
		if err != nil {
			var ce *CampaignError
			if !errors.As(err, &ce) || len(ce.Problems) == 0 || len(ce.Problems) > MaxCampaignProblems {
				t.Fatalf("error %v is not a report", err)
			}
			return
		}
		want, err := vax.ParseCSV(data)
		if err != nil {
			t.Fatalf("accepted, but ParseCSV: %v", err)
		}
		if !reflect.DeepEqual(c.Records, want) || len(c.Lines) != len(want) {
			t.Fatal("records differ from ParseCSV's")
		}
		for i := range c.Records {
			if err := c.Records[i].Validate(campaignNow); err != nil {
				t.Fatalf("accepted an invalid record: %v", err)
			}
		}
	})
}
