package forecast

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/immunopass/immunopass/assets"
)

// CDSiVersion is the version of the CDSi supporting data embedded in assets.
const CDSiVersion = "4.64"

// maxXML bounds one supporting-data file (the largest real one is 476 kB).
const maxXML = 4 << 20

// LoadError says what is wrong in a supporting-data file.
type LoadError struct {
	File    string
	Where   string // e.g. "series \"Diphtheria standard series\" Dose 2"
	Problem string
	Err     error
}

func (e *LoadError) Error() string {
	s := "cdsi " + e.File
	if e.Where != "" {
		s += ": " + e.Where
	}
	s += ": " + e.Problem
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *LoadError) Unwrap() error { return e.Err }

type xSchedule struct {
	XMLName   xml.Name `xml:"scheduleSupportingData"`
	Conflicts []struct {
		Previous xCVX   `xml:"previous"`
		Current  xCVX   `xml:"current"`
		Begin    string `xml:"conflictBeginInterval"`
		MinEnd   string `xml:"minConflictEndInterval"`
		End      string `xml:"conflictEndInterval"`
	} `xml:"liveVirusConflicts>liveVirusConflict"`
	Groups []struct {
		Name string `xml:"name"`
		Full string `xml:"administerFullVaccineGroup"`
	} `xml:"vaccineGroups>vaccineGroup"`
	GroupMaps []struct {
		Name     string   `xml:"name"`
		Antigens []string `xml:"antigen"`
	} `xml:"vaccineGroupToAntigenMap>vaccineGroupMap"`
	CVXMaps []struct {
		CVX          string `xml:"cvx"`
		Associations []struct {
			Antigen string `xml:"antigen"`
			Begin   string `xml:"associationBeginAge"`
			End     string `xml:"associationEndAge"`
		} `xml:"association"`
	} `xml:"cvxToAntigenMap>cvxMap"`
}

type xCVX struct {
	CVX string `xml:"cvx"`
}

type xAntigen struct {
	XMLName  xml.Name `xml:"antigenSupportingData"`
	Immunity struct {
		Birth []struct {
			Date string `xml:"immunityBirthDate"`
		} `xml:"dateOfBirth"`
	} `xml:"immunity"`
	Series []xSeries `xml:"series"`
}

type xSeries struct {
	Name    string   `xml:"seriesName"`
	Disease string   `xml:"targetDisease"`
	Type    string   `xml:"seriesType"`
	Gender  []string `xml:"requiredGender"`
	Select  struct {
		Default    string `xml:"defaultSeries"`
		Group      string `xml:"seriesGroup"`
		Priority   string `xml:"seriesPriority"`
		Preference string `xml:"seriesPreference"`
		MinStart   string `xml:"minAgeToStart"`
		MaxStart   string `xml:"maxAgeToStart"`
	} `xml:"selectSeries"`
	Doses []xDose `xml:"seriesDose"`
}

type xDose struct {
	Number      string      `xml:"doseNumber"`
	Ages        []xAge      `xml:"age"`
	Intervals   []xInterval `xml:"interval"`
	Allowable   []xInterval `xml:"allowableInterval"`
	Preferable  []xVaccine  `xml:"preferableVaccine"`
	AllowableV  []xVaccine  `xml:"allowableVaccine"`
	Inadvertent []xCVX      `xml:"inadvertentVaccine"`
	Season      []struct {
		Start string `xml:"startDate"`
		End   string `xml:"endDate"`
	} `xml:"seasonalRecommendation"`
	Skips []struct {
		Context  string `xml:"context"`
		SetLogic string `xml:"setLogic"`
		Sets     []struct {
			Effective string `xml:"effectiveDate"`
			Cessation string `xml:"cessationDate"`
			Logic     string `xml:"conditionLogic"`
			Conds     []struct {
				Type       string `xml:"conditionType"`
				Start      string `xml:"startDate"`
				End        string `xml:"endDate"`
				BeginAge   string `xml:"beginAge"`
				EndAge     string `xml:"endAge"`
				Interval   string `xml:"interval"`
				Count      string `xml:"doseCount"`
				DoseType   string `xml:"doseType"`
				CountLogic string `xml:"doseCountLogic"`
				Vaccines   string `xml:"vaccineTypes"`
			} `xml:"condition"`
		} `xml:"set"`
	} `xml:"conditionalSkip"`
	Recurring string `xml:"recurringDose"`
}

type xAge struct {
	AbsMin      string `xml:"absMinAge"`
	Min         string `xml:"minAge"`
	EarliestRec string `xml:"earliestRecAge"`
	LatestRec   string `xml:"latestRecAge"`
	Max         string `xml:"maxAge"`
	Effective   string `xml:"effectiveDate"`
	Cessation   string `xml:"cessationDate"`
}

type xInterval struct {
	FromPrevious   string `xml:"fromPrevious"`
	FromTarget     string `xml:"fromTargetDose"`
	FromMostRecent string `xml:"fromMostRecent"`
	AbsMin         string `xml:"absMinInt"`
	Min            string `xml:"minInt"`
	EarliestRec    string `xml:"earliestRecInt"`
	LatestRec      string `xml:"latestRecInt"`
	Effective      string `xml:"effectiveDate"`
	Cessation      string `xml:"cessationDate"`
}

type xVaccine struct {
	CVX   string `xml:"cvx"`
	Begin string `xml:"beginAge"`
	End   string `xml:"endAge"`
}

// groupCodes are the vaccine group names as the CDSi test cases use them.
var groupCodes = map[string]string{
	"DTaP/Tdap/Td": "DTAP", "Polio": "POL", "Pneumococcal": "PCV", "Hib": "HIB",
	"Varicella": "VAR", "Rotavirus": "ROTA", "Zoster": "ZOSTER", "Meningococcal B": "MENB",
	"Influenza": "FLU", "Meningococcal": "MCV", "MMR": "MMR", "RSV": "RSV", "HepA": "HepA",
	"HepB": "HepB", "HPV": "HPV", "COVID-19": "COVID-19",
}

// ParseCDSi builds a Schedule from CDSi supporting data files, by file name:
// "ScheduleSupportingData.xml" and any number of antigen files (any other
// name ending in ".xml"). It checks every age, interval and date, and that
// every vaccine group names antigens that have data.
func ParseCDSi(files map[string][]byte) (*Schedule, error) {
	sched := &Schedule{
		ID: "us-cdsi", Name: "United States (ACIP), CDC CDSi",
		Source:    "CDC, Clinical Decision Support for Immunization (CDSi) supporting data",
		Published: "v" + CDSiVersion,
		Antigens:  map[string]*Antigen{},
		Vaccines:  map[string][]Association{},
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	sawSchedule := false
	var groupMaps map[string][]string
	var groups []string
	full := map[string]bool{}
	for _, name := range names {
		data := files[name]
		if len(data) > maxXML {
			return nil, &LoadError{File: name, Problem: fmt.Sprintf("larger than %d bytes", maxXML)}
		}
		if name == "ScheduleSupportingData.xml" {
			sawSchedule = true
			var x xSchedule
			if err := decodeXML(data, &x); err != nil {
				return nil, &LoadError{File: name, Problem: "not schedule supporting data", Err: err}
			}
			for _, c := range x.Conflicts {
				lc := LiveConflict{Previous: normCVX(c.Previous.CVX), Current: normCVX(c.Current.CVX)}
				var err error
				for _, f := range []struct {
					dst *Span
					s   string
				}{{&lc.Begin, c.Begin}, {&lc.MinEnd, c.MinEnd}, {&lc.End, c.End}} {
					if *f.dst, err = ParseSpan(f.s); err != nil {
						return nil, &LoadError{File: name, Where: "live virus conflict " + lc.Previous + "→" + lc.Current, Problem: "bad interval", Err: err}
					}
				}
				if lc.Previous == "" || lc.Current == "" {
					return nil, &LoadError{File: name, Where: "live virus conflict", Problem: "missing CVX"}
				}
				sched.Conflicts = append(sched.Conflicts, lc)
			}
			for _, g := range x.Groups {
				groups = append(groups, strings.TrimSpace(g.Name))
				full[strings.TrimSpace(g.Name)] = strings.EqualFold(strings.TrimSpace(g.Full), "Yes")
			}
			groupMaps = map[string][]string{}
			for _, m := range x.GroupMaps {
				for _, a := range m.Antigens {
					groupMaps[strings.TrimSpace(m.Name)] = append(groupMaps[strings.TrimSpace(m.Name)], strings.TrimSpace(a))
				}
			}
			for _, m := range x.CVXMaps {
				cvx := normCVX(m.CVX)
				if cvx == "" {
					return nil, &LoadError{File: name, Where: "cvxMap", Problem: "missing CVX"}
				}
				for _, a := range m.Associations {
					b, err1 := ParseSpan(a.Begin)
					e, err2 := ParseSpan(a.End)
					if err := errors.Join(err1, err2); err != nil {
						return nil, &LoadError{File: name, Where: "cvxMap " + cvx, Problem: "bad association age", Err: err}
					}
					sched.Vaccines[cvx] = append(sched.Vaccines[cvx], Association{Antigen: strings.TrimSpace(a.Antigen), Begin: b, End: e})
				}
			}
			continue
		}
		if !strings.HasSuffix(name, ".xml") {
			continue
		}
		ag, err := parseAntigen(name, data)
		if err != nil {
			return nil, err
		}
		if ag.Name == "" {
			continue // an antigen file without series
		}
		if _, dup := sched.Antigens[ag.Name]; dup {
			return nil, &LoadError{File: name, Problem: fmt.Sprintf("antigen %q defined twice", ag.Name)}
		}
		sched.Antigens[ag.Name] = ag
	}
	if !sawSchedule {
		return nil, &LoadError{File: "ScheduleSupportingData.xml", Problem: "missing"}
	}
	for _, g := range groups {
		ants := groupMaps[g]
		var have []string
		for _, a := range ants {
			if sched.Antigens[a] != nil {
				have = append(have, a)
			}
		}
		if len(have) == 0 {
			continue // a group whose antigens were not supplied
		}
		code := groupCodes[g]
		if code == "" {
			code = g
		}
		sched.Groups = append(sched.Groups, &Group{Name: g, Code: code, Antigens: have, Full: full[g]})
	}
	return sched, nil
}

func decodeXML(data []byte, v any) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	return d.Decode(v)
}

func normCVX(s string) string {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < 10000 {
		return strconv.Itoa(n)
	}
	return s
}

func parseAntigen(file string, data []byte) (*Antigen, error) {
	var x xAntigen
	if err := decodeXML(data, &x); err != nil {
		return nil, &LoadError{File: file, Problem: "not antigen supporting data", Err: err}
	}
	ag := &Antigen{ImmuneBornBefore: noDay}
	for _, b := range x.Immunity.Birth {
		if strings.TrimSpace(b.Date) == "" {
			continue
		}
		d, err := parseDay(b.Date)
		if err != nil {
			return nil, &LoadError{File: file, Where: "immunity", Problem: "bad birth date", Err: err}
		}
		ag.ImmuneBornBefore = d
	}
	for _, xs := range x.Series {
		where := fmt.Sprintf("series %q", xs.Name)
		disease := strings.TrimSpace(xs.Disease)
		if disease == "" {
			return nil, &LoadError{File: file, Where: where, Problem: "no target disease"}
		}
		if ag.Name == "" {
			ag.Name = disease
		} else if ag.Name != disease {
			return nil, &LoadError{File: file, Where: where, Problem: fmt.Sprintf("target disease %q in a file for %q", disease, ag.Name)}
		}
		s := &Series{
			Name: strings.TrimSpace(xs.Name), Type: strings.TrimSpace(xs.Type),
			Group: strings.TrimSpace(xs.Select.Group), Default: strings.EqualFold(strings.TrimSpace(xs.Select.Default), "Yes"),
			Priority: strings.TrimSpace(xs.Select.Priority),
		}
		s.Preference, _ = strconv.Atoi(strings.TrimSpace(xs.Select.Preference))
		for _, g := range xs.Gender {
			if g = strings.ToLower(strings.TrimSpace(g)); g != "" {
				s.Gender = append(s.Gender, g)
			}
		}
		var err error
		if s.MinAgeToStart, err = ParseSpan(xs.Select.MinStart); err != nil {
			return nil, &LoadError{File: file, Where: where, Problem: "bad minAgeToStart", Err: err}
		}
		if s.MaxAgeToStart, err = ParseSpan(xs.Select.MaxStart); err != nil {
			return nil, &LoadError{File: file, Where: where, Problem: "bad maxAgeToStart", Err: err}
		}
		for _, xd := range xs.Doses {
			td, err := parseDose(xd)
			if err != nil {
				return nil, &LoadError{File: file, Where: where + " " + strings.TrimSpace(xd.Number), Problem: "bad dose", Err: err}
			}
			s.Doses = append(s.Doses, td)
		}
		if len(s.Doses) == 0 {
			return nil, &LoadError{File: file, Where: where, Problem: "no doses"}
		}
		ag.Series = append(ag.Series, s)
	}
	return ag, nil
}

func spans(pairs ...any) error {
	for i := 0; i < len(pairs); i += 2 {
		sp, err := ParseSpan(pairs[i+1].(string))
		if err != nil {
			return err
		}
		*pairs[i].(*Span) = sp
	}
	return nil
}

func optDay(s string) (day, error) {
	if strings.TrimSpace(s) == "" {
		return noDay, nil
	}
	return parseDay(s)
}

func parseDose(xd xDose) (*TargetDose, error) {
	td := &TargetDose{Number: strings.TrimSpace(xd.Number), Recurring: strings.EqualFold(strings.TrimSpace(xd.Recurring), "Yes"),
		SeasonStart: noDay, SeasonEnd: noDay}
	for _, a := range xd.Ages {
		ag := Ages{}
		var err error
		if ag.Effective, err = optDay(a.Effective); err != nil {
			return nil, err
		}
		if ag.Cessation, err = optDay(a.Cessation); err != nil {
			return nil, err
		}
		if err := spans(&ag.AbsMin, a.AbsMin, &ag.Min, a.Min, &ag.EarliestRec, a.EarliestRec,
			&ag.LatestRec, a.LatestRec, &ag.Max, a.Max); err != nil {
			return nil, err
		}
		td.Ages = append(td.Ages, ag)
	}
	for _, list := range []struct {
		in  []xInterval
		out *[]Interval
	}{{xd.Intervals, &td.Intervals}, {xd.Allowable, &td.AllowableIntervals}} {
		for _, xi := range list.in {
			iv := Interval{FromPrevious: strings.EqualFold(strings.TrimSpace(xi.FromPrevious), "Y")}
			var err error
			if iv.Effective, err = optDay(xi.Effective); err != nil {
				return nil, err
			}
			if iv.Cessation, err = optDay(xi.Cessation); err != nil {
				return nil, err
			}
			if t := strings.TrimSpace(xi.FromTarget); t != "" {
				n, err := strconv.Atoi(t)
				if err != nil || n < 1 || n > 100 {
					return nil, fmt.Errorf("fromTargetDose %q", t)
				}
				iv.FromTarget = n
			}
			for _, c := range strings.Split(xi.FromMostRecent, ";") {
				if c = normCVX(c); c != "" {
					iv.FromMostRecent = append(iv.FromMostRecent, c)
				}
			}
			if err := spans(&iv.AbsMin, xi.AbsMin, &iv.Min, xi.Min, &iv.EarliestRec, xi.EarliestRec, &iv.LatestRec, xi.LatestRec); err != nil {
				return nil, err
			}
			if !iv.FromPrevious && iv.FromTarget == 0 && len(iv.FromMostRecent) == 0 {
				continue // an empty <interval/> or one from an observation
			}
			*list.out = append(*list.out, iv)
		}
	}
	for _, list := range []struct {
		in  []xVaccine
		out *[]VaccineRule
	}{{xd.Preferable, &td.Preferable}, {xd.AllowableV, &td.Allowable}} {
		for _, v := range list.in {
			r := VaccineRule{CVX: normCVX(v.CVX)}
			if r.CVX == "" {
				continue // the v4.64 data has a few empty vaccine rows
			}
			if err := spans(&r.Begin, v.Begin, &r.End, v.End); err != nil {
				return nil, err
			}
			*list.out = append(*list.out, r)
		}
	}
	for _, v := range xd.Inadvertent {
		if c := normCVX(v.CVX); c != "" {
			td.Inadvertent = append(td.Inadvertent, c)
		}
	}
	for _, s := range xd.Season {
		var err error
		if td.SeasonStart, err = optDay(s.Start); err != nil {
			return nil, err
		}
		if td.SeasonEnd, err = optDay(s.End); err != nil {
			return nil, err
		}
	}
	for _, xs := range xd.Skips {
		sk := Skip{Context: strings.TrimSpace(xs.Context), OrSets: strings.EqualFold(strings.TrimSpace(xs.SetLogic), "OR")}
		for _, xset := range xs.Sets {
			set := SkipSet{AnyCond: strings.EqualFold(strings.TrimSpace(xset.Logic), "OR")}
			var err error
			if set.Effective, err = optDay(xset.Effective); err != nil {
				return nil, err
			}
			if set.Cessation, err = optDay(xset.Cessation); err != nil {
				return nil, err
			}
			for _, xc := range xset.Conds {
				c := Condition{Type: normCondType(xc.Type), CountLogic: strings.ToLower(strings.TrimSpace(xc.CountLogic)),
					ValidOnly: strings.EqualFold(strings.TrimSpace(xc.DoseType), "Valid")}
				if c.Start, err = optDay(xc.Start); err != nil {
					return nil, err
				}
				if c.Stop, err = optDay(xc.End); err != nil {
					return nil, err
				}
				if err := spans(&c.Begin, xc.BeginAge, &c.End, xc.EndAge, &c.Interval, xc.Interval); err != nil {
					return nil, err
				}
				if n := strings.TrimSpace(xc.Count); n != "" {
					if c.Count, err = strconv.Atoi(n); err != nil {
						return nil, fmt.Errorf("doseCount %q", n)
					}
				}
				for _, v := range strings.Split(xc.Vaccines, ";") {
					if v = normCVX(v); v != "" {
						c.Vaccines = append(c.Vaccines, v)
					}
				}
				set.Conds = append(set.Conds, c)
			}
			sk.Sets = append(sk.Sets, set)
		}
		td.Skips = append(td.Skips, sk)
	}
	return td, nil
}

func normCondType(s string) string {
	switch strings.ToLower(strings.Join(strings.Fields(s), " ")) {
	case "age":
		return "Age"
	case "interval":
		return "Interval"
	case "vaccine count by age":
		return "Vaccine Count by Age"
	case "vaccine count by date":
		return "Vaccine Count by Date"
	case "vaccine count by date and age":
		return "Vaccine Count by Date and Age"
	case "completed series":
		return "Completed Series"
	}
	return strings.TrimSpace(s)
}

var (
	usOnce  sync.Once
	usSched *Schedule
	usErr   error
)

// US returns the US schedule: the CDC CDSi supporting data v4.64 embedded
// in package assets, parsed once.
func US() (*Schedule, error) {
	usOnce.Do(func() { usSched, usErr = ParseCDSi(assets.CDSi()) })
	return usSched, usErr
}
