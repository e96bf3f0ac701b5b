package vax

import (
	"reflect"
	"testing"
)

func TestCodeTable(t *testing.T) {
	m, err := codeTable()
	if err != nil {
		t.Fatalf("assets/vaccines.csv: %v", err)
	}
	if len(m) < 80 {
		t.Fatalf("code table has %d codes", len(m))
	}
	// Every code the brief asks for is present.
	for _, c := range []string{"207", "208", "210", "211", "212", "213", "217", "218", "219", "221", "225", "229",
		"03", "94", "20", "106", "115", "10", "08", "43", "83", "48", "21", "165", "88", "150", "37", "19"} {
		if Display(SystemCVX, c) == "" || Disease(SystemCVX, c) == "" {
			t.Errorf("CVX %s missing", c)
		}
	}
	for _, c := range []string{"EU/1/20/1528", "EU/1/20/1507", "EU/1/21/1529", "EU/1/20/1525"} {
		if Disease(SystemEUDCC, c) != "COVID-19" {
			t.Errorf("EU DCC %s missing", c)
		}
	}
	diseases := map[string]bool{}
	for _, e := range m {
		for _, d := range e.diseases {
			diseases[d] = true
		}
	}
	for d := range diseases {
		if d == "" || len(d) > 30 {
			t.Errorf("odd disease name %q", d)
		}
	}
}

func TestDisplayDisease(t *testing.T) {
	for _, tt := range []struct {
		system, code, display, disease string
		diseases                       []string
	}{
		{SystemCVX, "208", "COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose (Pfizer-BioNTech)", "COVID-19", []string{"COVID-19"}},
		{SystemCVX, "03", "MMR", "Measles", []string{"Measles", "Mumps", "Rubella"}},
		{SystemCVX, "3", "MMR", "Measles", []string{"Measles", "Mumps", "Rubella"}},
		{SystemCVX, "94", "MMRV", "Measles", []string{"Measles", "Mumps", "Rubella", "Varicella"}},
		{SystemCVX, "10", "IPV", "Polio", []string{"Polio"}},
		{SystemCVX, "37", "yellow fever", "Yellow fever", []string{"Yellow fever"}},
		{SystemCVX, "19", "BCG", "Tuberculosis", []string{"Tuberculosis"}},
		{SystemEUDCC, "EU/1/20/1507", "Spikevax", "COVID-19", []string{"COVID-19"}},
		{SystemEUDCCTemp, "Covishield", "Covishield", "COVID-19", []string{"COVID-19"}},
		{SystemSNOMED, "1119349007", "SARS-CoV-2 mRNA vaccine", "COVID-19", []string{"COVID-19"}},
		{SystemICD11, "XM0GQ8", "COVID-19 vaccine, RNA based", "COVID-19", []string{"COVID-19"}},
		{SystemCVX, "99999", "", "", nil},
		{SystemCVX, "", "", "", nil},
		{SystemCVX, "0", "", "", nil},
		{SystemSNOMED, "03", "", "", nil},
		{"", "", "", "", nil},
	} {
		if got := Display(tt.system, tt.code); got != tt.display {
			t.Errorf("Display(%q, %q) = %q, want %q", tt.system, tt.code, got, tt.display)
		}
		if got := Disease(tt.system, tt.code); got != tt.disease {
			t.Errorf("Disease(%q, %q) = %q, want %q", tt.system, tt.code, got, tt.disease)
		}
		if got := Diseases(tt.system, tt.code); !reflect.DeepEqual(got, tt.diseases) {
			t.Errorf("Diseases(%q, %q) = %q, want %q", tt.system, tt.code, got, tt.diseases)
		}
	}
	// Diseases returns a copy.
	Diseases(SystemCVX, "03")[0] = "x"
	if Disease(SystemCVX, "03") != "Measles" {
		t.Fatal("Diseases shares the table")
	}
}

func TestParseCodeTableErrors(t *testing.T) {
	for _, in := range []string{
		"",
		"system,code,display\n",
		"system,code,display,diseases\nhttp://x,1,a,b\nhttp://x,1,c,d\n",
		"system,code,display,diseases\nhttp://x,1,,b\n",
		"system,code,display,diseases\nhttp://x,1,a\n",
	} {
		if _, err := parseCodeTable([]byte(in)); err == nil {
			t.Errorf("parseCodeTable(%q) accepted", in)
		}
	}
}
