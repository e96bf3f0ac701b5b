package vax

import (
	"errors"
	"fmt"
	"time"
)

// Date is a FHIR date with partial precision: "2021", "2021-03" or
// "2021-03-04". Month and Day are 0 when absent; the zero Date means "no date".
//
// Date marshals to and from its FHIR text form (see [Date.MarshalText]), so it
// can be used directly in JSON structures.
type Date struct{ Year, Month, Day int }

// ParseDate parses a FHIR date (FHIR R4 "date" datatype): YYYY, YYYY-MM or
// YYYY-MM-DD with exactly those digit counts, a year from 0001 to 9999, and a
// day that exists in the calendar (leap years included). No white space, time
// or time zone is allowed; use it for birth dates. Occurrence dates read from
// FHIR and CSV also accept a FHIR dateTime, which is truncated to its date.
//
// ParseDate(d.String()) == d for every valid non-zero Date, and
// ParseDate(s).String() == s for every s that parses.
func ParseDate(s string) (Date, error) {
	d, rest, err := parseDatePrefix(s)
	if err != nil {
		return Date{}, err
	}
	if rest != "" {
		return Date{}, fmt.Errorf("invalid date %q: want YYYY, YYYY-MM or YYYY-MM-DD", s)
	}
	return d, nil
}

// parseDatePrefix parses the date at the start of s and returns what follows.
func parseDatePrefix(s string) (Date, string, error) {
	bad := func() (Date, string, error) {
		return Date{}, "", fmt.Errorf("invalid date %q: want YYYY, YYYY-MM or YYYY-MM-DD", s)
	}
	var d Date
	var ok bool
	if d.Year, ok = digits(s, 0, 4); !ok || d.Year == 0 {
		return bad()
	}
	i := 4
	if len(s) > i && s[i] == '-' {
		if d.Month, ok = digits(s, i+1, 2); !ok || d.Month == 0 {
			return bad()
		}
		i += 3
		if len(s) > i && s[i] == '-' {
			if d.Day, ok = digits(s, i+1, 2); !ok || d.Day == 0 {
				return bad()
			}
			i += 3
		}
	}
	if len(s) > i && s[i] >= '0' && s[i] <= '9' {
		return bad() // e.g. "20210" or "2021-011"
	}
	if err := d.check(); err != nil {
		return Date{}, "", fmt.Errorf("invalid date %q: %v", s, err)
	}
	return d, s[i:], nil
}

// digits reads exactly n ASCII digits of s at offset i.
func digits(s string, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := 0
	for _, c := range []byte(s[i : i+n]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// check reports whether d is a valid non-zero date.
func (d Date) check() error {
	switch {
	case d.IsZero():
		return errors.New("missing")
	case d.Year < 1 || d.Year > 9999:
		return fmt.Errorf("year %d out of range 1..9999", d.Year)
	case d.Month < 0 || d.Month > 12:
		return fmt.Errorf("month %d out of range 1..12", d.Month)
	case d.Day < 0:
		return fmt.Errorf("day %d out of range", d.Day)
	case d.Month == 0 && d.Day != 0:
		return errors.New("day without month")
	case d.Day > daysIn(d.Year, d.Month):
		return fmt.Errorf("day %d does not exist in %04d-%02d", d.Day, d.Year, d.Month)
	}
	return nil
}

func daysIn(year, month int) int {
	if month == 0 {
		return 0
	}
	// Day 0 of the next month is the last day of this one.
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// String returns the FHIR form of d ("2021", "2021-03" or "2021-03-04"), or
// "" for the zero Date.
func (d Date) String() string {
	switch {
	case d.IsZero():
		return ""
	case d.Year < 0 || d.Year > 9999 || d.Month < 0 || d.Month > 99 || d.Day < 0 || d.Day > 99:
		// Out of range for FHIR (Validate says so); shown as it is.
		if d.Month == 0 && d.Day == 0 {
			return fmt.Sprintf("%04d", d.Year)
		} else if d.Day == 0 {
			return fmt.Sprintf("%04d-%02d", d.Year, d.Month)
		}
		return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
	}
	// Formatted by hand: the verifier shows every dose's date.
	b := [10]byte{byte('0' + d.Year/1000), byte('0' + d.Year/100%10), byte('0' + d.Year/10%10), byte('0' + d.Year%10),
		'-', byte('0' + d.Month/10), byte('0' + d.Month%10), '-', byte('0' + d.Day/10), byte('0' + d.Day%10)}
	switch {
	case d.Month == 0 && d.Day == 0:
		return string(b[:4])
	case d.Day == 0:
		return string(b[:7])
	}
	return string(b[:])
}

// IsZero reports whether d is the zero Date (no date).
func (d Date) IsZero() bool { return d == Date{} }

// Precision returns "year", "month" or "day", or "" for the zero Date.
func (d Date) Precision() string {
	switch {
	case d.IsZero():
		return ""
	case d.Day != 0:
		return "day"
	case d.Month != 0:
		return "month"
	}
	return "year"
}

// Earliest returns the first instant d can denote, in UTC: "2021-03" gives
// 2021-03-01T00:00:00Z. It returns the zero time.Time for the zero Date.
func (d Date) Earliest() time.Time {
	if d.IsZero() {
		return time.Time{}
	}
	m, day := max(d.Month, 1), max(d.Day, 1)
	return time.Date(d.Year, time.Month(m), day, 0, 0, 0, 0, time.UTC)
}

// latest returns the first instant after the period d denotes, in UTC:
// "2021-03" gives 2021-04-01T00:00:00Z.
func (d Date) latest() time.Time {
	t := d.Earliest()
	switch d.Precision() {
	case "year":
		return t.AddDate(1, 0, 0)
	case "month":
		return t.AddDate(0, 1, 0)
	}
	return t.AddDate(0, 0, 1)
}

// Compare orders dates by year, then month, then day; a less precise date
// sorts before a more precise one with the same prefix ("2021" < "2021-01").
// It returns -1, 0 or +1.
func (d Date) Compare(o Date) int {
	for _, p := range [][2]int{{d.Year, o.Year}, {d.Month, o.Month}, {d.Day, o.Day}} {
		if p[0] != p[1] {
			if p[0] < p[1] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// MarshalText implements encoding.TextMarshaler. The zero Date marshals to
// the empty string; an invalid Date is an error.
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	if err := d.check(); err != nil {
		return nil, fmt.Errorf("vax: invalid date %s: %v", d.String(), err)
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with [ParseDate]; the
// empty string gives the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// parseDateTime parses a FHIR date or dateTime and truncates it to its date
// as written (the local date of the event, not converted to UTC). A time part
// must be complete and carry a zone, as FHIR requires:
// "2021-01-01T10:00:00Z", "2021-01-01T10:00:00.123+04:00".
func parseDateTime(s string) (Date, error) {
	d, rest, err := parseDatePrefix(s)
	if err != nil {
		return Date{}, err
	}
	if rest == "" {
		return d, nil
	}
	if d.Precision() != "day" || !validTimeSuffix(rest) {
		return Date{}, fmt.Errorf("invalid dateTime %q: want YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.fff](Z|+hh:mm)", s)
	}
	return d, nil
}

// validTimeSuffix checks "Thh:mm:ss[.f{1,9}](Z|±hh:mm)" with FHIR's ranges.
func validTimeSuffix(s string) bool {
	if len(s) < 10 || s[0] != 'T' || s[3] != ':' || s[6] != ':' {
		return false
	}
	h, ok1 := digits(s, 1, 2)
	m, ok2 := digits(s, 4, 2)
	sec, ok3 := digits(s, 7, 2)
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || sec > 60 {
		return false
	}
	s = s[9:]
	if s[0] == '.' {
		n := 1
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		if n == 1 || n > 10 {
			return false
		}
		s = s[n:]
	}
	if s == "Z" {
		return true
	}
	if len(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' {
		return false
	}
	zh, ok1 := digits(s, 1, 2)
	zm, ok2 := digits(s, 4, 2)
	return ok1 && ok2 && zm <= 59 && (zh < 14 || zh == 14 && zm == 0)
}
