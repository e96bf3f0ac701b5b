package assets

import (
	"bytes"
	_ "embed"
)

//go:embed icon.png
var icon []byte

// Icon returns the app icon (icon.png: 512×512 PNG, a white shield with a
// teal cross on a teal rounded square), for the wallet's window and
// FyneApp.toml.
func Icon() []byte { return bytes.Clone(icon) }
