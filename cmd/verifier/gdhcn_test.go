package main

import (
	"path/filepath"
	"sync"

	"github.com/immunopass/immunopass/credential/trust/gdhcntest"
)

// writeGDHCN writes the GDHCN trust-list world of gdhcntest.Files into dir
// (made once per test binary).
func writeGDHCN(dir string) error {
	gdhcnOnce.Do(func() { gdhcnFiles, gdhcnErr = gdhcntest.Files(filepath.Join("..", "..", "testdata", "gdhcn")) })
	if gdhcnErr != nil {
		return gdhcnErr
	}
	return writeAll(dir, gdhcnFiles)
}

var (
	gdhcnOnce  sync.Once
	gdhcnFiles map[string][]byte
	gdhcnErr   error
)
