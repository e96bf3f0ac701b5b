package verifier

// Words returns what a reason or warning code means, in the English words
// of the text report (WriteText), for user interfaces that show the code
// beside them; "" for a code it does not know. The verifier app translates
// these sentences.
func Words(code string) string {
	if w, ok := reasonWords[code]; ok {
		return w
	}
	return warningWords[code]
}

// FormatName returns a format's name in words ("SMART Health Card").
func FormatName(format string) string { return formatNames[format] }
