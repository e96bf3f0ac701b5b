package registry

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Threshold is the smallest count the registry publishes: every cell, row
// total, column total or grand total below it is suppressed.
const Threshold = 11

// Count is one report from an issuer: how many doses of a vaccine it gave in a
// region during an ISO week. No personal data travels.
type Count struct {
	Vaccine string `json:"vaccine"` // "<system>|<code>"
	Region  string `json:"region"`
	Week    string `json:"week"` // "2026-W47"
	Count   int64  `json:"count"`
}

var weekRE = regexp.MustCompile(`^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$`)

// check validates one count as an issuer sends it.
func (c Count) check() error {
	sys, code, ok := strings.Cut(c.Vaccine, "|")
	switch {
	case !ok || sys == "" || code == "" || strings.Contains(code, "|") || len(c.Vaccine) > 200 || !printable(c.Vaccine):
		return fmt.Errorf("vaccine %q is not \"<system>|<code>\"", c.Vaccine)
	case c.Region == "" || len(c.Region) > 64 || !printable(c.Region):
		return fmt.Errorf("region %q must be 1 to 64 printable characters", c.Region)
	case !weekRE.MatchString(c.Week):
		return fmt.Errorf("week %q is not an ISO week like \"2026-W47\"", c.Week)
	case c.Count < 1 || c.Count > 1_000_000:
		return fmt.Errorf("count %d is not between 1 and 1000000", c.Count)
	}
	return nil
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == ',' || r == '"' {
			return false
		}
	}
	return true
}

// Table is one week of statistics as published: a vaccine × region table with
// its row totals (per vaccine), column totals (per region) and grand total.
// A nil count is suppressed.
type Table struct {
	Week      string     `json:"week"`
	Vaccines  []string   `json:"vaccines"`
	Regions   []string   `json:"regions"`
	Cells     [][]*int64 `json:"cells"` // [vaccine][region]
	RowTotals []*int64   `json:"vaccineTotals"`
	ColTotals []*int64   `json:"regionTotals"`
	Total     *int64     `json:"total"`
}

// Suppress decides which counts of a table to withhold. cells is an m×n
// table of non-negative counts (m, n ≥ 1); the result marks the suppressed
// entries of the augmented (m+1)×(n+1) table whose last row holds the column
// totals, last column the row totals, and corner the grand total.
//
// # The rule
//
// Primary suppression: every entry (cell or total) below Threshold, zeros
// included. Complementary suppression: then, while some suppressed entry could
// be recovered exactly from what is published, more entries are suppressed,
// cheapest first (small interior cells before totals).
//
// # Why the result is safe
//
// Negate the totals and every line of the augmented table sums to zero, so the
// suppressed entries are the edges of a bipartite graph between lines and
// columns, and the published numbers fix all line sums. Moving an amount t
// around a cycle of suppressed entries (+t, −t, +t, …) keeps every sum, so an
// entry on such a cycle is undetermined unless non-negativity blocks the move
// in both directions. By the conformal decomposition of circulations, an entry
// can change at all only if one single cycle through it can move. protected
// checks exactly that, per entry and direction, as a path search.
func Suppress(cells [][]int64) [][]bool {
	m, n := len(cells), len(cells[0])
	v := augment(cells)
	sup := make([][]bool, m+1)
	for i := range sup {
		sup[i] = make([]bool, n+1)
		for j := range sup[i] {
			sup[i][j] = abs(v[i][j]) < Threshold
		}
	}
	for {
		r, c, ok := exposed(v, sup)
		if !ok {
			return sup
		}
		if !repair(v, sup, r, c) {
			// Nothing cheaper protects it: withhold the whole table.
			for i := range sup {
				for j := range sup[i] {
					sup[i][j] = true
				}
			}
			return sup
		}
	}
}

// augment returns the table with negated totals: every line sums to zero.
func augment(cells [][]int64) [][]int64 {
	m, n := len(cells), len(cells[0])
	v := make([][]int64, m+1)
	for i := range v {
		v[i] = make([]int64, n+1)
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			x := cells[i][j]
			v[i][j] = x
			v[i][n] -= x
			v[m][j] -= x
			v[m][n] += x
		}
	}
	return v
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// canUp and canDown say whether an entry of the augmented table may move by
// ±1 and stay feasible: interior cells and the grand total are ≥ 0, negated
// totals are ≤ 0.
func canUp(x int64, total bool) bool   { return !total || x < 0 }
func canDown(x int64, total bool) bool { return total || x > 0 }

func isTotal(v [][]int64, i, j int) bool {
	m, n := len(v)-1, len(v[0])-1
	return (i == m) != (j == n)
}

// exposed returns a suppressed entry that could be recovered, if any.
func exposed(v [][]int64, sup [][]bool) (int, int, bool) {
	for i := range sup {
		for j := range sup[i] {
			if sup[i][j] && !protected(v, sup, i, j) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

// protected reports whether suppressed entry (r, c) can take another value
// with everything published unchanged: some cycle of suppressed entries
// through it can move by one in one direction. Rows are nodes 0..R-1 and
// columns R..R+C-1; an entry that goes up is crossed row→column, one that goes
// down column→row.
func protected(v [][]int64, sup [][]bool, r, c int) bool {
	R := len(v)
	up := canUp(v[r][c], isTotal(v, r, c))
	down := canDown(v[r][c], isTotal(v, r, c))
	// Up: cross (r,c) row→column, then find a path column c → row r.
	if up && reach(v, sup, r, c, R+c, r) {
		return true
	}
	// Down: cross (r,c) column→row, then a path row r → column c.
	return down && reach(v, sup, r, c, r, R+c)
}

// reach searches a path from node from to node to over suppressed entries
// other than (skipR, skipC), each crossed in a direction it can move.
func reach(v [][]int64, sup [][]bool, skipR, skipC, from, to int) bool {
	R, C := len(v), len(v[0])
	seen := make([]bool, R+C)
	stack := []int{from}
	seen[from] = true
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if x == to {
			return true
		}
		if x < R { // a row: leave through an entry that goes up
			for j := 0; j < C; j++ {
				if sup[x][j] && !(x == skipR && j == skipC) && !seen[R+j] && canUp(v[x][j], isTotal(v, x, j)) {
					seen[R+j] = true
					stack = append(stack, R+j)
				}
			}
		} else { // a column: leave through an entry that goes down
			j := x - R
			for i := 0; i < R; i++ {
				if sup[i][j] && !(i == skipR && j == skipC) && !seen[i] && canDown(v[i][j], isTotal(v, i, j)) {
					seen[i] = true
					stack = append(stack, i)
				}
			}
		}
	}
	return false
}

// repair suppresses the cheapest set of up to three more entries that closes
// a rectangle through (r, c) and protects it. It reports false when no
// rectangle does.
func repair(v [][]int64, sup [][]bool, r, c int) bool {
	R, C := len(v), len(v[0])
	cost := func(i, j int) int64 {
		if sup[i][j] {
			return 0
		}
		k := abs(v[i][j]) + 1
		if isTotal(v, i, j) || (i == R-1 && j == C-1) {
			k += 1 << 40 // totals only when no cell will do
		}
		return k
	}
	best, bi, bj := int64(-1), -1, -1
	for i := 0; i < R; i++ {
		for j := 0; j < C; j++ {
			if i == r || j == c {
				continue
			}
			k := cost(r, j) + cost(i, j) + cost(i, c)
			if k == 0 || (best >= 0 && k >= best) {
				continue
			}
			// Would this rectangle protect (r, c)?
			added := [][2]int{{r, j}, {i, j}, {i, c}}
			var flipped [][2]int
			for _, a := range added {
				if !sup[a[0]][a[1]] {
					sup[a[0]][a[1]] = true
					flipped = append(flipped, a)
				}
			}
			ok := protected(v, sup, r, c)
			for _, a := range flipped {
				sup[a[0]][a[1]] = false
			}
			if ok {
				best, bi, bj = k, i, j
			}
		}
	}
	if best < 0 {
		return false
	}
	sup[r][bj], sup[bi][bj], sup[bi][c] = true, true, true
	return true
}

// Publish builds the published tables, one per week, from raw counts keyed
// by vaccine, region and week.
func Publish(counts []Count) []Table {
	byWeek := map[string][]Count{}
	for _, c := range counts {
		byWeek[c.Week] = append(byWeek[c.Week], c)
	}
	weeks := make([]string, 0, len(byWeek))
	for w := range byWeek {
		weeks = append(weeks, w)
	}
	sort.Strings(weeks)
	tables := make([]Table, 0, len(weeks))
	for _, w := range weeks {
		tables = append(tables, publishWeek(w, byWeek[w]))
	}
	return tables
}

func publishWeek(week string, counts []Count) Table {
	vi, ri := map[string]int{}, map[string]int{}
	var vs, rs []string
	for _, c := range counts {
		if _, ok := vi[c.Vaccine]; !ok {
			vi[c.Vaccine] = 0
			vs = append(vs, c.Vaccine)
		}
		if _, ok := ri[c.Region]; !ok {
			ri[c.Region] = 0
			rs = append(rs, c.Region)
		}
	}
	sort.Strings(vs)
	sort.Strings(rs)
	for i, s := range vs {
		vi[s] = i
	}
	for i, s := range rs {
		ri[s] = i
	}
	cells := make([][]int64, len(vs))
	for i := range cells {
		cells[i] = make([]int64, len(rs))
	}
	for _, c := range counts {
		cells[vi[c.Vaccine]][ri[c.Region]] += c.Count
	}
	sup := Suppress(cells)
	v := augment(cells)
	m, n := len(vs), len(rs)
	val := func(i, j int) *int64 {
		if sup[i][j] {
			return nil
		}
		x := abs(v[i][j])
		return &x
	}
	t := Table{Week: week, Vaccines: vs, Regions: rs, Cells: make([][]*int64, m),
		RowTotals: make([]*int64, m), ColTotals: make([]*int64, n), Total: val(m, n)}
	for i := 0; i < m; i++ {
		t.Cells[i] = make([]*int64, n)
		for j := 0; j < n; j++ {
			t.Cells[i][j] = val(i, j)
		}
		t.RowTotals[i] = val(i, n)
	}
	for j := 0; j < n; j++ {
		t.ColTotals[j] = val(m, j)
	}
	return t
}

// StatsJSON is the published JSON form.
func StatsJSON(tables []Table) []byte {
	out, _ := json.MarshalIndent(struct {
		Threshold int     `json:"threshold"`
		Weeks     []Table `json:"weeks"`
	}{Threshold, tables}, "", " ")
	return append(out, '\n')
}

// StatsCSV is the published CSV form: week,vaccine,region,count with "*" for
// a total and an empty count for a suppressed one.
func StatsCSV(tables []Table) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"week", "vaccine", "region", "count"})
	f := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	for _, t := range tables {
		for i, vac := range t.Vaccines {
			for j, reg := range t.Regions {
				_ = w.Write([]string{t.Week, vac, reg, f(t.Cells[i][j])})
			}
			_ = w.Write([]string{t.Week, vac, "*", f(t.RowTotals[i])})
		}
		for j, reg := range t.Regions {
			_ = w.Write([]string{t.Week, "*", reg, f(t.ColTotals[j])})
		}
		_ = w.Write([]string{t.Week, "*", "*", f(t.Total)})
	}
	w.Flush()
	return b.Bytes()
}
