// Package qr encodes credentials as QR code symbols and reads QR codes back
// from images. It is the only package of the project that imports the QR
// libraries (github.com/skip2/go-qrcode to encode, github.com/makiuchi-d/gozxing
// to decode); everything else goes through it. It does no I/O: it works on
// strings, byte slices and image.Image values.
//
// # Encoding
//
// [Encode] makes a symbol of the smallest version (1–40) that holds a text at
// the requested error-correction [Level]. The text is split into segments by
// character class (numeric, alphanumeric, byte) and adjacent segments are
// merged whenever that is shorter, so a SMART Health Card text "shc:/5676…"
// becomes one byte segment "shc:/" followed by one numeric segment, as the
// SMART Health Cards specification requires; [EncodeSHC] checks the text and
// uses level L. A text that does not fit in version 40 is refused with a
// [*TooLargeError]. A [Symbol] renders as PNG, SVG or an image.Image, always
// black on white with a white quiet zone of [QuietZone] modules.
//
// # Decoding
//
// [Decode] sniffs PNG, JPEG, GIF and SVG bytes (SVG is rasterised on a white
// background) and returns the texts of the QR codes it finds; [DecodeImage]
// reads one code from an image.Image. Photos of screens and printouts are read
// through a ladder of attempts ordered cheap-first — several binarizers,
// contrast stretching, denoising and sharpening, a scale pyramid and a
// finder-pattern-based perspective rectification that samples the module grid
// itself — which stops at the first success and caps the work per image.
//
// # Limits
//
// Decoding is meant for untrusted input. Image dimensions are read from the
// header before any pixel is decoded: images over [MaxPixels] pixels or
// [MaxSide] pixels on a side are refused with [*ImageTooLargeError]. SVG input
// is limited to [MaxSVGBytes] bytes and [MaxSVGPaths] paths. Bytes that are not
// an image of a supported format, or are corrupt, give a [*FormatError]; an
// image without a readable code gives [ErrNoCode]. Panics inside the decoding
// libraries are recovered and reported as errors.
package qr
