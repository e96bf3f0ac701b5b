// Package boltcheck refuses a bbolt database opened in a mode that gives up
// durability. Every bbolt store of the project (the wallet's store, the
// registry's metadata, the anchor log's digest index) calls Durable right
// after bolt.Open, so an option added later for speed (NoSync in a
// benchmark, say) fails every open in tests and in production instead of
// silently losing acknowledged writes at the next power cut.
//
// # What is checked
//
//   - NoSync is false: every commit fdatasyncs the file before it returns.
//   - NoGrowSync is false: growing the file is followed by an fsync before
//     the new size is used (ext3/ext4 need it).
//   - The database is writable (not opened ReadOnly by mistake for a
//     writer).
//
// NoFreelistSync is allowed: the freelist is then not written at all and is
// rebuilt by scanning the file at open, which is slower to open but loses
// nothing.
package boltcheck

import (
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Durable returns an error naming every durability option that db was
// opened with.
func Durable(db *bolt.DB) error {
	var off []string
	if db.NoSync {
		off = append(off, "NoSync")
	}
	if db.NoGrowSync {
		off = append(off, "NoGrowSync")
	}
	if db.IsReadOnly() {
		off = append(off, "ReadOnly")
	}
	if len(off) > 0 {
		return fmt.Errorf("bbolt database %q opened with %s: its commits would not be durable", db.Path(), strings.Join(off, ", "))
	}
	return nil
}
