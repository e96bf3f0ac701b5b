package assets

import (
	"archive/zip"
	"bytes"
	_ "embed"
	"io"
	"strings"
)

// cdsiZip is cdsi/*.xml, deflated (TestCDSiArchive keeps it so; run it with
// -update after changing the XML).
//
//go:embed cdsi.zip
var cdsiZip []byte

// CDSi returns the CDC CDSi supporting data files (cdsi/*.xml, v4.64) by
// file name: "ScheduleSupportingData.xml" and one
// "AntigenSupportingData-_<antigen>-508.xml" per antigen. Each call inflates
// them afresh (about 2.6 MB); callers parse them once.
func CDSi() map[string][]byte {
	out := map[string][]byte{}
	zr, err := zip.NewReader(bytes.NewReader(cdsiZip), int64(len(cdsiZip)))
	if err != nil {
		panic("assets: cdsi.zip: " + err.Error()) // embedded at build time: cannot happen
	}
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, ".xml") || strings.Contains(f.Name, "/") {
			continue
		}
		r, err := f.Open()
		if err != nil {
			panic("assets: cdsi.zip: " + err.Error())
		}
		b, err := io.ReadAll(r)
		if err != nil {
			panic("assets: cdsi.zip: " + f.Name + ": " + err.Error())
		}
		out[f.Name] = b
	}
	return out
}
