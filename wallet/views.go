package wallet

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/immunopass/immunopass/assets"
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

// DueState says where a scheduled dose stands.
type DueState string

// Due states.
const (
	Done    DueState = "done"
	Due     DueState = "due"     // its age has come, still within the window
	Overdue DueState = "overdue" // past the window, still worth catching up
	// TooLate: missed, and the person is now past the age up to which the
	// schedule recommends catching it up ("no longer recommended at this
	// age"); never a reminder.
	TooLate  DueState = "too-late"
	Upcoming DueState = "upcoming" // within the next 90 days
	Later    DueState = "later"
)

// DueItem is one scheduled dose and where the person stands with it.
type DueItem struct {
	Disease  string   // the first disease of the entry
	Diseases []string // every disease this visit covers
	// Missing are the diseases of this visit still without enough doses
	// (empty when Done): a child who had the hexavalent vaccine but not the
	// pneumococcal one at 2 months misses only "Pneumococcal".
	Missing []string
	Vaccine string // what the schedule gives ("MMR", "DTaP-IPV-Hib-HepB")
	Dose    int    // 1-based within the disease's series in this schedule
	Of      int    // series length in this schedule
	State   DueState
	From    vax.Date // the date the dose becomes due
	By      vax.Date // the date after which it is overdue; zero: no limit
	// Until is the date after which a missed dose is no longer
	// recommended as catch-up (State TooLate after it); zero: no limit.
	Until vax.Date
	Note  string
	// Schedule names the schedule, its source and date (informational).
	Schedule ScheduleInfo
}

// ScheduleInfo identifies an embedded schedule.
type ScheduleInfo struct {
	ID        string // "who", "ae", "fr"
	Name      string
	Country   string // ISO alpha-2, "" for WHO
	Source    string // URL or document title
	Published string // the date of the table it was written from
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

func mergeDoses(creds []Credential) []DiseaseGroup {
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
	groups := map[string]*DiseaseGroup{}
	for _, k := range order {
		d := byKey[k]
		// What the issuer wrote is shown to a person: make it safe once
		// here, for every screen (wallet/ui reorders it for Arabic after).
		d.Lot, d.Clinic, d.Country = display.Text(d.Lot), display.Text(d.Clinic), display.Text(d.Country)
		d.Vaccine.Display = display.Text(d.Vaccine.Display)
		for _, dis := range d.Diseases {
			g := groups[dis]
			if g == nil {
				g = &DiseaseGroup{Disease: dis}
				groups[dis] = g
			}
			g.Doses = append(g.Doses, *d)
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

// schedule is an embedded schedule file.
type schedule struct {
	ScheduleInfo
	// CatchUp is the age per disease after which a missed dose against it
	// is no longer recommended (rotavirus, Hib, pneumococcal…).
	CatchUp map[string]string `json:"catchUp"`
	Doses   []struct {
		Vaccine  string   `json:"vaccine"`
		Diseases []string `json:"diseases"`
		Age      string   `json:"age"`
		By       string   `json:"by"`
		// Upto is the age after which this missed dose is no longer
		// recommended as catch-up (later doses or the adult boosters take
		// over); "" for no limit.
		Upto string `json:"upto"`
		Note string `json:"note"`
	} `json:"doses"`
}

var (
	schedOnce sync.Once
	scheds    map[string]*schedule // by country, "" for WHO
	schedErr  error
)

func loadSchedules() (map[string]*schedule, error) {
	schedOnce.Do(func() {
		scheds = map[string]*schedule{}
		for name, data := range assets.Schedules() {
			s := new(schedule)
			if err := json.Unmarshal(data, s); err != nil {
				schedErr = fmt.Errorf("schedule %s: %w", name, err)
				return
			}
			var optional []string
			for _, a := range s.CatchUp {
				optional = append(optional, a)
			}
			for _, d := range s.Doses {
				if _, err := parseAge(d.Age); err != nil {
					schedErr = fmt.Errorf("schedule %s: %w", name, err)
					return
				}
				optional = append(optional, d.By, d.Upto)
			}
			for _, a := range optional {
				if a == "" {
					continue
				}
				if _, err := parseAge(a); err != nil {
					schedErr = fmt.Errorf("schedule %s: %w", name, err)
					return
				}
			}
			scheds[s.Country] = s
		}
	})
	return scheds, schedErr
}

// age is an age in a schedule: days, weeks, months or years.
type age struct {
	n    int
	unit byte
}

func parseAge(s string) (age, error) {
	if len(s) < 2 {
		return age{}, fmt.Errorf("bad age %q", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	u := s[len(s)-1]
	if err != nil || n < 0 || n > 120 || !strings.ContainsRune("dwmy", rune(u)) {
		return age{}, fmt.Errorf("bad age %q", s)
	}
	return age{n, u}, nil
}

// at returns the date a person born on birth reaches the age.
func (a age) at(birth time.Time) time.Time {
	switch a.unit {
	case 'd':
		return birth.AddDate(0, 0, a.n)
	case 'w':
		return birth.AddDate(0, 0, 7*a.n)
	case 'm':
		return birth.AddDate(0, a.n, 0)
	}
	return birth.AddDate(a.n, 0, 0)
}

// scheduleFor picks the schedule of a country, WHO's when there is none.
func scheduleFor(country string) (*schedule, error) {
	all, err := loadSchedules()
	if err != nil {
		return nil, err
	}
	if s, ok := all[strings.ToUpper(country)]; ok {
		return s, nil
	}
	return all[""], nil
}

// Schedules lists the embedded schedules, WHO's first.
func Schedules() []ScheduleInfo {
	all, _ := loadSchedules()
	var out []ScheduleInfo
	for _, s := range all {
		out = append(out, s.ScheduleInfo)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Country < out[j].Country })
	return out
}

// UpcomingWindow is how far ahead Due marks doses as upcoming.
const UpcomingWindow = 90 * 24 * time.Hour

// NoBirthDateError: Due needs the profile's birth date.
type NoBirthDateError struct{ ProfileID string }

func (e *NoBirthDateError) Error() string {
	return fmt.Sprintf("profile %q has no birth date: the due view needs one", e.ProfileID)
}

// Due returns the scheduled doses for the profile's country (WHO's when the
// country has no embedded schedule) and where the person stands with each,
// computed from the birth date and the doses received: for every disease,
// the n-th dose of the schedule is done when the person has received at
// least n doses (on distinct dates) of vaccines against it. Items come in
// schedule order.
func (w *Wallet) Due(profileID string) ([]DueItem, error) {
	p, err := w.Profile(profileID)
	if err != nil {
		return nil, err
	}
	if p.BirthDate.Year == 0 {
		return nil, &NoBirthDateError{ProfileID: profileID}
	}
	groups, err := w.Immunizations(profileID)
	if err != nil {
		return nil, err
	}
	return dueFor(p, groups, w.now())
}

func dueFor(p Profile, groups []DiseaseGroup, now time.Time) ([]DueItem, error) {
	s, err := scheduleFor(p.Country)
	if err != nil {
		return nil, err
	}
	received := map[string]int{}
	for _, g := range groups {
		dates := map[vax.Date]bool{}
		for _, d := range g.Doses {
			dates[d.Date] = true
		}
		received[g.Disease] = len(dates)
	}
	birth := p.BirthDate.Earliest()
	series := map[string]int{} // disease → doses scheduled so far
	total := map[string]int{}
	for _, d := range s.Doses {
		for _, dis := range d.Diseases {
			total[dis]++
		}
	}
	today := now.UTC().Truncate(24 * time.Hour)
	var out []DueItem
	for _, d := range s.Doses {
		done := true
		n := 0
		var missing []string
		for i, dis := range d.Diseases {
			series[dis]++
			if i == 0 {
				n = series[dis]
			}
			if received[dis] < series[dis] {
				done = false
				missing = append(missing, dis)
			}
		}
		from, _ := parseAge(d.Age)
		it := DueItem{Disease: d.Diseases[0], Diseases: d.Diseases, Vaccine: d.Vaccine, Dose: n, Of: total[d.Diseases[0]],
			From: dateOf(from.at(birth)), Note: d.Note, Schedule: s.ScheduleInfo, Missing: missing}
		fromT := from.at(birth)
		byT := time.Time{}
		if d.By != "" {
			by, _ := parseAge(d.By)
			byT = by.at(birth)
			it.By = dateOf(byT)
		}
		// Catch-up: a missing disease past its own limit (rotavirus after
		// 24 months…) is no longer missing; the visit is no longer
		// recommended when none is left or the visit's limit has passed.
		var untilT time.Time
		if d.Upto != "" {
			up, _ := parseAge(d.Upto)
			untilT = up.at(birth)
		}
		tooLate := false
		if !done {
			var still []string
			var latest time.Time
			allLimited := true
			for _, dis := range missing {
				a, ok := s.CatchUp[dis]
				if !ok {
					still, allLimited = append(still, dis), false
					continue
				}
				lim, _ := parseAge(a)
				t := lim.at(birth)
				if t.After(latest) {
					latest = t
				}
				if !today.After(t) {
					still = append(still, dis)
				}
			}
			if allLimited && (untilT.IsZero() || latest.Before(untilT)) {
				untilT = latest
			}
			if len(still) > 0 {
				it.Missing = still
			}
			tooLate = len(still) == 0 || (!untilT.IsZero() && today.After(untilT))
		}
		if !untilT.IsZero() {
			it.Until = dateOf(untilT)
		}
		switch {
		case done:
			it.State = Done
		case tooLate:
			it.State = TooLate
		case !byT.IsZero() && today.After(byT):
			it.State = Overdue
		case !today.Before(fromT):
			it.State = Due
		case fromT.Sub(today) <= UpcomingWindow:
			it.State = Upcoming
		default:
			it.State = Later
		}
		out = append(out, it)
	}
	return out, nil
}

func dateOf(t time.Time) vax.Date {
	return vax.Date{Year: t.Year(), Month: int(t.Month()), Day: t.Day()}
}
