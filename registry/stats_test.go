package registry

import (
	"testing"
)

// alternative reports whether some table of non-negative integers agrees
// with everything published (the unsuppressed entries of the augmented table)
// and gives entry (er, ec) another value. It knows nothing of cycles: it tries
// every change of -1, 0 or +1 to each suppressed interior cell. That is
// complete, because the difference of two integer tables with the same
// published entries splits into cycles that each move one step on their own.
func alternative(cells [][]int64, sup [][]bool, er, ec int) bool {
	m, n := len(cells), len(cells[0])
	type pos struct{ i, j int }
	var unknown []pos
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			if sup[i][j] {
				unknown = append(unknown, pos{i, j})
			}
		}
	}
	d := make([][]int64, m) // the change to each cell
	for i := range d {
		d[i] = make([]int64, n)
	}
	rowLeft, colLeft := make([]int, m), make([]int, n)
	for _, p := range unknown {
		rowLeft[p.i]++
		colLeft[p.j]++
	}
	delta := func(i, j int) int64 { // change of augmented entry (i, j), sign aside
		var s int64
		switch {
		case i < m && j < n:
			return d[i][j]
		case i < m:
			for k := 0; k < n; k++ {
				s += d[i][k]
			}
		case j < n:
			for k := 0; k < m; k++ {
				s += d[k][j]
			}
		default:
			for a := 0; a < m; a++ {
				for b := 0; b < n; b++ {
					s += d[a][b]
				}
			}
		}
		return s
	}
	var dfs func(k int) bool
	dfs = func(k int) bool {
		if k == len(unknown) {
			if !sup[m][n] && delta(m, n) != 0 {
				return false
			}
			return delta(er, ec) != 0
		}
		p := unknown[k]
		rowLeft[p.i]--
		colLeft[p.j]--
		defer func() { rowLeft[p.i]++; colLeft[p.j]++; d[p.i][p.j] = 0 }()
		for _, x := range []int64{0, 1, -1} {
			if cells[p.i][p.j]+x < 0 {
				continue
			}
			d[p.i][p.j] = x
			if rowLeft[p.i] == 0 && !sup[p.i][n] && delta(p.i, n) != 0 {
				continue
			}
			if colLeft[p.j] == 0 && !sup[m][p.j] && delta(m, p.j) != 0 {
				continue
			}
			if dfs(k + 1) {
				return true
			}
		}
		return false
	}
	return dfs(0)
}

func checkTable(t *testing.T, cells [][]int64) {
	t.Helper()
	sup := Suppress(cells)
	v := augment(cells)
	for i := range sup {
		for j := range sup[i] {
			if !sup[i][j] {
				if abs(v[i][j]) < Threshold {
					t.Fatalf("table %v: entry (%d,%d) = %d published below the threshold", cells, i, j, abs(v[i][j]))
				}
				continue
			}
			if !alternative(cells, sup, i, j) {
				t.Fatalf("table %v: suppressed entry (%d,%d) = %d can be recovered; suppressed %v", cells, i, j, abs(v[i][j]), sup)
			}
		}
	}
}

// TestSuppressExhaustive checks every table of the listed shapes over a set of
// values around the threshold: nothing below 11 is published, and no
// suppressed entry (cell or total) can be recovered from what is.
func TestSuppressExhaustive(t *testing.T) {
	values := []int64{0, 1, 10, 11, 12, 40}
	shapes := [][2]int{{1, 1}, {1, 2}, {2, 1}, {1, 3}, {2, 2}, {2, 3}, {3, 2}}
	if testing.Short() {
		shapes = shapes[:5]
	}
	for _, s := range shapes {
		m, n := s[0], s[1]
		k := m * n
		total := 1
		for i := 0; i < k; i++ {
			total *= len(values)
		}
		for code := 0; code < total; code++ {
			cells := make([][]int64, m)
			c := code
			for i := range cells {
				cells[i] = make([]int64, n)
				for j := range cells[i] {
					cells[i][j] = values[c%len(values)]
					c /= len(values)
				}
			}
			checkTable(t, cells)
		}
	}
}

// TestSuppressLarger checks bigger tables built from a fixed pseudo-random
// sequence, and that a table of large counts is published whole.
func TestSuppressLarger(t *testing.T) {
	x := uint32(12345)
	next := func() int64 {
		x = x*1664525 + 1013904223
		vals := []int64{0, 2, 9, 11, 15, 60, 200}
		return vals[int(x>>24)%len(vals)]
	}
	for trial := 0; trial < 60; trial++ {
		m, n := 3+trial%2, 3+trial%3
		cells := make([][]int64, m)
		for i := range cells {
			cells[i] = make([]int64, n)
			for j := range cells[i] {
				cells[i][j] = next()
			}
		}
		checkTable(t, cells)
	}
	big := [][]int64{{100, 200}, {300, 400}}
	for _, row := range Suppress(big) {
		for _, s := range row {
			if s {
				t.Fatalf("large table suppressed %v", Suppress(big))
			}
		}
	}
}

func TestPublishCSV(t *testing.T) {
	tables := Publish([]Count{
		{"http://hl7.org/fhir/sid/cvx|208", "north", "2026-W47", 120},
		{"http://hl7.org/fhir/sid/cvx|208", "south", "2026-W47", 4},
		{"http://hl7.org/fhir/sid/cvx|140", "north", "2026-W47", 50},
		{"http://hl7.org/fhir/sid/cvx|140", "south", "2026-W47", 70},
	})
	got := string(StatsCSV(tables))
	want := `week,vaccine,region,count
2026-W47,http://hl7.org/fhir/sid/cvx|140,north,
2026-W47,http://hl7.org/fhir/sid/cvx|140,south,
2026-W47,http://hl7.org/fhir/sid/cvx|140,*,120
2026-W47,http://hl7.org/fhir/sid/cvx|208,north,
2026-W47,http://hl7.org/fhir/sid/cvx|208,south,
2026-W47,http://hl7.org/fhir/sid/cvx|208,*,124
2026-W47,*,north,170
2026-W47,*,south,74
2026-W47,*,*,244
`
	if got != want {
		t.Fatalf("csv:\n%s\nwant:\n%s", got, want)
	}
}

// TestAlternativeFindsDisclosure makes sure the checker itself can fail: a
// lone suppressed cell is recovered from its row total.
func TestAlternativeFindsDisclosure(t *testing.T) {
	cells := [][]int64{{5, 20}, {30, 40}}
	sup := [][]bool{{true, false, false}, {false, false, false}, {false, false, false}}
	if alternative(cells, sup, 0, 0) {
		t.Fatal("a lone suppressed cell was reported as protected")
	}
	// Two zero cells on a rectangle with two positive ones can move.
	sup = [][]bool{{true, true, false}, {true, true, false}, {false, false, false}}
	if !alternative(cells, sup, 0, 0) {
		t.Fatal("a suppressed rectangle was reported as recoverable")
	}
	// A rectangle of zeros cannot move: every cell is known to be 0.
	cells = [][]int64{{0, 0}, {0, 0}}
	if alternative(cells, sup, 0, 0) {
		t.Fatal("a rectangle blocked by zeros was reported as protected")
	}
}
