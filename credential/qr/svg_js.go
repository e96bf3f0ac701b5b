//go:build js

package qr

import (
	"errors"
	"image"
)

// rasteriseSVG: the verifier's WebAssembly (cmd/verifier-wasm) reads no SVG
// itself: the page hands it pixels (the browser draws any picture), and
// leaving oksvg, rasterx and golang.org/x/net/html out keeps it 0.6 MB
// smaller.
func rasteriseSVG([]byte) (image.Image, error) {
	return nil, &FormatError{Format: "svg", Err: errors.New("SVG pictures are not read in the browser build: open the picture in the page, which draws it")}
}
