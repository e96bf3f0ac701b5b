package issuer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/vax"
)

// Batch issuance reads a clinic's CSV export in groups of people, so that
// memory stays bounded whatever the size of the file: each group is parsed
// by vax.ParseCSV (the one implementation of the format), signed, released
// with ReleaseBatch and anchored before the next is read.
//
// vax.ParseCSV merges the rows of one person wherever they are in the file;
// reading in groups gives the same records only when each person's rows
// are together (an EMR export sorted by patient). ScanCSV checks that first
// and counts the people; a file whose rows are not together is read whole
// instead (up to vax.MaxCSVSize).

// ErrNotGrouped reports a CSV in which one person's rows are not together.
var ErrNotGrouped = errors.New("the rows of one person are not together")

// CSVScan is what ScanCSV found.
type CSVScan struct {
	People, Rows int
}

// ScanCSV reads a CSV once, without keeping it, and counts its people and
// rows. It returns an error wrapping ErrNotGrouped (as a *vax.CSVError
// naming the line) when a person's rows are split by another person's.
func ScanCSV(r io.Reader) (CSVScan, error) {
	var sc CSVScan
	err := readCSVRows(r, func(cr *csv.Reader, col map[string]int, header []string) error {
		seed := maphash.MakeSeed()
		done := map[uint64]bool{}
		var cur uint64
		for {
			row, err := cr.Read()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return csvReadError(err)
			}
			sc.Rows++
			k := maphash.String(seed, personKey(row, col))
			if sc.Rows > 1 && k == cur {
				continue
			}
			if done[k] {
				line, _ := cr.FieldPos(0)
				return &vax.CSVError{Line: line, Problem: ErrNotGrouped.Error() + " (sort the file by person to issue it in groups)", Value: cell(row, col, "family") + ", " + cell(row, col, "given"), Err: ErrNotGrouped}
			}
			if sc.Rows > 1 {
				done[cur] = true
			}
			cur = k
			sc.People++
		}
	})
	return sc, err
}

// ReadCSVChunks reads a CSV whose people's rows are together (see ScanCSV)
// in groups of up to n people, and calls fn with each group's records and
// their FHIR Bundles; first is the number of people before the group.
// Errors name the line of the file, as vax.ParseCSV's do.
func ReadCSVChunks(r io.Reader, n int, fn func(first int, recs []*vax.Record, bundles [][]byte) error) error {
	return readCSVChunks(r, n, true, fn)
}

// CheckCSV reads a CSV as ReadCSVChunks does and validates every record
// as of now, without signing anything: a batch checks its whole input
// first, so that a bad row stops it before anything is issued.
func CheckCSV(r io.Reader, n int, now time.Time) error {
	return readCSVChunks(r, n, false, func(first int, recs []*vax.Record, _ [][]byte) error {
		for i, rec := range recs {
			if err := rec.Validate(now); err != nil {
				return fmt.Errorf("record %d (%s): %w", first+i+1, rec.Patient.Name(), err)
			}
		}
		return nil
	})
}

func readCSVChunks(r io.Reader, n int, bundles bool, fn func(first int, recs []*vax.Record, bundles [][]byte) error) error {
	if n < 1 {
		n = 1
	}
	return readCSVRows(r, func(cr *csv.Reader, col map[string]int, header []string) error {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		var lines []int // line in the file of each line of buf
		people, first := 0, 0
		var cur string
		start := func() {
			buf.Reset()
			lines = lines[:0]
			w.Write(header)
			w.Flush()
			lines = append(lines, 1)
		}
		flush := func() error {
			if people == first && people > 0 {
				return nil
			}
			var recs []*vax.Record
			var bs [][]byte
			var err error
			if bundles {
				recs, bs, err = ReadRecords(buf.Bytes())
			} else {
				var rs []vax.Record
				rs, err = vax.ParseCSV(buf.Bytes())
				for i := range rs {
					recs = append(recs, &rs[i])
				}
			}
			if err != nil {
				var ce *vax.CSVError
				if errors.As(err, &ce) && ce.Line > 0 && ce.Line <= len(lines) {
					ce.Line = lines[ce.Line-1]
				}
				return err
			}
			if err := fn(first, recs, bs); err != nil {
				return err
			}
			first = people
			start()
			return nil
		}
		start()
		for {
			row, err := cr.Read()
			if err == io.EOF {
				return flush()
			}
			if err != nil {
				return csvReadError(err)
			}
			if k := personKey(row, col); k != cur || people == 0 {
				if people-first == n {
					if err := flush(); err != nil {
						return err
					}
				}
				cur = k
				people++
			}
			line, _ := cr.FieldPos(0)
			before := buf.Len()
			w.Write(row)
			w.Flush()
			for i := range bytes.Count(buf.Bytes()[before:], []byte("\n")) {
				lines = append(lines, line+i)
			}
		}
	})
}

// readCSVRows reads the header and hands the reader to fn.
func readCSVRows(r io.Reader, fn func(cr *csv.Reader, col map[string]int, header []string) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err == io.EOF {
		return &vax.CSVError{Line: 1, Problem: "missing header row"}
	}
	if err != nil {
		return csvReadError(err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, k := range []string{"family", "given", "birth_date"} {
		if _, ok := col[k]; !ok {
			return &vax.CSVError{Line: 1, Problem: "missing required column", Value: k}
		}
	}
	return fn(cr, col, header)
}

func csvReadError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &vax.CSVError{Line: pe.Line, Problem: pe.Err.Error(), Err: err}
	}
	return &vax.CSVError{Problem: err.Error(), Err: err}
}

func cell(row []string, col map[string]int, name string) string {
	if i, ok := col[name]; ok && i < len(row) {
		return strings.TrimSpace(row[i])
	}
	return ""
}

// personKey is how vax.ParseCSV tells people apart: family, given names
// and birth date.
func personKey(row []string, col map[string]int) string {
	return cell(row, col, "family") + "\x00" + strings.Join(strings.Fields(cell(row, col, "given")), " ") + "\x00" + cell(row, col, "birth_date")
}

// ErrHolders reports holder keys that do not pair with the records.
var ErrHolders = errors.New("holder keys do not match the records")

// PairHolders checks the holder keys given for an input of n records: for
// one record, each key gets its own credential (a wallet's batch); for n > 1
// records, record i is bound to key i, so there must be exactly n keys.
func PairHolders(records, holders int) error {
	if records > 1 && holders != records {
		return fmt.Errorf("%w: the input holds %d records and %d holder keys were given; give one did:key per record, in the order of the records (--holders FILE, one a line)", ErrHolders, records, holders)
	}
	return nil
}
