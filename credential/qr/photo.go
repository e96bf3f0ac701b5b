//go:build !js

package qr

import (
	"image/gif"
	"image/jpeg"
)

// photoDecoder is the JPEG or GIF codec of decodeImageBytes.
func photoDecoder(format string) (photoCodec, error) {
	if format == "gif" {
		return photoCodec{gif.DecodeConfig, gif.Decode}, nil
	}
	return photoCodec{jpeg.DecodeConfig, jpeg.Decode}, nil
}
