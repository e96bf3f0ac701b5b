package issuer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/immunopass/immunopass/credential/vax"
)

// A campaign (a school's vaccination day) arrives as one CSV in the CLI's
// columns. Unlike ReadCSVChunks, which stops at the first bad line, a
// campaign upload is checked whole first and every problem is reported at
// once, by line and column, so that the clinic fixes its file in one pass;
// nothing is signed unless every row is good.

// MaxCampaignProblems bounds the report: past it the file is clearly not
// the expected one and more lines would not help.
const MaxCampaignProblems = 200

// RowProblem is one problem of a campaign file. Line counts from 1 (the
// header); Column is the header name, or "" for the whole line or file.
type RowProblem struct {
	Line    int    `json:"line"`
	Column  string `json:"column,omitempty"`
	Problem string `json:"problem"`
	Value   string `json:"value,omitempty"`
}

func (p RowProblem) String() string {
	s := fmt.Sprintf("line %d", p.Line)
	if p.Column != "" {
		s += ", " + p.Column
	}
	s += ": " + p.Problem
	if p.Value != "" {
		s += fmt.Sprintf(" %q", p.Value)
	}
	return s
}

// CampaignError is a campaign file with problems; nothing was signed.
type CampaignError struct {
	Problems  []RowProblem
	Truncated bool // more problems than MaxCampaignProblems
}

func (e *CampaignError) Error() string {
	n := len(e.Problems)
	more := ""
	if e.Truncated {
		more = " or more"
	}
	if n == 1 {
		return "campaign file: " + e.Problems[0].String()
	}
	return fmt.Sprintf("campaign file: %d%s problems, the first: %s", n, more, e.Problems[0].String())
}

// Campaign is a checked campaign file: its records (as vax.ParseCSV reads
// them) with the line of each record's first row.
type Campaign struct {
	Records []vax.Record
	Lines   []int // Lines[i]: the line of Records[i]'s first row
	Rows    int
}

var campaignColumns = []string{"family", "given", "birth_date", "vaccine_system", "vaccine_code", "date", "dose", "series", "lot", "performer", "country", "status"}
var campaignRequired = campaignColumns[:6]

// CheckCampaign reads a campaign CSV (the columns of vax.ParseCSV, at most
// vax.MaxCSVSize) and validates every row and every record as of now. It
// returns the records, or a *CampaignError listing every problem.
func CheckCampaign(data []byte, now time.Time) (*Campaign, error) {
	rep := &CampaignError{}
	add := func(line int, column, problem, value string) bool {
		if len(rep.Problems) == MaxCampaignProblems {
			rep.Truncated = true
			return false
		}
		if len(value) > 80 {
			value = value[:80] + "…"
		}
		rep.Problems = append(rep.Problems, RowProblem{Line: line, Column: column, Problem: problem, Value: strings.ToValidUTF8(value, "\uFFFD")})
		return true
	}
	fail := func() (*Campaign, error) { return nil, rep }
	if len(data) > vax.MaxCSVSize {
		add(0, "", fmt.Sprintf("the file is %d bytes, more than %d (split the campaign into several files)", len(data), vax.MaxCSVSize), "")
		return fail()
	}
	if !utf8.Valid(data) {
		add(0, "", "the file is not UTF-8 text (save it from the spreadsheet as CSV UTF-8)", "")
		return fail()
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		add(1, "", "the file is empty: the first line must name the columns ("+strings.Join(campaignColumns, ",")+")", "")
		return fail()
	}
	if err != nil {
		add(csvLine(err, 1), "", "not CSV: "+csvProblem(err), "")
		return fail()
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		_, dup := col[h]
		switch {
		case h == "":
			add(1, "", fmt.Sprintf("column %d has no name", i+1), "")
		case dup:
			add(1, h, "this column appears twice", "")
		case !slices.Contains(campaignColumns, h):
			add(1, h, "unknown column (the columns are "+strings.Join(campaignColumns, ",")+")", "")
		default:
			col[h] = i
		}
	}
	for _, k := range campaignRequired {
		if _, ok := col[k]; !ok {
			add(1, k, "required column missing", "")
		}
	}
	if len(rep.Problems) > 0 {
		return fail()
	}

	type person struct {
		first int
		lines []int // the line of each immunization
	}
	var people []*person
	var good [][]string // the rows without problems, for the record checks
	index := map[string]*person{}
	rows := 0
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// A broken quote loses the reader's place: stop here.
			add(csvLine(err, rows+2), "", "not CSV: "+csvProblem(err), "")
			return fail()
		}
		rows++
		line, _ := cr.FieldPos(0)
		if len(row) != len(header) {
			if !add(line, "", fmt.Sprintf("%d cells, the header has %d", len(row), len(header)), "") {
				return fail()
			}
			continue
		}
		cell := func(name string) string {
			if i, ok := col[name]; ok {
				return strings.TrimSpace(row[i])
			}
			return ""
		}
		bad := false
		problem := func(column, problem, value string) {
			bad = true
			add(line, column, problem, value)
		}
		if cell("family") == "" && cell("given") == "" {
			problem("family", "no name: give the family name, the given names or both", "")
		}
		var birth vax.Date
		if v := cell("birth_date"); v == "" {
			problem("birth_date", "missing", "")
		} else if birth, err = vax.ParseDate(v); err != nil {
			problem("birth_date", "not a date (want YYYY-MM-DD)", v)
		}
		if cell("vaccine_system") == "" {
			problem("vaccine_system", "missing (for example http://hl7.org/fhir/sid/cvx)", "")
		}
		if cell("vaccine_code") == "" {
			problem("vaccine_code", "missing", "")
		}
		if v := cell("date"); v == "" {
			problem("date", "missing", "")
		} else if _, err := vax.ParseDate(dateOnly(v)); err != nil {
			problem("date", "not a date (want YYYY-MM-DD)", v)
		}
		for _, n := range []string{"dose", "series"} {
			if v := cell(n); v != "" {
				if k, err := strconv.ParseInt(v, 10, 32); err != nil || k < 1 {
					problem(n, "not a whole number from 1", v)
				}
			}
		}
		if len(rep.Problems) >= MaxCampaignProblems && rep.Truncated {
			return fail()
		}
		if bad {
			continue
		}
		good = append(good, row)
		key := cell("family") + "\x00" + strings.Join(strings.Fields(cell("given")), " ") + "\x00" + birth.String()
		p := index[key]
		if p == nil {
			p = &person{first: line}
			index[key] = p
			people = append(people, p)
		}
		p.lines = append(p.lines, line)
	}
	if rows == 0 {
		add(2, "", "no rows after the header", "")
		return fail()
	}
	if rep.Truncated {
		return fail()
	}
	rowProblems := len(rep.Problems) > 0
	if rowProblems {
		// Check the records of the good rows too, so that one pass
		// reports everything.
		if len(good) == 0 {
			return fail()
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write(header)
		w.WriteAll(good)
		data = buf.Bytes()
	}
	recs, err := vax.ParseCSV(data)
	if err != nil {
		// The checks above cover ParseCSV's; this keeps a gap between the
		// two from passing silently.
		var ce *vax.CSVError
		if errors.As(err, &ce) {
			add(ce.Line, ce.Column, ce.Problem, ce.Value)
		} else {
			add(0, "", err.Error(), "")
		}
		return fail()
	}
	if len(recs) != len(people) {
		add(0, "", fmt.Sprintf("internal error: %d people read, %d expected", len(recs), len(people)), "")
		return fail()
	}
	c := &Campaign{Records: recs, Rows: rows}
	for i := range recs {
		p := people[i]
		c.Lines = append(c.Lines, p.first)
		for _, ve := range vax.ValidationErrors(recs[i].Validate(now)) {
			line, column := p.first, ""
			switch {
			case ve.Field == "patient.name":
				column = "family"
			case ve.Field == "patient.birthDate":
				column = "birth_date"
			case strings.HasPrefix(ve.Field, "immunization["):
				idx, rest, _ := strings.Cut(strings.TrimPrefix(ve.Field, "immunization["), "].")
				if k, err := strconv.Atoi(idx); err == nil && k >= 0 && k < len(p.lines) {
					line = p.lines[k]
				}
				column = map[string]string{"date": "date", "status": "status", "vaccine.code": "vaccine_code",
					"vaccine.system": "vaccine_system", "dose": "dose", "series": "series", "country": "country"}[rest]
			}
			if !add(line, column, ve.Problem, ve.Value) {
				return fail()
			}
		}
	}
	if rowProblems || len(rep.Problems) > 0 {
		slices.SortStableFunc(rep.Problems, func(a, b RowProblem) int { return a.Line - b.Line })
		return fail()
	}
	return c, nil
}

// dateOnly cuts a FHIR dateTime to its date.
func dateOnly(s string) string {
	if i := strings.IndexByte(s, 'T'); i > 0 {
		return s[:i]
	}
	return s
}

func csvLine(err error, def int) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) && pe.Line > 0 {
		return pe.Line
	}
	return def
}

func csvProblem(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
