package main

import (
	"path/filepath"

	"github.com/immunopass/immunopass/credential/trust/gdhcntest"
)

// writeGDHCN writes the GDHCN trust-list world of gdhcntest.Files into dir.
func writeGDHCN(dir string) error {
	return gdhcntest.WriteFiles(dir, filepath.Join("..", "..", "testdata", "gdhcn"))
}
