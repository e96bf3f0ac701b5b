package wallet

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/forecast"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/internal/display"
	"github.com/immunopass/immunopass/verifier"
)

// DiseaseGroup is every dose against one disease, oldest first.
type DiseaseGroup struct {
	Disease string // "Measles", "Polio", … or "Other"
	Doses   []Dose
}

// Dose is one vaccination event, merged across the credentials that state it.
type Dose struct {
	Date    vax.Date
	Vaccine verifier.Vaccine
	Dose    int // dose number as stated, 0 if unknown
	Lot     string
	Clinic  string
	Country string
	// Diseases are every disease the vaccine targets (a hexavalent dose
	// appears under six groups).
	Diseases []string
	// Sources are the IDs of the credentials that state this dose.
	Sources []string
}

// DueState says where a vaccine group stands.
type DueState string

// Due states.
const (
	Done    DueState = "done"    // complete (or immune)
	Due     DueState = "due"     // the next dose is recommended now
	Overdue DueState = "overdue" // past its recommended window, still worth catching up
	// TooLate: the next dose is past the age up to which the schedule gives
	// it ("no longer recommended at this age"); never a reminder.
	TooLate  DueState = "too-late"
	Upcoming DueState = "upcoming" // recommended within the next 90 days
	Later    DueState = "later"
)

// DueItem is one vaccine group of the person's schedule: each dose given
// (valid or not, and why), and what is next and when. Computed by the
// forecaster (credential/forecast), the CDSi way: per antigen, then per
// group, so that a visit with one missed antigen never hides the doses
// that were given, and catch-up is decided per antigen.
type DueItem struct {
	Group    string   // vaccine group code: "DTAP", "MMR", "VAR" …
	Vaccine  string   // the group's name in the schedule: "DTaP/Tdap", "MMR"
	Disease  string   // the first disease of the group
	Diseases []string // every disease of the group
	// Missing are the group's diseases that still need a dose (empty when
	// Done or TooLate).
	Missing []string
	Dose    int // the next dose (1-based) when not done
	Of      int // doses in the series the forecaster chose
	State   DueState
	// Earliest is the first date the next dose may be given; From the date
	// it is recommended; By the last day before it is overdue (zero: no
	// such limit); Until the last day it may still be given as catch-up
	// (zero: no limit).
	Earliest, From, By, Until vax.Date
	// Note is the plan in words ("catch up now: dose 1 of 2, then …").
	Note string
	// Given are the doses that count for this group, oldest first.
	Given []GivenDose
	// Schedule names the schedule, its source and date (informational).
	Schedule ScheduleInfo
}

// GivenDose is one dose given, as the forecaster evaluated it for a group.
type GivenDose struct {
	Date    vax.Date
	Vaccine string // display name
	Valid   bool
	Status  string // "valid", "not valid", "extraneous"
	// Reason says in words why a dose does not count ("" when valid).
	Reason string
}

// ScheduleInfo identifies a schedule.
type ScheduleInfo struct {
	ID        string // "who", "ae", "fr", "us-cdsi"
	Name      string
	Country   string // ISO alpha-2, "" for WHO
	Source    string // URL or document title
	Published string // the date or version of what it was written from
	Notice    string // "Informational: …"
}

// Immunizations returns a profile's doses merged across its credentials,
// de-duplicated (same vaccine on the same date), grouped by disease (a dose
// of a combination vaccine appears under each disease it targets), each
// group oldest first and groups sorted by name. Doses of credentials whose
// signature failed (StatusInvalid) are left out: they may be forged.
func (w *Wallet) Immunizations(profileID string) ([]DiseaseGroup, error) {
	creds, err := w.Credentials(profileID)
	if err != nil {
		return nil, err
	}
	return mergeDoses(creds), nil
}

// uniqueDoses returns the doses of the credentials, de-duplicated (same
// vaccine on the same date), in the order first stated; credentials whose
// signature failed are left out.
func uniqueDoses(creds []Credential) []Dose {
	type key struct{ date, system, code string }
	byKey := map[key]*Dose{}
	var order []key
	for _, c := range creds {
		if c.Status == StatusInvalid {
			continue
		}
		for _, im := range c.Doses {
			d, err := vax.ParseDate(im.Date)
			if err != nil {
				continue
			}
			k := key{im.Date, im.Vaccine.System, strings.TrimLeft(im.Vaccine.Code, "0")}
			if m, ok := byKey[k]; ok {
				if !slices.Contains(m.Sources, c.ID) {
					m.Sources = append(m.Sources, c.ID)
				}
				m.Lot = firstNonEmpty(m.Lot, im.Lot)
				m.Clinic = firstNonEmpty(m.Clinic, im.Performer)
				m.Country = firstNonEmpty(m.Country, im.Country)
				m.Dose = max(m.Dose, im.Dose)
				continue
			}
			ds := vax.Diseases(im.Vaccine.System, im.Vaccine.Code)
			if len(ds) == 0 {
				ds = []string{"Other"}
			}
			v := im.Vaccine
			if v.Display == "" {
				v.Display = vax.Display(v.System, v.Code)
			}
			byKey[k] = &Dose{Date: d, Vaccine: v, Dose: im.Dose, Lot: im.Lot, Clinic: im.Performer,
				Country: im.Country, Diseases: ds, Sources: []string{c.ID}}
			order = append(order, k)
		}
	}
	out := make([]Dose, 0, len(order))
	for _, k := range order {
		d := byKey[k]
		// What the issuer wrote is shown to a person: make it safe once
		// here, for every screen (wallet/ui reorders it for Arabic after).
		d.Lot, d.Clinic, d.Country = display.Text(d.Lot), display.Text(d.Clinic), display.Text(d.Country)
		d.Vaccine.Display = display.Text(d.Vaccine.Display)
		out = append(out, *d)
	}
	return out
}

func mergeDoses(creds []Credential) []DiseaseGroup {
	groups := map[string]*DiseaseGroup{}
	for _, d := range uniqueDoses(creds) {
		for _, dis := range d.Diseases {
			g := groups[dis]
			if g == nil {
				g = &DiseaseGroup{Disease: dis}
				groups[dis] = g
			}
			g.Doses = append(g.Doses, d)
		}
	}
	var out []DiseaseGroup
	for _, g := range groups {
		slices.SortStableFunc(g.Doses, func(a, b Dose) int { return a.Date.Compare(b.Date) })
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Disease == "Other") != (out[j].Disease == "Other") {
			return out[j].Disease == "Other"
		}
		return out[i].Disease < out[j].Disease
	})
	return out
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// scheduleCountries maps a schedule to its country ("" for WHO).
var scheduleCountries = map[string]string{"who": "", "ae": "AE", "fr": "FR", "us-cdsi": "US"}

const dueNotice = "Informational only: ask your doctor or clinic."

func infoOf(s *forecast.Schedule) ScheduleInfo {
	return ScheduleInfo{ID: s.ID, Name: s.Name, Country: scheduleCountries[s.ID], Source: s.Source,
		Published: s.Published, Notice: dueNotice}
}

// scheduleFor picks the schedule of a country, WHO's when there is none.
func scheduleFor(country string) (*forecast.Schedule, error) {
	for id, c := range scheduleCountries {
		if c != "" && c == strings.ToUpper(country) {
			return forecast.Lookup(id)
		}
	}
	return forecast.WHO()
}

// Schedules lists the schedules the due view can use, WHO's first: the
// person's country's is the default, the others are one tap away
// (DueIn).
func Schedules() []ScheduleInfo {
	var out []ScheduleInfo
	for _, id := range []string{"who", "ae", "fr", "us-cdsi"} {
		if s, err := forecast.Lookup(id); err == nil {
			out = append(out, infoOf(s))
		}
	}
	return out
}

// UpcomingWindow is how far ahead Due marks doses as upcoming.
const UpcomingWindow = 90 * 24 * time.Hour

// NoBirthDateError: Due needs the profile's birth date.
type NoBirthDateError struct{ ProfileID string }

func (e *NoBirthDateError) Error() string {
	return fmt.Sprintf("profile %q has no birth date: the due view needs one", e.ProfileID)
}

// Due returns, per vaccine group of the profile's country's schedule
// (WHO's when the country has none), the doses given and what is next:
// overdue groups first, then due, upcoming, later, done, and too late.
func (w *Wallet) Due(profileID string) ([]DueItem, error) {
	return w.DueIn(profileID, "")
}

// DueIn is Due in another schedule ("who", "ae", "fr", "us-cdsi"; "" for
// the profile's country's).
func (w *Wallet) DueIn(profileID, scheduleID string) ([]DueItem, error) {
	p, err := w.Profile(profileID)
	if err != nil {
		return nil, err
	}
	if p.BirthDate.Year == 0 {
		return nil, &NoBirthDateError{ProfileID: profileID}
	}
	creds, err := w.Credentials(profileID)
	if err != nil {
		return nil, err
	}
	var s *forecast.Schedule
	if scheduleID == "" {
		s, err = scheduleFor(p.Country)
	} else {
		s, err = forecast.Lookup(scheduleID)
	}
	if err != nil {
		return nil, err
	}
	return dueFor(s, p, uniqueDoses(creds), w.now())
}

// reasonWords says in words why a dose does not count.
var reasonWords = map[string]string{
	forecast.ReasonTooYoung:      "given before the minimum age",
	forecast.ReasonTooOld:        "given after the age limit",
	forecast.ReasonInterval:      "given too soon after the previous dose",
	forecast.ReasonLiveVirus:     "given too soon after another live vaccine",
	forecast.ReasonInadvertent:   "this vaccine is not meant for this dose",
	forecast.ReasonNotAllowable:  "this vaccine does not count for this dose",
	forecast.ReasonSeriesDone:    "an extra dose: the series was already complete",
	forecast.ReasonNotSchedule:   "not part of this schedule",
	forecast.ReasonAfterAssessed: "dated in the future",
}

// diseaseOf names an antigen as the wallet's disease groups do.
func diseaseOf(antigen string) string {
	switch antigen {
	case "HepB":
		return "Hepatitis B"
	case "HepA":
		return "Hepatitis A"
	case "Yellow Fever":
		return "Yellow fever"
	}
	return antigen
}

func dueFor(s *forecast.Schedule, p Profile, doses []Dose, now time.Time) ([]DueItem, error) {
	// A dose dated before the birth date (a typing error in a record) cannot
	// be evaluated: it stays in the record view, not in the forecast.
	doses = slices.DeleteFunc(slices.Clone(doses), func(d Dose) bool { return d.Date.Compare(p.BirthDate) < 0 })
	in := make([]forecast.Dose, len(doses))
	for i, d := range doses {
		in[i] = forecast.Dose{ID: strconv.Itoa(i), CVX: forecast.CVXFor(d.Vaccine.System, d.Vaccine.Code), Date: d.Date}
		if in[i].CVX == "" {
			in[i].CVX = d.Vaccine.System + "|" + d.Vaccine.Code
			in[i].Antigens = forecast.AntigensFor(d.Vaccine.System, d.Vaccine.Code)
		}
	}
	today := dateOf(now.UTC())
	if today.Compare(p.BirthDate) < 0 {
		today = p.BirthDate
	}
	res, err := forecast.Run(s, forecast.Patient{BirthDate: p.BirthDate}, in, today)
	if err != nil {
		return nil, err
	}
	info := infoOf(s)
	todayT := today.Earliest()
	var out []DueItem
	for _, g := range res.Groups {
		if !g.Reported() || g.Status == forecast.NoSchedule {
			continue
		}
		it := DueItem{Group: g.Group.Code, Vaccine: g.Group.Name, Schedule: info}
		for _, a := range g.Group.Antigens {
			it.Diseases = append(it.Diseases, diseaseOf(a))
		}
		it.Disease = it.Diseases[0]
		for i := range doses {
			st, reason, ok := g.DoseIn(i)
			if !ok {
				continue
			}
			w := reasonWords[reason]
			if w == "" {
				w = reason
			}
			it.Given = append(it.Given, GivenDose{Date: doses[i].Date, Vaccine: doses[i].Vaccine.Display,
				Valid: st == forecast.Valid, Status: string(st), Reason: w})
		}
		slices.SortStableFunc(it.Given, func(a, b GivenDose) int { return a.Date.Compare(b.Date) })
		for _, a := range g.Antigens {
			it.Of = max(it.Of, a.Doses)
			if a.Status == forecast.NotComplete {
				it.Missing = append(it.Missing, diseaseOf(a.Antigen))
			}
		}
		switch g.Status {
		case forecast.Complete, forecast.Immune:
			it.State = Done
			it.Note = "complete"
		case forecast.AgedOut:
			it.State = TooLate
			it.Note = "no longer recommended at this age"
		default:
			it.Dose, it.Earliest, it.From, it.By, it.Until = g.DoseNumber, g.Earliest, g.Recommended, g.PastDue, g.Latest
			it.Of = max(it.Of, it.Dose)
			fromT := it.From.Earliest()
			switch {
			case !it.By.IsZero() && today.Compare(it.By) > 0:
				it.State = Overdue
			case today.Compare(it.From) >= 0:
				it.State = Due
			case fromT.Sub(todayT) <= UpcomingWindow:
				it.State = Upcoming
			default:
				it.State = Later
			}
			it.Note = planNote(it, today)
		}
		out = append(out, it)
	}
	// What needs doing first, then what is done, then what is too late; the
	// schedule's order within each.
	rank := map[DueState]int{Overdue: 0, Due: 1, Upcoming: 2, Later: 3, Done: 4, TooLate: 5}
	slices.SortStableFunc(out, func(a, b DueItem) int { return rank[a.State] - rank[b.State] })
	return out, nil
}

// planNote says what is next in words.
func planNote(it DueItem, today vax.Date) string {
	var b strings.Builder
	switch it.State {
	case Overdue:
		fmt.Fprintf(&b, "catch up: dose %d as soon as possible", it.Dose)
	case Due:
		fmt.Fprintf(&b, "dose %d now", it.Dose)
	default:
		fmt.Fprintf(&b, "dose %d from %s", it.Dose, it.From)
		if it.Earliest.Compare(it.From) < 0 {
			fmt.Fprintf(&b, " (not before %s)", it.Earliest)
		}
	}
	if it.Earliest.Compare(today) > 0 && it.State != Later && it.State != Upcoming {
		fmt.Fprintf(&b, ", not before %s", it.Earliest)
	}
	if !it.Until.IsZero() {
		fmt.Fprintf(&b, "; can be given until %s", it.Until)
	}
	return b.String()
}

func dateOf(t time.Time) vax.Date {
	return vax.Date{Year: t.Year(), Month: int(t.Month()), Day: t.Day()}
}
