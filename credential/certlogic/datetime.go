package certlogic

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// DateTime is CertLogic's date-time value: an instant with millisecond
// precision, made only by plusTime and dccDateOfBirth.
type DateTime struct{ t time.Time }

// NewDateTime returns t as a CertLogic date-time, truncated to milliseconds.
func NewDateTime(t time.Time) DateTime { return DateTime{t.UTC().Truncate(time.Millisecond)} }

// Time returns the instant in UTC.
func (d DateTime) Time() time.Time { return d.t }

// String formats the date-time as YYYY-MM-DDThh:mm:ss.sssZ.
func (d DateTime) String() string { return d.t.Format("2006-01-02T15:04:05.000Z") }

// MarshalJSON writes the date-time as its string.
func (d DateTime) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(d.String())), nil }

var dateTimeRE = regexp.MustCompile(`^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{1,2}(?::?\d{2})?)?)?)?)?$`)

var offsetRE = regexp.MustCompile(`^([+-])(\d{1,2})(?::?(\d{2}))?$`)

// ParseDateTime reads a date or date-time in one of the formats the CertLogic
// specification allows for plusTime. A partial date (YYYY, YYYY-MM) means its
// last day, as dccDateOfBirth reads it; a missing time is midnight; a missing
// offset is UTC; decimals beyond milliseconds are dropped. Dates that do not
// exist (2021-02-30, month 13) are an error.
func ParseDateTime(s string) (DateTime, error) {
	m := dateTimeRE.FindStringSubmatch(s)
	if m == nil {
		return DateTime{}, fmt.Errorf("%q is not a date-time in a format certlogic allows", s)
	}
	year, _ := strconv.Atoi(m[1])
	if m[2] == "" {
		return DateTime{time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)}, nil
	}
	month, _ := strconv.Atoi(m[2])
	if month < 1 || month > 12 {
		return DateTime{}, fmt.Errorf("%q has no month %d", s, month)
	}
	if m[3] == "" {
		last := time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC)
		return DateTime{last}, nil
	}
	day, _ := strconv.Atoi(m[3])
	if day < 1 || day > daysIn(year, month) {
		return DateTime{}, fmt.Errorf("%q is not a calendar date", s)
	}
	var hour, minute, sec, msec int
	loc := time.UTC
	if m[4] != "" {
		hour, _ = strconv.Atoi(m[4])
		minute, _ = strconv.Atoi(m[5])
		sec, _ = strconv.Atoi(m[6])
		if hour > 23 || minute > 59 || sec > 59 {
			return DateTime{}, fmt.Errorf("%q has no such time of day", s)
		}
		if frac := m[7]; frac != "" {
			for len(frac) < 3 {
				frac += "0"
			}
			msec, _ = strconv.Atoi(frac[:3])
		}
		if off := m[8]; off != "" && off != "Z" {
			om := offsetRE.FindStringSubmatch(off)
			if om == nil {
				return DateTime{}, fmt.Errorf("%q has a malformed time zone offset", s)
			}
			oh, _ := strconv.Atoi(om[2])
			omin := 0
			if om[3] != "" {
				omin, _ = strconv.Atoi(om[3])
			}
			if oh > 23 || omin > 59 {
				return DateTime{}, fmt.Errorf("%q has an impossible time zone offset", s)
			}
			secs := oh*3600 + omin*60
			if om[1] == "-" {
				secs = -secs
			}
			loc = time.FixedZone(off, secs)
		}
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, msec*int(time.Millisecond), loc)
	return DateTime{t.UTC()}, nil
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// DateOfBirth reads a DCC date of birth (YYYY, YYYY-MM or YYYY-MM-DD) as the
// last date consistent with it, at midnight UTC.
func DateOfBirth(s string) (DateTime, error) {
	if len(s) != 4 && len(s) != 7 && len(s) != 10 {
		return DateTime{}, fmt.Errorf("%q is not a date of birth (YYYY, YYYY-MM or YYYY-MM-DD)", s)
	}
	return ParseDateTime(s)
}

// limits on plusTime amounts, so that a result stays inside years 0000-9999
// (JavaScript's Date reaches further, but no CertLogic format can express it).
var plusLimits = map[string]int{"year": 10_000, "month": 120_000, "day": 3_660_000, "hour": 87_840_000}

// Plus offsets the date-time the way JavaScript's setUTC… methods do: adding
// a month or year keeps the day of the month and lets it overflow (2020-02-29
// plus one year is 2021-03-01); adding days or hours ignores daylight saving.
func (d DateTime) Plus(amount int, unit string) (DateTime, error) {
	limit, ok := plusLimits[unit]
	if !ok {
		return DateTime{}, fmt.Errorf("unknown time unit %q", unit)
	}
	if amount > limit || amount < -limit {
		return DateTime{}, fmt.Errorf("offset of %d %ss is out of range", amount, unit)
	}
	var t time.Time
	switch unit {
	case "year":
		t = d.t.AddDate(amount, 0, 0)
	case "month":
		t = d.t.AddDate(0, amount, 0)
	case "day":
		t = d.t.AddDate(0, 0, amount)
	case "hour":
		t = d.t.Add(time.Duration(amount) * time.Hour)
	}
	if y := t.Year(); y < 0 || y > 9999 {
		return DateTime{}, fmt.Errorf("%s plus %d %ss leaves the years 0000-9999", d, amount, unit)
	}
	return DateTime{t}, nil
}
