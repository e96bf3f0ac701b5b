package verifier

import (
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/hcert"
	"github.com/immunopass/immunopass/credential/hcert/hcerttest"
	"github.com/immunopass/immunopass/credential/policy"
	"github.com/immunopass/immunopass/credential/trust"
)

func shippedContext(t *testing.T, name string) *policy.Context {
	t.Helper()
	s, err := policy.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// An EU DCC whose product the code table does not know takes its disease
// from "tg": a WHO DDCC yellow fever vaccination answers the yellow-fever
// question, on the 10th day after the dose and not before.
func TestContextHCERTYellowFever(t *testing.T) {
	d := dscFor(t, "open", hcerttest.DSCOptions{Country: "FR"})
	payload := strings.NewReplacer(`"tg":"840539006"`, `"tg":"16541001"`, `"mp":"EU/1/20/1528"`, `"mp":"YF-17D-STAMARIL"`,
		`"dn":2,"sd":2`, `"dn":1,"sd":1`).Replace(hcerttest.Vaccination)
	text := issueHC(t, d, payload, hcert.IssueOptions{})
	st := trust.New()
	st.AddDSC(newDSC(t, d.der))
	for _, tc := range []struct {
		at   time.Time
		want policy.Outcome
	}{
		{time.Date(2021, 6, 10, 23, 0, 0, 0, time.UTC), policy.Fails}, // 9 days after 2021-06-01
		{time.Date(2021, 6, 11, 0, 0, 0, 0, time.UTC), policy.Meets},
	} {
		v := &Verifier{Trust: st, At: tc.at, Context: shippedContext(t, "yellow-fever")}
		rs := v.Verify([]Input{{Name: "yf.txt", Data: []byte(text)}})
		if len(rs) != 1 || !rs[0].Valid {
			t.Fatalf("at %s: %+v", tc.at, rs)
		}
		if rs[0].Policy == nil || rs[0].Policy.Result != tc.want {
			t.Fatalf("at %s: %+v, want %s", tc.at, rs[0].Policy, tc.want)
		}
	}
}

// The traveller rules in EU DCC form read the certificate's own payload;
// an invalid credential gets "cannot tell", whatever it says.
func TestContextHCERTTraveller(t *testing.T) {
	d := dscFor(t, "open", hcerttest.DSCOptions{Country: "FR"})
	text := issueHC(t, d, hcerttest.Vaccination, hcert.IssueOptions{})
	st := trust.New()
	st.AddDSC(newDSC(t, d.der))
	c := shippedContext(t, "traveller-eu")
	v := &Verifier{Trust: st, At: time.Date(2021, 6, 14, 23, 0, 0, 0, time.UTC), Context: c, Lang: "fr"}
	r := v.Verify([]Input{{Name: "v.txt", Data: []byte(text)}})[0]
	if !r.Valid || r.Policy.Result != policy.Fails || len(r.Policy.Failed()) != 1 || r.Policy.Failed()[0].ID != "TR-EU-0004" ||
		!strings.Contains(r.Policy.Failed()[0].Description, "14 jours") {
		t.Fatalf("13 days after the second dose: %+v", r.Policy)
	}
	v.At = hcExp.Add(time.Hour)
	r = v.Verify([]Input{{Name: "v.txt", Data: []byte(text)}})[0]
	if r.Valid || r.Policy.Result != policy.CannotTell || !strings.Contains(r.Policy.Problem, "not valid") {
		t.Fatalf("expired: %v %+v", r.Reasons, r.Policy)
	}
}

func newDSC(t *testing.T, der []byte) *trust.DSC {
	t.Helper()
	d, err := trust.NewDSC(der)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
