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
// background) and returns the texts of the QR codes it finds, several if the
// image holds several; [DecodeImage] reads one code from an image.Image. Both
// are safe for concurrent use.
//
// Photos of screens and printouts go through a ladder of attempts, cheap
// first, that stops at the first success:
//
//  1. gozxing's detectors (multi-symbol, then single, then "try harder") on
//     a hybrid binarization: this reads clean images in a few milliseconds;
//  2. our own grid sampler on finder patterns found by a full-image scan of
//     the same binarization, then of a local-mean binarization, then of an
//     unsharp-masked copy (for blur), then gozxing on a global-histogram one;
//  3. for small images, the same at twice the resolution (modules of about
//     one pixel), and last the inverted image (light modules on dark).
//
// The grid sampler picks finder triples by their shape relative to their
// size, starts from a homography that accounts for perspective (the finders'
// module sizes tell how far each is from the camera), reads the version
// information to fix the symbol size, locates every alignment pattern on the
// grey image by template matching (each predicted from its neighbours), fits a
// least-squares homography to all of them and samples the module centres on
// the grey image. Modules are thresholded against the dark and light levels
// around them in module space; when that fails and the timing patterns show a
// real grid, the blur between modules is undone by least-squares
// deconvolution for a few blur widths. When the alignment patterns show that
// no homography fits (a lens, a bent page), a smooth polynomial correction is
// fitted to them too. Each image gets at most a fixed number of grid attempts
// and about two seconds.
//
// Photos over 4 megapixels (phones take 12 to 50) are shrunk to at most 4
// by averaging whole blocks before the ladder: a code that fills a useful
// part of the frame keeps modules several pixels wide, and the ladder's time
// and memory follow the shrunk size. If the shrunk copy gives no code and
// time remains, one cheap read at up to 16 megapixels looks for a small code
// in a large frame. PNG files (other than interlaced ones) are decoded row by
// row straight into the shrunk grey copy, so a 36-megapixel PNG needs a few
// megabytes, not the 137 MiB of its pixels.
//
// # Limits
//
// Decoding is meant for untrusted input. Image dimensions are read from the
// header before any pixel is decoded: images over [MaxPixels] pixels or
// [MaxSide] pixels on a side, or whose pixels the standard decoders would
// hold in over [MaxDecodedBytes], are refused with [*ImageTooLargeError], in
// microseconds. [DecodeContext] takes a caller's budget for a whole call (a
// context with a deadline, shared by every image of the call); when it runs
// out, the image being read and the ones after it give [ErrBudget]. SVG input
// is limited to [MaxSVGBytes] bytes, [MaxSVGPaths] elements and about two
// seconds of drawing. Bytes that are not
// an image of a supported format, or are corrupt, give a [*FormatError]; an
// image without a readable code gives [ErrNoCode]. Panics inside the decoding
// libraries are recovered and reported as errors.
package qr
