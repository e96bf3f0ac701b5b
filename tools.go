//go:build tools

// Package tools pins module dependencies that packages adopt incrementally.
package tools

import (
	_ "filippo.io/age"
	_ "fyne.io/fyne/v2/app"
	_ "fyne.io/fyne/v2/test"
	_ "github.com/go-pdf/fpdf"
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/lestrrat-go/jwx/v3/jwk"
	_ "github.com/makiuchi-d/gozxing"
	_ "github.com/pdfcpu/pdfcpu/pkg/api"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/rogpeppe/go-internal/testscript"
	_ "github.com/skip2/go-qrcode"
	_ "github.com/srwiley/oksvg"
	_ "github.com/srwiley/rasterx"
	_ "github.com/transparency-dev/formats/log"
	_ "github.com/transparency-dev/merkle/proof"
	_ "github.com/transparency-dev/tessera"
	_ "github.com/transparency-dev/tessera/storage/mysql"
	_ "github.com/transparency-dev/tessera/storage/posix"
	_ "go.etcd.io/bbolt"
	_ "golang.org/x/crypto/argon2"
	_ "golang.org/x/mod/sumdb/note"
	_ "golang.org/x/term"
)
