package issuer

import (
	"io/fs"
	"path"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/internal/vfs"
)

// dropAfterReadDir removes a file right after a folder listing, as a
// flush in another goroutine dropping its done file would.
type dropAfterReadDir struct {
	vfs.FS
	drop string
}

func (d *dropAfterReadDir) ReadDir(dir string) ([]fs.DirEntry, error) {
	ents, err := d.FS.ReadDir(dir)
	if d.drop != "" {
		d.FS.Remove(d.drop)
		d.drop = ""
	}
	return ents, err
}

// TestOutboxListWhileDropped: a file removed between the listing and its
// reading (all its items done) is skipped, not an error (the clinic
// service's status page lists the outbox while its sender drops files).
func TestOutboxListWhileDropped(t *testing.T) {
	m := &dropAfterReadDir{FS: vfs.NewMem()}
	o, err := OpenOutboxFS(m, "/o")
	if err != nil {
		t.Fatal(err)
	}
	a := &Item{Kind: KindAnchor, Digest: strings.Repeat("ab", 32)}
	b := &Item{Kind: KindAnchor, Digest: strings.Repeat("cd", 32)}
	if err := o.Add(a); err != nil {
		t.Fatal(err)
	}
	if err := o.Add(b); err != nil {
		t.Fatal(err)
	}
	m.drop = path.Join("/o", a.file)
	items, err := o.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].Digest != b.Digest {
		t.Fatalf("listed %d items, want only the one still queued", len(items))
	}
}
