package forecast

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/immunopass/immunopass/credential/vax"
)

// Status is the forecast status of an antigen or a vaccine group.
type Status string

// Forecast statuses, as the CDSi names them.
const (
	NotComplete Status = "not complete"
	Complete    Status = "complete"
	AgedOut     Status = "aged out"
	Immune      Status = "immune"
	// NoSchedule: the schedule has no series that applies to this person
	// (e.g. a childhood-only vaccine for an adult who never started it).
	NoSchedule Status = "not recommended"
)

// DoseStatus is the evaluation of one administered dose.
type DoseStatus string

// Dose statuses, as the CDSi names them.
const (
	Valid      DoseStatus = "valid"
	NotValid   DoseStatus = "not valid"
	Extraneous DoseStatus = "extraneous"
)

// Reasons a dose is not valid or extraneous, worded as the CDSi test cases
// word them.
const (
	ReasonTooYoung      = "Age: Too Young"
	ReasonTooOld        = "Age: Too Old"
	ReasonInterval      = "Interval: too short"
	ReasonLiveVirus     = "Live Virus Conflict"
	ReasonInadvertent   = "Inadvertent Vaccine"
	ReasonNotAllowable  = "Vaccine: not allowable"
	ReasonSeriesDone    = "Series Already Completed"
	ReasonNotSchedule   = "Vaccine not in this schedule"
	ReasonAfterAssessed = "Given after the assessment date"
)

// Patient is the person the forecast is for.
type Patient struct {
	BirthDate vax.Date
	Gender    string // "female", "male", "other", "unknown" or ""
}

// Dose is one administered vaccine.
type Dose struct {
	ID   string // the Immunization's id, for reports
	CVX  string // CVX code ("03" and "3" are the same)
	Date vax.Date
	// Antigens, for a vaccine coded in another system than CVX (SNOMED CT,
	// ICD-11, ATC, EU products): the antigens it protects against (see
	// [AntigensFor]). Such a dose counts as an unspecified formulation of
	// any vaccine the target dose admits at that age.
	Antigens []string
}

// MaxDoses bounds a history: more doses than this is an input error.
const MaxDoses = 500

// Input errors.
var (
	ErrNoBirthDate  = errors.New("forecast: the person has no birth date")
	ErrTooManyDoses = fmt.Errorf("forecast: more than %d doses", MaxDoses)
)

// DateError says that a date is impossible (a dose before birth, an
// assessment date before birth).
type DateError struct {
	What string
	Date vax.Date
}

func (e *DateError) Error() string {
	return fmt.Sprintf("forecast: %s %q is before the birth date", e.What, e.Date.String())
}

// Evaluation is the outcome of one administered dose for one antigen.
type Evaluation struct {
	Dose    int // index in the input doses
	Antigen string
	Status  DoseStatus
	Reason  string // "" when valid
	Target  int    // the target dose (1-based) it was evaluated against; 0 if none
}

// AntigenForecast is the forecast for one antigen.
type AntigenForecast struct {
	Antigen     string
	Series      string // the best series, "" when none applies
	Status      Status
	DoseNumber  int // the next target dose (1-based) when not complete
	Earliest    vax.Date
	Recommended vax.Date
	PastDue     vax.Date // zero when the dose has no latest recommended date
	Latest      vax.Date // the last day it may be given (maximum age), zero when none
	Evaluations []Evaluation
	// Doses is the number of target doses in the best series.
	Doses int
	// ValidDoses is how many target doses are satisfied.
	ValidDoses int
}

// GroupForecast is the forecast for one vaccine group.
type GroupForecast struct {
	Group       *Group
	Status      Status
	DoseNumber  int
	Earliest    vax.Date
	Recommended vax.Date
	PastDue     vax.Date
	Latest      vax.Date
	Antigens    []*AntigenForecast
}

// DoseResult is the evaluation of one administered dose across its
// antigens: not valid if any antigen says so (with that reason), extraneous
// if every antigen does, else valid.
type DoseResult struct {
	Index    int
	ID       string
	CVX      string
	Date     vax.Date
	Antigens []string
	Status   DoseStatus
	Reason   string
}

// Result is a full forecast.
type Result struct {
	At       vax.Date
	Groups   []*GroupForecast
	Antigens map[string]*AntigenForecast
	Doses    []DoseResult
}

// Group returns the forecast of the vaccine group with that code or name, or
// nil.
func (r *Result) Group(codeOrName string) *GroupForecast {
	for _, g := range r.Groups {
		if strings.EqualFold(g.Group.Code, codeOrName) || strings.EqualFold(g.Group.Name, codeOrName) {
			return g
		}
	}
	return nil
}

// adm is one dose as an antigen sees it.
type adm struct {
	i     int // input index
	date  day
	cvx   string
	coded bool // false: not a CVX code, known by its antigens only
}

type run struct {
	sched  *Schedule
	birth  day
	at     day
	gender string
	all    []adm // every dose of the person, by date
	live   []adm // the doses of live vaccines, by date
}

// Run evaluates the doses and forecasts every vaccine group of the schedule
// for the person, as of the date at. Doses after at are reported as not
// evaluated; doses with codes the schedule does not know are reported as
// such and otherwise ignored.
func Run(s *Schedule, p Patient, doses []Dose, at vax.Date) (*Result, error) {
	if s == nil {
		return nil, errors.New("forecast: no schedule")
	}
	birth := fromVax(p.BirthDate)
	if birth == noDay {
		return nil, ErrNoBirthDate
	}
	if len(doses) > MaxDoses {
		return nil, ErrTooManyDoses
	}
	r := &run{sched: s, birth: birth, at: fromVax(at), gender: strings.ToLower(strings.TrimSpace(p.Gender))}
	if r.at == noDay || r.at < birth {
		return nil, &DateError{What: "assessment date", Date: at}
	}
	res := &Result{At: at, Antigens: map[string]*AntigenForecast{}}
	res.Doses = make([]DoseResult, len(doses))
	perAntigen := map[string][]adm{}
	for i, d := range doses {
		dd := fromVax(d.Date)
		cvx := normCVX(d.CVX)
		res.Doses[i] = DoseResult{Index: i, ID: d.ID, CVX: cvx, Date: d.Date}
		if dd == noDay || dd < birth {
			return nil, &DateError{What: fmt.Sprintf("dose %d (%s) date", i+1, d.ID), Date: d.Date}
		}
		if dd > r.at {
			res.Doses[i].Status, res.Doses[i].Reason = Extraneous, ReasonAfterAssessed
			continue
		}
		a := adm{i: i, date: dd, cvx: cvx, coded: true}
		r.all = append(r.all, a)
		assoc := s.Vaccines[cvx]
		if len(assoc) == 0 && len(d.Antigens) > 0 {
			a.coded = false
			r.all[len(r.all)-1].coded = false
			for _, ag := range d.Antigens {
				assoc = append(assoc, Association{Antigen: ag})
			}
		}
		if len(assoc) == 0 {
			res.Doses[i].Status, res.Doses[i].Reason = Extraneous, ReasonNotSchedule
			continue
		}
		for _, as := range assoc {
			if !as.Begin.IsZero() && dd < as.Begin.add(birth) || !as.End.IsZero() && dd >= as.End.add(birth) {
				continue
			}
			if s.Antigens[as.Antigen] == nil {
				continue
			}
			perAntigen[as.Antigen] = append(perAntigen[as.Antigen], a)
			res.Doses[i].Antigens = append(res.Doses[i].Antigens, as.Antigen)
		}
	}
	sortAdm(r.all)
	for _, a := range r.all {
		if s.isLive(a.cvx) {
			r.live = append(r.live, a)
		}
	}
	names := make([]string, 0, len(s.Antigens))
	for n := range s.Antigens {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		list := perAntigen[n]
		sortAdm(list)
		res.Antigens[n] = r.antigen(s.Antigens[n], list)
	}
	// Combine the per-antigen evaluations per dose.
	type acc struct{ notValid, extraneous, total int }
	accs := make([]acc, len(doses))
	for _, n := range names {
		for _, e := range res.Antigens[n].Evaluations {
			d := &res.Doses[e.Dose]
			accs[e.Dose].total++
			switch e.Status {
			case NotValid:
				if accs[e.Dose].notValid == 0 {
					d.Reason = e.Reason
				}
				accs[e.Dose].notValid++
			case Extraneous:
				if accs[e.Dose].notValid == 0 && accs[e.Dose].extraneous == 0 {
					d.Reason = e.Reason
				}
				accs[e.Dose].extraneous++
			}
		}
	}
	for i := range res.Doses {
		d, a := &res.Doses[i], accs[i]
		switch {
		case a.total == 0:
			if d.Status == "" {
				d.Status, d.Reason = Extraneous, ReasonNotSchedule
			}
		case a.notValid > 0:
			d.Status = NotValid
		case a.extraneous == a.total:
			d.Status = Extraneous
		default:
			d.Status, d.Reason = Valid, ""
		}
	}
	for _, g := range s.Groups {
		res.Groups = append(res.Groups, groupForecast(g, res.Antigens))
	}
	return res, nil
}

func sortAdm(l []adm) {
	sort.SliceStable(l, func(a, b int) bool { return l[a].date < l[b].date })
}

func maxDay(a, b day) day {
	if a == noDay {
		return b
	}
	if b == noDay || a >= b {
		return a
	}
	return b
}

func minDay(a, b day) day {
	if a == noDay {
		return b
	}
	if b == noDay || a <= b {
		return a
	}
	return b
}

// seriesRun is the evaluation of an antigen's doses against one series.
type seriesRun struct {
	s         *Series
	evals     []Evaluation // one per adm, in adm order
	satisfied []int        // per target dose: index into the adm list, -1
	next      int          // next target dose (0-based)
	valid     int
	// forecast
	status                         Status
	earliest, rec, pastDue, latest day
}

func (r *run) antigen(ag *Antigen, list []adm) *AntigenForecast {
	af := &AntigenForecast{Antigen: ag.Name}
	if ag.ImmuneBornBefore != noDay && r.birth < ag.ImmuneBornBefore {
		af.Status = Immune
		for _, a := range list {
			af.Evaluations = append(af.Evaluations, Evaluation{Dose: a.i, Antigen: ag.Name, Status: Valid})
		}
		return af
	}
	var runs []*seriesRun
	for _, s := range ag.Series {
		if s.Type != "Standard" || !r.genderOK(s) {
			continue
		}
		sr := r.evaluate(s, list)
		r.forecast(sr, list)
		runs = append(runs, sr)
	}
	best := r.best(runs, list)
	if best == nil {
		af.Status = NoSchedule
		for _, a := range list {
			af.Evaluations = append(af.Evaluations, Evaluation{Dose: a.i, Antigen: ag.Name, Status: Extraneous, Reason: ReasonNotSchedule})
		}
		return af
	}
	af.Series = best.s.Name
	af.Status = best.status
	for k := range best.evals {
		best.evals[k].Antigen = ag.Name
	}
	af.Evaluations = best.evals
	af.Doses = len(best.s.Doses)
	af.ValidDoses = best.valid
	if best.status == NotComplete {
		af.DoseNumber = min(best.valid, best.next) + 1
		af.Earliest, af.Recommended, af.PastDue, af.Latest = best.earliest.vax(), best.rec.vax(), best.pastDue.vax(), best.latest.vax()
	}
	return af
}

func (r *run) genderOK(s *Series) bool {
	if len(s.Gender) == 0 {
		return true
	}
	g := r.gender
	if g == "" {
		return true // not known: no series is excluded
	}
	if g == "other" {
		g = "unknown"
	}
	return slices.Contains(s.Gender, g)
}

// best picks the series the CDSi would: a complete one first, then the one
// with the most valid doses, then the one closest to completion, then the
// one that can be given soonest; among series not started, one the person
// is of an age to start, the default first.
func (r *run) best(runs []*seriesRun, list []adm) *seriesRun {
	if len(runs) == 0 {
		return nil
	}
	// A series can start at the age of its first valid dose (or today's age
	// when none is valid).
	canStart := func(sr *seriesRun) bool {
		ref := r.at
		for k, e := range sr.evals {
			if e.Status == Valid {
				ref = list[k].date
				break
			}
		}
		s := sr.s
		if !s.MinAgeToStart.IsZero() && ref < s.MinAgeToStart.add(r.birth) {
			return false
		}
		if !s.MaxAgeToStart.IsZero() && ref >= s.MaxAgeToStart.add(r.birth) {
			return false
		}
		return true
	}
	var eligible []*seriesRun
	for _, sr := range runs {
		if sr.status == Complete {
			eligible = append(eligible, sr)
		}
	}
	if len(eligible) == 0 {
		for _, sr := range runs {
			if canStart(sr) {
				eligible = append(eligible, sr)
			}
		}
	}
	if len(eligible) == 0 {
		// Nobody can start any series at this age and nothing was given in
		// one: the antigen does not apply.
		started := false
		for _, sr := range runs {
			started = started || sr.valid > 0
		}
		if !started {
			return nil
		}
		eligible = runs
	}
	rank := func(sr *seriesRun) (int, int, int, day) {
		done := 0
		if sr.status == Complete {
			done = 1
		}
		e := sr.earliest
		if e == noDay {
			e = 1 << 30
		}
		return done, sr.valid, len(sr.s.Doses) - sr.next, e
	}
	sort.SliceStable(eligible, func(a, b int) bool {
		x, y := eligible[a], eligible[b]
		xd, xv, xr, xe := rank(x)
		yd, yv, yr, ye := rank(y)
		if xd != yd {
			return xd > yd
		}
		if xv == 0 && yv == 0 {
			if x.s.Default != y.s.Default {
				return x.s.Default
			}
			return seriesOrder(x.s, y.s)
		}
		if xd == 1 {
			if xv != yv { // the complete series that counts every valid dose
				return xv > yv
			}
			return seriesOrder(x.s, y.s)
		}
		if xv != yv {
			return xv > yv
		}
		if xr != yr {
			return xr < yr
		}
		if xe != ye {
			return xe < ye
		}
		return seriesOrder(x.s, y.s)
	})
	return eligible[0]
}

func seriesOrder(a, b *Series) bool {
	if a.Priority != b.Priority {
		return a.Priority < b.Priority
	}
	return a.Preference < b.Preference
}

// previous returns the index (in list) of the dose given before k, whatever
// its evaluation (intervals count from it).
func previous(evals []Evaluation, k int) int {
	_ = evals
	return k - 1
}

func (r *run) evaluate(s *Series, list []adm) *seriesRun {
	sr := &seriesRun{s: s, evals: make([]Evaluation, len(list)), satisfied: make([]int, len(s.Doses))}
	for i := range sr.satisfied {
		sr.satisfied[i] = -1
	}
	for k, a := range list {
		ev := &sr.evals[k]
		ev.Dose = a.i
		// Skip target doses that a conditional skip removes at this date.
		for sr.next < len(s.Doses) && r.skip(s.Doses[sr.next], "Evaluation", a.date, sr, list, k) {
			sr.next++
		}
		if sr.next >= len(s.Doses) {
			ev.Status, ev.Reason = Extraneous, ReasonSeriesDone
			continue
		}
		td := s.Doses[sr.next]
		ev.Target = sr.next + 1
		status, reason := r.evalDose(td, sr, list, k)
		ev.Status, ev.Reason = status, reason
		if status == Valid {
			sr.satisfied[sr.next] = k
			sr.valid++
			if !td.Recurring {
				sr.next++
			}
		}
	}
	return sr
}

func (r *run) evalDose(td *TargetDose, sr *seriesRun, list []adm, k int) (DoseStatus, string) {
	a := list[k]
	if slices.Contains(td.Inadvertent, a.cvx) {
		return NotValid, ReasonInadvertent
	}
	prev := previous(sr.evals, k)
	age := td.agesAt(a.date)
	// Age: the absolute minimum age is the minimum less the 4-day grace
	// period; a dose inside the grace period counts.
	if !age.AbsMin.IsZero() && a.date < age.AbsMin.add(r.birth) {
		return NotValid, ReasonTooYoung
	}
	if !age.Max.IsZero() && a.date >= age.Max.add(r.birth) {
		return Extraneous, ReasonTooOld
	}
	// Intervals: every preferable interval must hold, else every allowable
	// one.
	if !r.intervalsOK(intervalsAt(td.Intervals, a.date), sr, list, k, prev) {
		if len(intervalsAt(td.AllowableIntervals, a.date)) == 0 || !r.intervalsOK(intervalsAt(td.AllowableIntervals, a.date), sr, list, k, prev) {
			return NotValid, ReasonInterval
		}
	}
	// Live virus conflicts with any earlier dose of the person.
	for _, b := range r.live {
		if b.date >= a.date {
			break
		}
		for _, c := range r.sched.conflictsOf(b.cvx, a.cvx) {
			end := c.End
			if !c.MinEnd.IsZero() {
				end = c.MinEnd
			}
			if a.date >= c.Begin.add(b.date) && a.date < end.add(b.date) {
				return NotValid, ReasonLiveVirus
			}
		}
	}
	// Preferable, else allowable vaccine.
	for _, lists := range [][]VaccineRule{td.Preferable, td.Allowable} {
		for _, v := range lists {
			if v.CVX != a.cvx && v.CVX != anyVaccine && a.coded {
				continue
			}
			if !v.Begin.IsZero() && a.date < v.Begin.add(r.birth) {
				continue
			}
			if !v.End.IsZero() && a.date >= v.End.add(r.birth) {
				continue
			}
			return Valid, ""
		}
	}
	return NotValid, ReasonNotAllowable
}

// refDate returns the date an interval counts from, noDay if it does not
// apply yet. k is the dose being evaluated (len(list) for a forecast).
func (r *run) refDate(iv Interval, sr *seriesRun, list []adm, k, prev int) day {
	switch {
	case iv.FromPrevious:
		if prev < 0 {
			return noDay
		}
		return list[prev].date
	case iv.FromTarget > 0:
		if iv.FromTarget > len(sr.satisfied) || sr.satisfied[iv.FromTarget-1] < 0 {
			return noDay
		}
		return list[sr.satisfied[iv.FromTarget-1]].date
	case len(iv.FromMostRecent) > 0:
		for j := min(k, len(list)) - 1; j >= 0; j-- {
			if slices.Contains(iv.FromMostRecent, list[j].cvx) {
				return list[j].date
			}
		}
	}
	return noDay
}

// intervalsOK: every interval that applies holds at its absolute minimum
// (the minimum less the 4-day grace period).
func (r *run) intervalsOK(ivs []Interval, sr *seriesRun, list []adm, k, prev int) bool {
	a := list[k]
	for _, iv := range ivs {
		ref := r.refDate(iv, sr, list, k, prev)
		if ref == noDay {
			continue
		}
		if !iv.AbsMin.IsZero() && a.date < iv.AbsMin.add(ref) {
			return false
		}
	}
	return true
}

// skip reports whether a conditional skip of td in this context holds at
// date ref; k is the dose being evaluated (len(list) in a forecast).
func (r *run) skip(td *TargetDose, context string, ref day, sr *seriesRun, list []adm, k int) bool {
	for _, sk := range td.Skips {
		if sk.Context != context && sk.Context != "Both" {
			continue
		}
		any, all := false, len(sk.Sets) > 0
		for _, set := range sk.Sets {
			ok := r.setHolds(set, ref, sr, list, k)
			any = any || ok
			all = all && ok
		}
		if sk.OrSets && any || !sk.OrSets && all {
			return true
		}
	}
	return false
}

func (r *run) setHolds(set SkipSet, ref day, sr *seriesRun, list []adm, k int) bool {
	if set.Effective != noDay && ref < set.Effective || set.Cessation != noDay && ref > set.Cessation {
		return false
	}
	if len(set.Conds) == 0 {
		return false
	}
	any, all := false, true
	for _, c := range set.Conds {
		ok := r.condHolds(c, ref, sr, list, k)
		any = any || ok
		all = all && ok
	}
	if set.AnyCond {
		return any
	}
	return all
}

func (r *run) condHolds(c Condition, ref day, sr *seriesRun, list []adm, k int) bool {
	switch c.Type {
	case "Age":
		if !c.Begin.IsZero() && ref < c.Begin.add(r.birth) {
			return false
		}
		if !c.End.IsZero() && ref >= c.End.add(r.birth) {
			return false
		}
		return true
	case "Interval":
		prev := previous(sr.evals, k)
		if k >= len(list) {
			prev = previous(sr.evals, len(list))
		}
		if prev < 0 {
			return false
		}
		return ref >= c.Interval.add(list[prev].date)
	case "Vaccine Count by Age", "Vaccine Count by Date", "Vaccine Count by Date and Age":
		n := 0
		for j := 0; j < min(k, len(list)); j++ {
			a := list[j]
			if len(c.Vaccines) > 0 && !slices.Contains(c.Vaccines, a.cvx) {
				continue
			}
			if c.ValidOnly && sr.evals[j].Status != Valid {
				continue
			}
			if c.Type != "Vaccine Count by Date" {
				if !c.Begin.IsZero() && a.date < c.Begin.add(r.birth) || !c.End.IsZero() && a.date >= c.End.add(r.birth) {
					continue
				}
			}
			if c.Type != "Vaccine Count by Age" {
				if c.Start != noDay && a.date < c.Start || c.Stop != noDay && a.date > c.Stop {
					continue
				}
			}
			n++
		}
		switch c.CountLogic {
		case "greater than":
			return n > c.Count
		case "equal to":
			return n == c.Count
		case "less than":
			return n < c.Count
		}
	}
	return false
}

// forecast fills in the series' status and the next target dose's dates.
func (r *run) forecast(sr *seriesRun, list []adm) {
	s := sr.s
	n := len(list)
	for sr.next < len(s.Doses) && r.skip(s.Doses[sr.next], "Forecast", r.at, sr, list, n) {
		sr.next++
	}
	sr.earliest, sr.rec, sr.pastDue, sr.latest = noDay, noDay, noDay, noDay
	if sr.next >= len(s.Doses) {
		sr.status = Complete
		return
	}
	td := s.Doses[sr.next]
	age := td.agesAt(r.at)
	sr.status = NotComplete
	earliest := r.birth
	if !age.Min.IsZero() {
		earliest = age.Min.add(r.birth)
	}
	rec, late := noDay, noDay
	if !age.EarliestRec.IsZero() {
		rec = age.EarliestRec.add(r.birth)
	}
	if !age.LatestRec.IsZero() {
		late = age.LatestRec.add(r.birth)
	}
	prev := previous(sr.evals, n)
	for _, iv := range intervalsAt(td.Intervals, r.at) {
		ref := r.refDate(iv, sr, list, n, prev)
		if ref == noDay {
			continue
		}
		if !iv.Min.IsZero() {
			earliest = maxDay(earliest, iv.Min.add(ref))
		}
		// Recommended and past-due dates come from the ages when the dose
		// has them, else from the intervals.
		if !iv.EarliestRec.IsZero() && age.EarliestRec.IsZero() {
			rec = maxDay(rec, iv.EarliestRec.add(ref))
		}
		if !iv.LatestRec.IsZero() && age.LatestRec.IsZero() {
			late = maxDay(late, iv.LatestRec.add(ref))
		}
	}
	// A live vaccine cannot be forecast inside a conflict window of an
	// earlier live dose: the window of the forecast vaccine that ends first.
	if len(td.Preferable) > 0 && len(r.live) > 0 {
		lv := noDay
		for _, v := range td.Preferable {
			end := noDay
			for _, b := range r.live {
				for _, c := range r.sched.conflictsOf(b.cvx, v.CVX) {
					end = maxDay(end, c.End.add(b.date))
				}
			}
			if end == noDay {
				lv = noDay
				break
			}
			lv = minDay(lv, end)
		}
		earliest = maxDay(earliest, lv)
	}
	if td.SeasonStart != noDay {
		earliest = maxDay(earliest, td.SeasonStart)
	}
	// Never before the last dose given, valid or not (a dose that did not
	// count is not followed by another on an earlier date).
	if n > 0 {
		earliest = maxDay(earliest, list[n-1].date)
	}
	if rec == noDay || rec < earliest {
		rec = earliest
	}
	if late != noDay {
		late--
		if late < earliest {
			late = earliest // past due as soon as it may be given
		}
	}
	sr.earliest, sr.rec, sr.pastDue = earliest, rec, late
	if !age.Max.IsZero() {
		maxd := age.Max.add(r.birth)
		sr.latest = maxd - 1
		if r.at >= maxd || earliest >= maxd {
			sr.status = AgedOut
		}
	}
}

func groupForecast(g *Group, ants map[string]*AntigenForecast) *GroupForecast {
	gf := &GroupForecast{Group: g}
	counts := map[Status]int{}
	var due []*AntigenForecast
	for _, name := range g.Antigens {
		af := ants[name]
		if af == nil {
			continue
		}
		gf.Antigens = append(gf.Antigens, af)
		counts[af.Status]++
		if af.Status == NotComplete {
			due = append(due, af)
		}
	}
	n := len(gf.Antigens)
	switch {
	case len(due) > 0:
		gf.Status = NotComplete
		var e, rc, pd, lt day = noDay, noDay, noDay, noDay
		for _, af := range due {
			ae, ar, ap, al := fromVax(af.Earliest), fromVax(af.Recommended), fromVax(af.PastDue), fromVax(af.Latest)
			if g.Full {
				// given together (MMR): the group's dose may be given once
				// every antigen may, and is recommended and past due as soon
				// as one antigen's is
				e = maxDay(e, ae)
				if gf.DoseNumber == 0 || af.DoseNumber < gf.DoseNumber {
					gf.DoseNumber = af.DoseNumber
				}
			} else {
				e = minDay(e, ae)
				gf.DoseNumber = max(gf.DoseNumber, af.DoseNumber)
			}
			rc, pd = minDay(rc, ar), minDay(pd, ap)
			lt = minDay(lt, al)
		}
		rc = maxDay(rc, e)
		if pd != noDay {
			pd = maxDay(pd, e)
		}
		gf.Earliest, gf.Recommended, gf.PastDue, gf.Latest = e.vax(), rc.vax(), pd.vax(), lt.vax()
	case n > 0 && counts[Immune] == n:
		gf.Status = Immune
	case n > 0 && counts[Complete]+counts[Immune] == n:
		gf.Status = Complete
	case counts[AgedOut] > 0:
		gf.Status = AgedOut
	case counts[Complete] > 0:
		gf.Status = Complete
	default:
		gf.Status = NoSchedule
	}
	return gf
}

// DoseIn returns the evaluation of input dose i within a vaccine group:
// not valid if one of the group's antigens says so (with its reason),
// extraneous if all do, else valid; ok is false when the dose does not
// count for the group.
func (g *GroupForecast) DoseIn(i int) (status DoseStatus, reason string, ok bool) {
	total, notValid, extraneous := 0, 0, 0
	for _, af := range g.Antigens {
		for _, e := range af.Evaluations {
			if e.Dose != i {
				continue
			}
			total++
			switch e.Status {
			case NotValid:
				if notValid == 0 {
					reason = e.Reason
				}
				notValid++
			case Extraneous:
				if notValid == 0 && extraneous == 0 {
					reason = e.Reason
				}
				extraneous++
			}
		}
	}
	switch {
	case total == 0:
		return "", "", false
	case notValid > 0:
		return NotValid, reason, true
	case extraneous == total:
		return Extraneous, reason, true
	}
	return Valid, "", true
}
