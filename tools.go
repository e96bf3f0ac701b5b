//go:build tools

// Package tools pins module dependencies that packages adopt incrementally.
package tools

import (
	_ "filippo.io/age"
	_ "github.com/lestrrat-go/jwx/v3/jwk"
	_ "github.com/makiuchi-d/gozxing"
	_ "github.com/rogpeppe/go-internal/testscript"
	_ "github.com/skip2/go-qrcode"
	_ "github.com/srwiley/oksvg"
	_ "github.com/srwiley/rasterx"
	_ "golang.org/x/crypto/argon2"
	_ "golang.org/x/term"
)
