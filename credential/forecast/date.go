package forecast

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/immunopass/immunopass/credential/vax"
)

// day is a calendar date as a count of days since 1970-01-01 (UTC). The
// zero value is a real date, so "no date" is noDay.
type day int32

const noDay day = -1 << 30

// dayOf returns the day number of a proleptic Gregorian date; m and d may
// overflow (month 13 = January of the next year, day 0 = the last day of the
// month before), as with time.Date.
func dayOf(y, m, d int) day {
	y += (m - 1) / 12
	m = (m-1)%12 + 1
	if m < 1 {
		m += 12
		y--
	}
	// days from civil (H. Hinnant's algorithm)
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + 1 - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return day(era*146097+doe-719468) + day(d-1)
}

func fromVax(d vax.Date) day {
	if d.Year == 0 {
		return noDay
	}
	m, dd := d.Month, d.Day
	if m == 0 {
		m = 1
	}
	if dd == 0 {
		dd = 1
	}
	return dayOf(d.Year, m, dd)
}

func (d day) civil() (y, m, dd int) {
	z := int(d) + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	dd = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, dd
}

func (d day) vax() vax.Date {
	if d == noDay {
		return vax.Date{}
	}
	y, m, dd := d.civil()
	return vax.Date{Year: y, Month: m, Day: dd}
}

// String formats the date as YYYY-MM-DD, "" for noDay.
func (d day) String() string {
	if d == noDay {
		return ""
	}
	y, m, dd := d.civil()
	return fmt.Sprintf("%04d-%02d-%02d", y, m, dd)
}

// parseDay reads YYYY-MM-DD, YYYYMMDD or MM/DD/YYYY (the forms the CDSi
// supporting data uses).
func parseDay(s string) (day, error) {
	s = strings.TrimSpace(s)
	var y, m, d int
	var err error
	switch {
	case len(s) == 10 && s[4] == '-' && s[7] == '-':
		y, err = atoiErr(s[0:4], err)
		m, err = atoiErr(s[5:7], err)
		d, err = atoiErr(s[8:10], err)
	case len(s) == 8:
		y, err = atoiErr(s[0:4], err)
		m, err = atoiErr(s[4:6], err)
		d, err = atoiErr(s[6:8], err)
	case len(s) == 10 && s[2] == '/' && s[5] == '/':
		m, err = atoiErr(s[0:2], err)
		d, err = atoiErr(s[3:5], err)
		y, err = atoiErr(s[6:10], err)
	default:
		return noDay, fmt.Errorf("date %q: want YYYY-MM-DD, YYYYMMDD or MM/DD/YYYY", s)
	}
	if err != nil || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) || y < 1800 || y > 2200 {
		return noDay, fmt.Errorf("date %q is not a calendar date", s)
	}
	return dayOf(y, m, d), nil
}

func atoiErr(s string, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("not a number: %q", s)
		}
	}
	return strconv.Atoi(s)
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// Span is a CDSi age or interval such as "6 weeks - 4 days" or
// "3 months + 4 weeks": terms added to a date in the order written. The zero
// Span is "not set".
type Span struct {
	terms []term
	text  string
}

type term struct {
	n    int // signed
	unit byte
}

// IsZero reports whether the span is not set.
func (s Span) IsZero() bool { return len(s.terms) == 0 }

// String returns the span as written.
func (s Span) String() string { return s.text }

// ParseSpan reads a CDSi span: "N unit" terms joined by "+" or "-", with
// units day(s), week(s), month(s), year(s). The empty string is the zero
// Span.
func ParseSpan(text string) (Span, error) {
	s := strings.TrimSpace(text)
	if s == "" {
		return Span{}, nil
	}
	f := strings.Fields(s)
	var sp Span
	sign := 1
	for i := 0; i < len(f); {
		if i > 0 {
			switch f[i] {
			case "+":
				sign = 1
			case "-":
				sign = -1
			default:
				return Span{}, fmt.Errorf("span %q: want + or - before %q", text, f[i])
			}
			i++
		}
		if i+1 >= len(f) {
			return Span{}, fmt.Errorf("span %q: a number needs a unit", text)
		}
		n, err := strconv.Atoi(f[i])
		if err != nil || n < 0 || n > 1200 {
			return Span{}, fmt.Errorf("span %q: %q is not a count", text, f[i])
		}
		var u byte
		switch strings.TrimSuffix(strings.ToLower(f[i+1]), "s") {
		case "day":
			u = 'd'
		case "week":
			u = 'w'
		case "month":
			u = 'm'
		case "year":
			u = 'y'
		default:
			return Span{}, fmt.Errorf("span %q: unknown unit %q", text, f[i+1])
		}
		sp.terms = append(sp.terms, term{sign * n, u})
		i += 2
	}
	sp.text = s
	return sp, nil
}

// mustSpan is for spans written in this package's own schedules.
func mustSpan(s string) Span {
	sp, err := ParseSpan(s)
	if err != nil {
		panic(err)
	}
	return sp
}

// add returns d moved by the span, the CDSi way: years and months move the
// calendar month and keep the day, and a day that does not exist in the
// target month becomes the first day of the next month (31 Jan + 1 month =
// 1 Mar); weeks and days add days.
func (s Span) add(d day) day {
	if d == noDay {
		return noDay
	}
	for _, t := range s.terms {
		switch t.unit {
		case 'd':
			d += day(t.n)
		case 'w':
			d += day(7 * t.n)
		case 'm', 'y':
			months := t.n
			if t.unit == 'y' {
				months *= 12
			}
			y, m, dd := d.civil()
			total := y*12 + (m - 1) + months
			ny, nm := total/12, total%12+1
			if dd > daysIn(ny, nm) {
				d = dayOf(ny, nm+1, 1)
			} else {
				d = dayOf(ny, nm, dd)
			}
		}
	}
	return d
}
