package forecast

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// ForecastLine is one forecast in the JSON-lines report (issuer forecast
// --json): dates are YYYY-MM-DD, and the dose number and dates are null
// unless the status is "not complete".
type ForecastLine struct {
	Input        string  `json:"input"`
	Kind         string  `json:"kind"` // "forecast"
	VaccineGroup string  `json:"vaccineGroup"`
	Status       Status  `json:"status"`
	DoseNumber   *int    `json:"doseNumber"`
	Earliest     *string `json:"earliest"`
	Recommended  *string `json:"recommended"`
	PastDue      *string `json:"pastDue"`
}

// DoseLine is one dose evaluation in the JSON-lines report; reason is null
// when the dose is valid.
type DoseLine struct {
	Input  string     `json:"input"`
	Kind   string     `json:"kind"` // "dose"
	ID     string     `json:"id"`
	Status DoseStatus `json:"status"`
	Reason *string    `json:"reason"`
}

// Reported reports whether a group forecast belongs in a report: groups
// that have no series for this person and no dose are left out.
func (g *GroupForecast) Reported() bool {
	if g.Status != NoSchedule {
		return true
	}
	for _, a := range g.Antigens {
		if len(a.Evaluations) > 0 {
			return true
		}
	}
	return false
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Lines returns the report as JSON-lines values: one ForecastLine per
// reported vaccine group, in the schedule's order, then one DoseLine per
// input dose, in input order.
func (r *Result) Lines(input string) []any {
	var out []any
	for _, g := range r.Groups {
		if !g.Reported() {
			continue
		}
		l := ForecastLine{Input: input, Kind: "forecast", VaccineGroup: g.Group.Code, Status: g.Status}
		if g.Status == NotComplete {
			n := g.DoseNumber
			l.DoseNumber = &n
			l.Earliest, l.Recommended, l.PastDue = optString(g.Earliest.String()), optString(g.Recommended.String()), optString(g.PastDue.String())
		}
		out = append(out, l)
	}
	for _, d := range r.Doses {
		out = append(out, DoseLine{Input: input, Kind: "dose", ID: d.ID, Status: d.Status, Reason: optString(d.Reason)})
	}
	return out
}

// WriteJSON writes the report as JSON lines.
func (r *Result) WriteJSON(w io.Writer, input string) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, l := range r.Lines(input) {
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	return nil
}

// WriteText writes the report for people: per vaccine group what is next
// and when, then each dose with its evaluation.
func (r *Result) WriteText(w io.Writer, s *Schedule, input string, p Patient) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: born %s, as of %s, schedule %s (%s %s)\n", input, p.BirthDate, r.At, s.ID, s.Name, s.Published)
	for _, g := range r.Groups {
		if !g.Reported() {
			continue
		}
		fmt.Fprintf(&b, "  %-16s ", g.Group.Name)
		switch g.Status {
		case NotComplete:
			fmt.Fprintf(&b, "dose %d: earliest %s, recommended %s", g.DoseNumber, g.Earliest, g.Recommended)
			if !g.PastDue.IsZero() {
				fmt.Fprintf(&b, ", past due %s", g.PastDue)
			}
			if !g.Latest.IsZero() {
				fmt.Fprintf(&b, ", not after %s", g.Latest)
			}
		case Complete:
			b.WriteString("complete")
		case AgedOut:
			b.WriteString("aged out (no longer recommended at this age)")
		case Immune:
			b.WriteString("immune")
		default:
			b.WriteString("no series for this person")
		}
		b.WriteString("\n")
	}
	for _, d := range r.Doses {
		fmt.Fprintf(&b, "  dose %s %s CVX %s: %s", d.ID, d.Date, d.CVX, d.Status)
		if d.Reason != "" {
			fmt.Fprintf(&b, " (%s)", d.Reason)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// UpToDate reports whether the person is up to date, as of the result's
// date, in the given vaccine groups (codes or names; all reported groups
// when none are given): each is complete, immune, aged out, or not complete
// but not yet past due. behind lists the groups that are past due, or that
// the schedule does not have. This is what a context rule asks ("up to date
// for school entry in the UAE": Run with the UAE schedule as of the school
// entry date, then UpToDate("DTAP", "POL", "MMR", "VAR")).
func (r *Result) UpToDate(groups ...string) (ok bool, behind []string) {
	check := func(g *GroupForecast) {
		if g.Status == NotComplete && !g.PastDue.IsZero() && g.PastDue.Compare(r.At) < 0 {
			behind = append(behind, g.Group.Code)
		}
	}
	if len(groups) == 0 {
		for _, g := range r.Groups {
			if g.Reported() {
				check(g)
			}
		}
	}
	for _, name := range groups {
		g := r.Group(name)
		if g == nil {
			behind = append(behind, name)
			continue
		}
		check(g)
	}
	return len(behind) == 0, behind
}
