package qr

import (
	"image"
	"image/color"
	"math"
)

// gray is an 8-bit luminance image, 0 = black.
type gray struct {
	w, h int
	pix  []uint8
}

func newGray(w, h int) *gray { return &gray{w: w, h: h, pix: make([]uint8, w*h)} }

func (g *gray) at(x, y int) uint8 { return g.pix[y*g.w+x] }

// toGray converts img to luminance; transparent pixels count as white.
func toGray(img image.Image) *gray {
	b := img.Bounds()
	g := newGray(b.Dx(), b.Dy())
	for y := 0; y < g.h; y++ {
		lumRow(img, y, g.pix[y*g.w:(y+1)*g.w])
	}
	return g
}

// lumRow writes the luminance of row y of img (counted from its top) to
// dst, which holds one byte per pixel of the row.
func lumRow(img image.Image, y int, dst []uint8) {
	b := img.Bounds()
	w := len(dst)
	switch m := img.(type) {
	case *image.Gray:
		copy(dst, m.Pix[y*m.Stride:y*m.Stride+w])
		return
	case *image.YCbCr:
		off := m.YOffset(b.Min.X, b.Min.Y+y)
		copy(dst, m.Y[off:off+w])
		return
	case *image.RGBA:
		row := m.Pix[y*m.Stride : y*m.Stride+4*w]
		for x := 0; x < w; x++ {
			r, gg, bb, a := uint32(row[4*x]), uint32(row[4*x+1]), uint32(row[4*x+2]), uint32(row[4*x+3])
			// premultiplied: composite on white
			l := (299*r + 587*gg + 114*bb + 500) / 1000
			dst[x] = uint8(min(255, l+(255-a)))
		}
		return
	case *image.NRGBA:
		row := m.Pix[y*m.Stride : y*m.Stride+4*w]
		for x := 0; x < w; x++ {
			r, gg, bb, a := uint32(row[4*x]), uint32(row[4*x+1]), uint32(row[4*x+2]), uint32(row[4*x+3])
			l := (299*r + 587*gg + 114*bb + 500) / 1000
			dst[x] = uint8((l*a + 255*(255-a) + 127) / 255)
		}
		return
	case *image.Paletted:
		var lum [256]uint8
		for i, c := range m.Palette {
			lum[i] = lumOf(c)
		}
		row := m.Pix[y*m.Stride : y*m.Stride+w]
		for x, i := range row {
			if int(i) < len(m.Palette) {
				dst[x] = lum[i]
			} else {
				dst[x] = 0 // an index past the palette draws black, as image/color does
			}
		}
		return
	}
	for x := 0; x < w; x++ {
		dst[x] = lumOf(img.At(b.Min.X+x, b.Min.Y+y))
	}
}

// lumOf is the luminance of c composited on white.
func lumOf(c color.Color) uint8 {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	l := (299*uint32(n.R) + 587*uint32(n.G) + 114*uint32(n.B) + 500) / 1000
	a := uint32(n.A)
	return uint8((l*a + 255*(255-a) + 127) / 255)
}

// toGrayScaled converts img to luminance at most maxPixels in size: an image
// over it is shrunk by the smallest integer factor that fits, averaging each
// factor×factor block (edge pixels beyond a whole block are dropped). Only
// one source row and the result are held: a large photo never exists at
// full size in grey.
func toGrayScaled(img image.Image, maxPixels int) *gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	k := 1
	for (w/k)*(h/k) > maxPixels {
		k++
	}
	if k == 1 {
		return toGray(img)
	}
	g := newGray(w/k, h/k)
	row := make([]uint8, w)
	sums := make([]uint32, g.w)
	div := uint32(k * k)
	for oy := 0; oy < g.h; oy++ {
		clear(sums)
		for y := oy * k; y < (oy+1)*k; y++ {
			lumRow(img, y, row)
			for ox := range sums {
				s := uint32(0)
				for _, v := range row[ox*k : (ox+1)*k] {
					s += uint32(v)
				}
				sums[ox] += s
			}
		}
		out := g.pix[oy*g.w : (oy+1)*g.w]
		for ox, s := range sums {
			out[ox] = uint8((s + div/2) / div)
		}
	}
	return g
}

// pad returns g inside a white margin of m pixels: a symbol whose quiet zone
// was cut off by the frame still gets light around its finders.
func pad(g *gray, m int) *gray {
	out := newGray(g.w+2*m, g.h+2*m)
	for i := range out.pix {
		out.pix[i] = 255
	}
	for y := 0; y < g.h; y++ {
		copy(out.pix[(y+m)*out.w+m:], g.pix[y*g.w:(y+1)*g.w])
	}
	return out
}

// half returns g downscaled by two with a 2×2 box filter.
func half(g *gray) *gray {
	out := newGray(g.w/2, g.h/2)
	for y := 0; y < out.h; y++ {
		r0 := g.pix[2*y*g.w:]
		r1 := g.pix[(2*y+1)*g.w:]
		for x := 0; x < out.w; x++ {
			s := int(r0[2*x]) + int(r0[2*x+1]) + int(r1[2*x]) + int(r1[2*x+1])
			out.pix[y*out.w+x] = uint8((s + 2) / 4)
		}
	}
	return out
}

// double returns g upscaled by two with bilinear interpolation.
func double(g *gray) *gray {
	out := newGray(2*g.w, 2*g.h)
	for y := 0; y < out.h; y++ {
		fy := (float64(y)+0.5)/2 - 0.5
		y0 := min(max(int(math.Floor(fy)), 0), g.h-1)
		y1 := min(y0+1, g.h-1)
		wy := min(max(fy-float64(y0), 0), 1)
		for x := 0; x < out.w; x++ {
			fx := (float64(x)+0.5)/2 - 0.5
			x0 := min(max(int(math.Floor(fx)), 0), g.w-1)
			x1 := min(x0+1, g.w-1)
			wx := min(max(fx-float64(x0), 0), 1)
			a := float64(g.pix[y0*g.w+x0])*(1-wx) + float64(g.pix[y0*g.w+x1])*wx
			b := float64(g.pix[y1*g.w+x0])*(1-wx) + float64(g.pix[y1*g.w+x1])*wx
			out.pix[y*out.w+x] = uint8(a*(1-wy) + b*wy + 0.5)
		}
	}
	return out
}

// bilinear samples g at (x, y) (pixel centres at +0.5); outside is white.
func (g *gray) bilinear(x, y float64) float64 {
	x -= 0.5
	y -= 0.5
	if !(x >= 0 && y >= 0 && x < float64(g.w-1) && y < float64(g.h-1)) {
		if x > -1 && y > -1 && x < float64(g.w) && y < float64(g.h) {
			xi := min(max(int(x+0.5), 0), g.w-1)
			yi := min(max(int(y+0.5), 0), g.h-1)
			return float64(g.pix[yi*g.w+xi])
		}
		return 255
	}
	xi, yi := int(x), int(y)
	fx, fy := x-float64(xi), y-float64(yi)
	i := yi*g.w + xi
	a, b := float64(g.pix[i]), float64(g.pix[i+1])
	c, d := float64(g.pix[i+g.w]), float64(g.pix[i+g.w+1])
	return (a*(1-fx)+b*fx)*(1-fy) + (c*(1-fx)+d*fx)*fy
}
