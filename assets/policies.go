package assets

import (
	"bytes"
	_ "embed"
)

//go:embed policies/contexts.json
var contextPolicies []byte

// ContextPolicies returns the shipped context policies
// (policies/contexts.json): school entry for the UAE and France, the IHR
// yellow-fever rule and a traveller rule set in EU DCC form. Package
// credential/policy reads it; it is generated from the UAE and French
// schedules by that package's tests (go test ./credential/policy -run
// TestShipped -update).
func ContextPolicies() []byte { return bytes.Clone(contextPolicies) }
