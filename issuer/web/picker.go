package web

import (
	"bytes"
	"encoding/csv"
	"sort"
	"sync"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/vax"
)

// vaccineGroup is one group of the vaccine picker: the vaccines against a
// disease (a combination vaccine is under its primary disease: MMR under
// Measles), so that a nurse finds "Measles" and then the product.
type vaccineGroup struct {
	Disease  string
	Vaccines []Vaccine
}

// pickerSystems labels the code systems of the picker; the EU register
// names the products staff know (Comirnaty, Spikevax).
var pickerSystems = map[string]string{vax.SystemCVX: "CVX", vax.SystemSNOMED: "SNOMED CT", vax.SystemICD11: "ICD-11", vax.SystemEUDCC: "EU"}

// vaccineGroups is the picker from the embedded code table, by disease
// (alphabetical, "Other" last), each group's vaccines by name.
var vaccineGroups = sync.OnceValue(func() []vaccineGroup {
	by := map[string]*vaccineGroup{}
	var out []*vaccineGroup
	r := csv.NewReader(bytes.NewReader(assets.VaccineCodes()))
	r.Comment = '#'
	r.FieldsPerRecord = 4
	rows, err := r.ReadAll()
	if err != nil || len(rows) < 2 {
		return nil
	}
	for _, row := range rows[1:] {
		label := pickerSystems[row[0]]
		if label == "" {
			continue
		}
		v := Vaccine{Value: row[0] + "|" + row[1], Display: row[2] + " (" + label + " " + row[1] + ")"}
		if row[0] == vax.SystemEUDCC {
			v.Display = row[2] + " (" + label + ")"
		}
		d := vax.Disease(row[0], row[1])
		if d == "" {
			d = "Other"
		}
		g := by[d]
		if g == nil {
			g = &vaccineGroup{Disease: d}
			by[d] = g
			out = append(out, g)
		}
		g.Vaccines = append(g.Vaccines, v)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if (out[i].Disease == "Other") != (out[j].Disease == "Other") {
			return out[j].Disease == "Other"
		}
		return out[i].Disease < out[j].Disease
	})
	res := make([]vaccineGroup, len(out))
	for i, g := range out {
		sort.SliceStable(g.Vaccines, func(a, b int) bool { return g.Vaccines[a].Display < g.Vaccines[b].Display })
		res[i] = *g
	}
	return res
})
