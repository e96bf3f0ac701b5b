//go:build js

package qr

import "errors"

// photoDecoder: the verifier's WebAssembly (cmd/verifier-wasm) decodes no
// JPEG or GIF itself: the page hands it the pixels of camera frames and of
// the pictures the browser draws (scanPicture), so leaving image/jpeg and
// image/gif out keeps it smaller. PNG stays (the warm-up picture).
func photoDecoder(format string) (photoCodec, error) {
	return photoCodec{}, errors.New(format + " pictures are not read by the web app's verifier: the page reads pictures itself, or use the camera")
}
