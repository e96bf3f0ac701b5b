// Package forecast evaluates a person's vaccination history and forecasts
// what is due, the way immunization information systems do it: it follows
// the processing model of the CDC's Clinical Decision Support for
// Immunization (CDSi) logic specification.
//
// # Sections
//
// Schedules are data ([Schedule]): per antigen, series of target doses with
// ages, intervals, allowable and preferable vaccines, conditional skips and
// immunity; vaccine groups; the vaccine-code → antigen map; live-virus
// conflicts. [US] loads the CDC's CDSi supporting data (v4.64, embedded in
// package assets); [WHO], [UAE] and [France] are written in the same model
// from their sources (each names its source and date).
//
// [Run] maps each administered dose to its antigens, evaluates it against
// every relevant series of each antigen (absolute minimum and minimum ages
// with the 4-day grace period, intervals from the previous dose, from a
// target dose or from the most recent dose of given vaccines, allowable
// intervals, live-virus conflicts, preferable and allowable vaccines,
// inadvertent vaccines, conditional skips, maximum ages), picks the best
// series per antigen, forecasts its next target dose (earliest,
// recommended and past-due dates, or complete, aged out, immune), and
// groups antigens into vaccine groups.
//
// # What is not modelled
//
// Patient observations (risk conditions, contraindications, evidence of
// immunity other than birth date) are not inputs: only the standard series
// are used. Seasonal windows (influenza) bound the earliest date only.
// Everything here is informational: a clinician decides.
//
// The package does no I/O; it is safe for concurrent use once a Schedule is
// built.
package forecast

import "sync"

// Schedule is a vaccination schedule as data.
type Schedule struct {
	ID        string // "us-cdsi", "who", "ae", "fr"
	Name      string
	Source    string // where the data comes from
	Published string // the source's version or date
	// Antigens by name ("Diphtheria", "Measles", …).
	Antigens map[string]*Antigen
	// Groups are the vaccine groups in display order.
	Groups []*Group
	// Vaccines maps a CVX code to the antigens it protects against.
	Vaccines map[string][]Association
	// Conflicts are the live-virus conflicts between vaccines.
	Conflicts []LiveConflict

	idxOnce   sync.Once
	conflicts map[[2]string][]LiveConflict // by previous, current CVX
	live      map[string]bool              // CVX codes that start a conflict
}

// isLive reports whether a vaccine starts a live-virus conflict window.
func (s *Schedule) isLive(cvx string) bool {
	s.conflictsOf("", "")
	return s.live[cvx]
}

// conflictsOf returns the live-virus conflicts of current given after
// previous.
func (s *Schedule) conflictsOf(previous, current string) []LiveConflict {
	s.idxOnce.Do(func() {
		s.conflicts = map[[2]string][]LiveConflict{}
		s.live = map[string]bool{}
		for _, c := range s.Conflicts {
			s.live[c.Previous] = true
			k := [2]string{c.Previous, c.Current}
			s.conflicts[k] = append(s.conflicts[k], c)
		}
	})
	return s.conflicts[[2]string{previous, current}]
}

// Group is a vaccine group: antigens that are forecast together (DTaP:
// diphtheria, tetanus, pertussis).
type Group struct {
	Name     string   // as the source names it: "DTaP/Tdap/Td"
	Code     string   // as the CDSi test cases name it: "DTAP"
	Antigens []string // member antigens
	// Full is true when every antigen of the group must be given together
	// (MMR): the group is due as soon as one antigen is.
	Full bool
}

// Association maps a vaccine to one antigen, for an age range (empty = any).
type Association struct {
	Antigen    string
	Begin, End Span
}

// LiveConflict says that Current given between Begin and End after
// Previous (two live vaccines) is not valid; MinEnd is End with the grace
// period.
type LiveConflict struct {
	Previous, Current  string // CVX
	Begin, MinEnd, End Span
}

// Antigen is the schedule of one antigen.
type Antigen struct {
	Name   string
	Series []*Series
	// ImmuneBornBefore: people born before this date are presumed immune
	// (measles: 1957); noDay when the antigen has no such rule.
	ImmuneBornBefore day
}

// Series is one way to complete an antigen's protection.
type Series struct {
	Name                         string
	Type                         string // "Standard", "Risk", "Evaluation Only"
	Group                        string // series group: series of one group are alternatives
	Default                      bool
	Priority                     string // "A" first
	Preference                   int
	Gender                       []string // required genders, lower case; empty = any
	MinAgeToStart, MaxAgeToStart Span
	Doses                        []*TargetDose
}

// TargetDose is one dose of a series.
type TargetDose struct {
	Number string // "Dose 1"
	// Ages: the age rules; when several, each has effective and cessation
	// dates and the one in force on the date of the dose applies.
	Ages                   []Ages
	Intervals              []Interval
	AllowableIntervals     []Interval
	Preferable, Allowable  []VaccineRule
	Inadvertent            []string // CVX
	Skips                  []Skip
	Recurring              bool
	SeasonStart, SeasonEnd day
}

// Ages are a target dose's ages.
type Ages struct {
	AbsMin, Min, EarliestRec, LatestRec, Max Span
	Effective, Cessation                     day // noDay when unset
}

// inForce reports whether a rule with these effective and cessation dates
// is in force on d.
func inForce(effective, cessation, d day) bool {
	return (effective == noDay || d >= effective) && (cessation == noDay || d <= cessation)
}

// agesAt returns the age rule in force on d.
func (td *TargetDose) agesAt(d day) Ages {
	for _, a := range td.Ages {
		if inForce(a.Effective, a.Cessation, d) {
			return a
		}
	}
	return Ages{}
}

// intervalsAt returns the intervals in force on d.
func intervalsAt(ivs []Interval, d day) []Interval {
	var out []Interval
	for _, iv := range ivs {
		if inForce(iv.Effective, iv.Cessation, d) {
			out = append(out, iv)
		}
	}
	return out
}

// Interval is a minimum (and recommended) interval between doses.
type Interval struct {
	Effective, Cessation                day      // noDay when unset
	FromPrevious                        bool     // from the dose given just before
	FromTarget                          int      // from the dose that satisfied this target dose (1-based); 0 = not
	FromMostRecent                      []string // from the most recent dose of these CVX codes
	AbsMin, Min, EarliestRec, LatestRec Span
}

// VaccineRule admits a vaccine for a target dose between two ages.
type VaccineRule struct {
	CVX        string
	Begin, End Span
}

// Skip is a conditional skip: a target dose is not needed when its sets of
// conditions hold.
type Skip struct {
	Context string // "Evaluation", "Forecast", "Both"
	OrSets  bool   // true: any set; false: all sets
	Sets    []SkipSet
}

// SkipSet is a set of conditions.
type SkipSet struct {
	Effective, Cessation day
	AnyCond              bool // conditions joined by OR, else AND
	Conds                []Condition
}

// Condition is one condition of a skip set.
type Condition struct {
	Type        string // "Age", "Interval", "Vaccine Count by Age", "Vaccine Count by Date", "Completed Series"
	Begin, End  Span   // ages
	Start, Stop day    // dates, noDay if unset
	Interval    Span
	Count       int
	ValidOnly   bool
	CountLogic  string // "greater than", "equal to", "less than"
	Vaccines    []string
}
