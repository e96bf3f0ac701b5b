//go:build !js

package qr

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"time"

	"github.com/srwiley/oksvg"
	"github.com/srwiley/rasterx"
)

const (
	svgRasterSide = 1200 // longer side of a rasterised SVG, in pixels
	svgDrawBudget = 2 * time.Second
)

// rasteriseSVG draws an SVG document on a white canvas whose longer side is
// svgRasterSide pixels.
func rasteriseSVG(data []byte) (image.Image, error) {
	if len(data) > MaxSVGBytes {
		return nil, &FormatError{Format: "svg", Err: fmt.Errorf("document of %d bytes is over the limit of %d", len(data), MaxSVGBytes)}
	}
	// Every drawn element starts with '<'; <use> copies elements, so bound
	// their product too.
	elems := bytes.Count(data, []byte("<"))
	uses := bytes.Count(data, []byte("<use"))
	if elems > MaxSVGPaths || uses*elems > MaxSVGPaths {
		return nil, &FormatError{Format: "svg", Err: fmt.Errorf("document with %d elements is too complex", elems)}
	}
	icon, err := oksvg.ReadIconStream(bytes.NewReader(data), oksvg.IgnoreErrorMode)
	if err != nil {
		return nil, &FormatError{Format: "svg", Err: err}
	}
	if len(icon.SVGPaths) > MaxSVGPaths {
		return nil, &FormatError{Format: "svg", Err: fmt.Errorf("document with %d paths is too complex", len(icon.SVGPaths))}
	}
	vw, vh := icon.ViewBox.W, icon.ViewBox.H
	if !(vw > 0 && vh > 0 && vw < 1e7 && vh < 1e7) {
		return nil, &FormatError{Format: "svg", Err: errors.New("missing or bad viewBox")}
	}
	w, h := svgRasterSide, svgRasterSide
	if vw > vh {
		h = max(1, int(float64(svgRasterSide)*vh/vw+0.5))
	} else {
		w = max(1, int(float64(svgRasterSide)*vw/vh+0.5))
	}
	if w < 21 || h < 21 {
		return nil, &FormatError{Format: "svg", Err: fmt.Errorf("aspect ratio %g:%g cannot hold a QR code", vw, vh)}
	}
	icon.SetTarget(0, 0, float64(w), float64(h))
	// oksvg strokes in device pixels and defaults to a width of 2; SVG
	// strokes in user units and defaults to 1. QR generators that draw each
	// row as a stroked line (as the SMART Health Cards examples do) rely on
	// that.
	m := icon.Transform
	scale := math.Sqrt(math.Abs(m.A*m.D - m.B*m.C))
	explicit := bytes.Contains(data, []byte("stroke-width"))
	for i := range icon.SVGPaths {
		if !explicit {
			icon.SVGPaths[i].LineWidth = 1
		}
		icon.SVGPaths[i].LineWidth *= scale
	}
	canvas := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(canvas, canvas.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	dasher := rasterx.NewDasher(w, h, rasterx.NewScannerGV(w, h, canvas, canvas.Bounds()))
	start := time.Now()
	for i := range icon.SVGPaths {
		icon.SVGPaths[i].DrawTransformed(dasher, 1, icon.Transform)
		if time.Since(start) > svgDrawBudget {
			return nil, &FormatError{Format: "svg", Err: errors.New("document too costly to draw")}
		}
	}
	return canvas, nil
}
