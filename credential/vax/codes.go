package vax

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"sync"

	"github.com/immunopass/immunopass/assets"
)

type codeEntry struct {
	display  string
	diseases []string
}

// codeTable parses the embedded table once. The table is tested, so an error
// here is a build defect; it is kept for the tests to report.
var codeTable = sync.OnceValues(func() (map[codeRef]codeEntry, error) {
	return parseCodeTable(assets.VaccineCodes())
})

// codeRef is the code table's key.
type codeRef struct{ system, code string }

func codeKey(system, code string) codeRef {
	if system == SystemCVX {
		// CVX codes are written "03" and sometimes "3"; accept both.
		if t := strings.TrimLeft(code, "0"); t != "" {
			code = t
		}
	}
	return codeRef{system, code}
}

func parseCodeTable(data []byte) (map[codeRef]codeEntry, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment = '#'
	r.FieldsPerRecord = 4
	rows, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "system,code,display,diseases" {
		return nil, fmt.Errorf("vaccine code table: bad header")
	}
	m := make(map[codeRef]codeEntry, len(rows))
	for _, row := range rows[1:] {
		k := codeKey(row[0], row[1])
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("vaccine code table: duplicate %s %q", row[0], row[1])
		}
		if row[0] == "" || row[1] == "" || row[2] == "" || row[3] == "" {
			return nil, fmt.Errorf("vaccine code table: empty cell for %s %q", row[0], row[1])
		}
		m[k] = codeEntry{display: row[2], diseases: strings.Split(row[3], ";")}
	}
	return m, nil
}

func lookup(system, code string) (codeEntry, bool) {
	m, err := codeTable()
	if err != nil {
		return codeEntry{}, false
	}
	e, ok := m[codeKey(system, code)]
	return e, ok
}

// Display returns the display name of a vaccine code from the embedded code
// table (assets/vaccines.csv), or "" if the code is unknown. CVX codes match
// with or without a leading zero ("03" and "3").
func Display(system, code string) string {
	e, _ := lookup(system, code)
	return e.display
}

// Disease returns the primary target disease of a vaccine code, for grouping
// doses ("COVID-19", "Measles", "Polio", "Diphtheria" …), or "" if the code
// is unknown. For combination vaccines it is the first of [Diseases]: MMR
// and MMRV both group under "Measles".
func Disease(system, code string) string {
	e, _ := lookup(system, code)
	if len(e.diseases) == 0 {
		return ""
	}
	return e.diseases[0]
}

// Diseases returns every target disease of a vaccine code, primary first
// (MMR: "Measles", "Mumps", "Rubella"), or nil if the code is unknown.
func Diseases(system, code string) []string {
	e, _ := lookup(system, code)
	return append([]string(nil), e.diseases...)
}
