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
	w, h := b.Dx(), b.Dy()
	g := newGray(w, h)
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			copy(g.pix[y*w:(y+1)*w], m.Pix[y*m.Stride:y*m.Stride+w])
		}
		return g
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			off := m.YOffset(b.Min.X, b.Min.Y+y)
			copy(g.pix[y*w:(y+1)*w], m.Y[off:off+w])
		}
		return g
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+4*w]
			for x := 0; x < w; x++ {
				r, gg, bb, a := uint32(row[4*x]), uint32(row[4*x+1]), uint32(row[4*x+2]), uint32(row[4*x+3])
				// premultiplied: composite on white
				l := (299*r + 587*gg + 114*bb + 500) / 1000
				g.pix[y*w+x] = uint8(l + (255 - a))
			}
		}
		return g
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+4*w]
			for x := 0; x < w; x++ {
				r, gg, bb, a := uint32(row[4*x]), uint32(row[4*x+1]), uint32(row[4*x+2]), uint32(row[4*x+3])
				l := (299*r + 587*gg + 114*bb + 500) / 1000
				g.pix[y*w+x] = uint8((l*a + 255*(255-a) + 127) / 255)
			}
		}
		return g
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			l := (299*uint32(c.R) + 587*uint32(c.G) + 114*uint32(c.B) + 500) / 1000
			a := uint32(c.A)
			g.pix[y*w+x] = uint8((l*a + 255*(255-a) + 127) / 255)
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
