// Package assets holds the data files that ImmunoPass embeds in its
// binaries, and small accessors for them. It does no I/O at run time: every
// file is compiled in with go:embed, and accessors return copies, so callers
// may modify what they get.
//
// # Files
//
//   - vaccines.csv: vaccine codes (CVX, EU DCC products, SNOMED CT, ICD-11)
//     with display names and target diseases; see README.md for its sources.
//     Package credential/vax reads it for vax.Display and vax.Disease.
//   - demo/record.json: a demo FHIR R4 Bundle for a fictional child, Amira
//     Haddad, small enough for a one-QR SMART Health Card.
//   - demo/record.csv: the same record in the clinic CSV format of
//     vax.ParseCSV.
//   - cdsi/*.xml: the CDC's CDSi supporting data v4.64 (the US ACIP
//     schedule as computable data: antigens, series, target doses, CVX map,
//     vaccine groups, live-virus conflicts), read by credential/forecast,
//     which also holds the WHO, UAE and France schedules in the same model.
package assets

import (
	"bytes"
	"embed"
	"io/fs"
)

var (
	//go:embed vaccines.csv
	vaccineCodes []byte
	//go:embed demo/record.json
	demoRecord []byte
	//go:embed demo/record.csv
	demoRecordCSV []byte
	//go:embed cdsi/*.xml
	cdsi embed.FS
)

// CDSi returns the CDC CDSi supporting data files (cdsi/*.xml, v4.64) by
// file name: "ScheduleSupportingData.xml" and one
// "AntigenSupportingData-_<antigen>-508.xml" per antigen.
func CDSi() map[string][]byte {
	out := map[string][]byte{}
	names, _ := fs.Glob(cdsi, "cdsi/*.xml")
	for _, n := range names {
		b, _ := cdsi.ReadFile(n)
		out[n[len("cdsi/"):]] = b
	}
	return out
}

// VaccineCodes returns the vaccine code table (vaccines.csv): lines starting
// with "#" are comments, then a header row "system,code,display,diseases",
// then one code per row; diseases are ";"-separated, the primary one first.
func VaccineCodes() []byte { return bytes.Clone(vaccineCodes) }

// DemoRecord returns the demo FHIR Bundle (demo/record.json), minified.
func DemoRecord() []byte { return bytes.Clone(demoRecord) }

// DemoRecordCSV returns the demo record in CSV form (demo/record.csv).
func DemoRecordCSV() []byte { return bytes.Clone(demoRecordCSV) }
