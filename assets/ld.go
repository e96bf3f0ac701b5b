package assets

import (
	"bytes"
	"embed"
)

//go:embed ld/*.jsonld
var ldContexts embed.FS

// ldContextFiles maps each JSON-LD context URL that ImmunoPass serves
// offline to its file under ld/. Several URLs may share one document: the
// DIVOC v2 context is also published under other countries' URLs.
var ldContextFiles = map[string]string{
	"https://www.w3.org/2018/credentials/v1":                "credentials-v1.jsonld",
	"https://www.w3.org/ns/credentials/v2":                  "credentials-v2.jsonld",
	"https://w3id.org/security/v1":                          "security-v1.jsonld",
	"https://w3id.org/security/v2":                          "security-v2.jsonld",
	"https://w3id.org/security/suites/ed25519-2018/v1":      "suites-ed25519-2018.jsonld",
	"https://w3id.org/security/suites/ed25519-2020/v1":      "suites-ed25519-2020.jsonld",
	"https://w3id.org/security/suites/jws-2020/v1":          "suites-jws-2020.jsonld",
	"https://w3id.org/security/data-integrity/v1":           "data-integrity-v1.jsonld",
	"https://w3id.org/security/data-integrity/v2":           "data-integrity-v2.jsonld",
	"https://www.w3.org/ns/did/v1":                          "did-v1.jsonld",
	"https://w3id.org/vaccination/v1":                       "w3id-vaccination-v1.jsonld",
	"https://cowin.gov.in/credentials/vaccination/v1":       "divoc-vaccination-v1.jsonld",
	"https://cowin.gov.in/credentials/vaccination/v2":       "divoc-vaccination-v2.jsonld",
	"https://divoc.prod/vaccine/credentials/vaccination/v1": "divoc-vaccination-v2.jsonld",
	"https://divoc.lgcc.gov.lk/credentials/vaccination/v1":  "divoc-vaccination-v2.jsonld",
	// The document the WHO key distribution service loads for this URL
	// when it signs the DEV trust list (not the tng-cdn-dev v1/v2 files).
	"https://smart.who.int/trust/tng-context/v1-DEV.jsonld":    "tng-context-v1-dev.jsonld",
	"https://www.pedulilindungi.id/credentials/vaccination/v2": "divoc-vaccination-v2.jsonld",
}

// LDContext returns the embedded JSON-LD context document published at url
// (exactly that URL, no normalisation), and whether there is one. Callers
// must never fetch a context that is not here.
func LDContext(url string) ([]byte, bool) {
	f, ok := ldContextFiles[url]
	if !ok {
		return nil, false
	}
	b, err := ldContexts.ReadFile("ld/" + f)
	if err != nil {
		return nil, false
	}
	return bytes.Clone(b), true
}

// LDContextURLs returns the URLs LDContext serves.
func LDContextURLs() []string {
	out := make([]string, 0, len(ldContextFiles))
	for u := range ldContextFiles {
		out = append(out, u)
	}
	return out
}
