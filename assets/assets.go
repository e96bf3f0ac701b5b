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
//     What is embedded is cdsi.zip, the same files deflated (2.6 MB of XML
//     is 0.2 MB zipped, which the verifier's WebAssembly feels); a test
//     keeps it equal to cdsi/*.xml.
package assets

import (
	"bytes"
	_ "embed"
)

var (
	//go:embed vaccines.csv
	vaccineCodes []byte
	//go:embed demo/record.json
	demoRecord []byte
	//go:embed demo/record.csv
	demoRecordCSV []byte
)

// VaccineCodes returns the vaccine code table (vaccines.csv): lines starting
// with "#" are comments, then a header row "system,code,display,diseases",
// then one code per row; diseases are ";"-separated, the primary one first.
func VaccineCodes() []byte { return bytes.Clone(vaccineCodes) }

// DemoRecord returns the demo FHIR Bundle (demo/record.json), minified.
func DemoRecord() []byte { return bytes.Clone(demoRecord) }

// DemoRecordCSV returns the demo record in CSV form (demo/record.csv).
func DemoRecordCSV() []byte { return bytes.Clone(demoRecordCSV) }
