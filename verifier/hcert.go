package verifier

import "strings"

// hcertFormat is EU Digital COVID Certificates / WHO DDCC ("HC1:").
type hcertFormat struct{}

func (hcertFormat) name() string { return FormatHCERT }

func (hcertFormat) detect(text string) bool { return strings.HasPrefix(text, "HC1:") }

func (hcertFormat) decode(string) (any, error) {
	return nil, &UnsupportedError{Format: "EU DCC (HC1:)"}
}

func (hcertFormat) check(_ *Verifier, input string, _ any) Result {
	return failed(input, FormatHCERT, &UnsupportedError{Format: "EU DCC (HC1:)"})
}
