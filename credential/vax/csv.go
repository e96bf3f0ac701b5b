package vax

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxCSVSize is the largest input [ParseCSV] reads: 8 MiB, some 50,000 rows.
const MaxCSVSize = 8 << 20

// CSV columns. The header row names them, in any order, lower case.
// Required: family, given, birth_date, vaccine_system, vaccine_code, date.
// Optional: dose, series, lot, performer, country, status.
var (
	csvRequired = []string{"family", "given", "birth_date", "vaccine_system", "vaccine_code", "date"}
	csvColumns  = append(csvRequired[:len(csvRequired):len(csvRequired)], "dose", "series", "lot", "performer", "country", "status")
)

// CSVError reports a problem in the input of [ParseCSV]. Line counts from 1
// and the header is line 1; Column is the header name of the column, or ""
// for a problem with the whole line or file.
type CSVError struct {
	Line    int
	Column  string
	Problem string
	Value   string // the offending value, if any
	Err     error  // the underlying error, if any
}

func (e *CSVError) Error() string {
	var b strings.Builder
	b.WriteString("csv: ")
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Column != "" {
		b.WriteString(e.Column + ": ")
	}
	b.WriteString(e.Problem)
	if e.Value != "" {
		fmt.Fprintf(&b, " %q", e.Value)
	}
	return b.String()
}

func (e *CSVError) Unwrap() error { return e.Err }

// ParseCSV reads the simple CSV a clinic keeps, one immunization per row,
// comma-separated as RFC 4180 (quotes allowed), UTF-8 with an optional
// byte-order mark. A header row is required; see the column list above.
//
//	family,given,birth_date,vaccine_system,vaccine_code,date,dose,series,lot,performer,country,status
//	Haddad,Amira,2016-04-12,http://hl7.org/fhir/sid/cvx,03,2017-04-15,1,2,MMR7731A,Al Noor Family Clinic,AE,
//
// Cells are trimmed of surrounding space. "given" holds the given names
// separated by spaces. birth_date is a FHIR date, date a FHIR date or
// dateTime (truncated to its date). dose and series are empty (unknown) or
// positive integers. status defaults to "completed".
//
// Rows with the same family, given names and birth date merge into one
// Record, in the order the people first appear, with their immunizations in
// row order. Every error is a *[CSVError] with the line number. The Records
// are not validated: call [Record.Validate].
func ParseCSV(data []byte) ([]Record, error) {
	if len(data) > MaxCSVSize {
		return nil, &CSVError{Problem: fmt.Sprintf("input of %d bytes is larger than %d", len(data), MaxCSVSize), Err: ErrTooLarge}
	}
	if !utf8.Valid(data) {
		return nil, &CSVError{Problem: "input is not valid UTF-8"}
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	cr := csv.NewReader(bytes.NewReader(data))

	readErr := func(err error) error {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return &CSVError{Line: pe.Line, Problem: pe.Err.Error(), Err: err}
		}
		return &CSVError{Problem: err.Error(), Err: err}
	}

	header, err := cr.Read()
	if err == io.EOF {
		return nil, &CSVError{Line: 1, Problem: "missing header row"}
	}
	if err != nil {
		return nil, readErr(err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := col[h]; dup {
			return nil, &CSVError{Line: 1, Problem: "duplicate column", Value: h}
		}
		if !slices.Contains(csvColumns, h) {
			return nil, &CSVError{Line: 1, Problem: "unknown column (want " + strings.Join(csvColumns, ",") + ")", Value: h}
		}
		col[h] = i
	}
	for _, k := range csvRequired {
		if _, ok := col[k]; !ok {
			return nil, &CSVError{Line: 1, Problem: "missing required column", Value: k}
		}
	}

	var out []Record
	index := map[string]int{} // person key → index in out
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, readErr(err)
		}
		line, _ := cr.FieldPos(0)
		cell := func(name string) string {
			if i, ok := col[name]; ok {
				return strings.TrimSpace(row[i])
			}
			return ""
		}
		fail := func(column, problem, value string) error {
			return &CSVError{Line: line, Column: column, Problem: problem, Value: value}
		}

		var p Patient
		p.Family = cell("family")
		p.Given = strings.Fields(cell("given"))
		bd := cell("birth_date")
		if bd != "" {
			if p.BirthDate, err = ParseDate(bd); err != nil {
				return nil, fail("birth_date", "invalid date (want YYYY-MM-DD)", bd)
			}
		}

		im := Immunization{
			Vaccine:   Coding{System: cell("vaccine_system"), Code: cell("vaccine_code")},
			Lot:       cell("lot"),
			Performer: cell("performer"),
			Country:   cell("country"),
			Status:    cell("status"),
		}
		if im.Status == "" {
			im.Status = StatusCompleted
		}
		d := cell("date")
		if d == "" {
			return nil, fail("date", "missing", "")
		}
		if im.Date, err = parseDateTime(d); err != nil {
			return nil, fail("date", "invalid date (want YYYY-MM-DD)", d)
		}
		for _, f := range []struct {
			name string
			dst  *int
		}{{"dose", &im.DoseNumber}, {"series", &im.SeriesDoses}} {
			s := cell(f.name)
			if s == "" {
				continue
			}
			n, err := strconv.ParseInt(s, 10, 32)
			if err != nil || n < 1 {
				return nil, fail(f.name, "not a positive integer", s)
			}
			*f.dst = int(n)
		}

		key := p.Family + "\x00" + strings.Join(p.Given, " ") + "\x00" + p.BirthDate.String()
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, Record{Patient: p})
		}
		out[i].Immunizations = append(out[i].Immunizations, im)
	}
	if len(out) == 0 {
		return nil, &CSVError{Line: 2, Problem: "no rows after the header"}
	}
	return out, nil
}
