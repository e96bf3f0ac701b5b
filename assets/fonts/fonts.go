// Package fonts embeds the TrueType fonts the PDF printouts use: DejaVu
// Sans, subset to Latin, Greek, Cyrillic, Hebrew and Arabic with its
// presentation forms (README.md says how, LICENSE under what terms). It is
// a package of its own so that only the printers carry its 465 KB.
package fonts

import _ "embed"

var (
	//go:embed DejaVuSans.ttf
	regular []byte
	//go:embed DejaVuSans-Bold.ttf
	bold []byte
	//go:embed DejaVuSans-Oblique.ttf
	oblique []byte
)

// Sans returns the font file of a style: "" (regular), "B" (bold) or "I"
// (oblique); nil for any other style. The bytes are shared: do not modify
// them.
func Sans(style string) []byte {
	switch style {
	case "":
		return regular
	case "B":
		return bold
	case "I":
		return oblique
	}
	return nil
}
