package assets

import (
	"embed"
	"io/fs"
	"path"
	"strings"
)

// The EU DCC data files (dcc/): the combined JSON schema of each payload
// version (dcc/schemas/<ver>.json, from ehn-dcc-development/eu-dcc-schema
// release tags 1.0.0 … 1.3.3) and the value sets (dcc/valuesets/*.json,
// from ehn-dcc-development/eu-dcc-valuesets), Apache-2.0 (LICENSE beside
// them). Package credential/hcert validates payloads and names codes with
// them.
//
//go:embed dcc/schemas/*.json dcc/valuesets/*.json
var dcc embed.FS

// DCCSchemas returns the EU DCC JSON schemas by payload version ("1.3.0").
func DCCSchemas() map[string][]byte { return dccDir("dcc/schemas") }

// DCCValueSets returns the EU DCC value sets by file name without ".json"
// ("vaccine-medicinal-product", "disease-agent-targeted" …).
func DCCValueSets() map[string][]byte { return dccDir("dcc/valuesets") }

func dccDir(dir string) map[string][]byte {
	out := map[string][]byte{}
	names, _ := fs.Glob(dcc, dir+"/*.json")
	for _, n := range names {
		b, err := dcc.ReadFile(n)
		if err == nil {
			out[strings.TrimSuffix(path.Base(n), ".json")] = b
		}
	}
	return out
}
