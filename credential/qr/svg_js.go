//go:build js

package qr

import (
	"errors"
	"image"
)

// rasteriseSVG: the verifier's WebAssembly (cmd/verifier-wasm) reads no SVG
// itself: the page hands it the pixels of camera frames and of the
// pictures the browser can draw, and leaving oksvg, rasterx and
// golang.org/x/net/html out keeps it 0.6 MB smaller.
func rasteriseSVG([]byte) (image.Image, error) {
	return nil, &FormatError{Format: "svg", Err: errors.New("SVG pictures are not read by the web app's verifier: use a PNG or JPEG picture, or the camera")}
}
