package vfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrCrashed is what every operation returns once the count given to
// CrashAfter is used up.
var ErrCrashed = errors.New("vfs: simulated crash")

// Mem is a strict in-memory file system: see the package comment. The zero
// value is not usable; call NewMem.
type Mem struct {
	mu     sync.Mutex
	dirs   map[string]*memDir
	ops    int // operations done (counted while no crash is pending too)
	budget int // operations left before ErrCrashed; < 0: unlimited
	seq    int // CreateTemp names
}

type memDir struct {
	ents   map[string]*inode
	synced map[string]*inode
}

type inode struct {
	data, synced []byte
	mode         fs.FileMode
	syncedMode   fs.FileMode
	mtime        time.Time
}

// NewMem returns an empty Mem holding only the root folder "/".
func NewMem() *Mem {
	m := &Mem{dirs: map[string]*memDir{}, budget: -1}
	m.dirs["/"] = newDir()
	return m
}

func newDir() *memDir {
	return &memDir{ents: map[string]*inode{}, synced: map[string]*inode{}}
}

// Ops is the number of operations done so far: run a protocol once on a
// fresh Mem to learn how many steps it has.
func (m *Mem) Ops() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ops
}

// CrashAfter lets n more operations succeed; every later one fails with
// ErrCrashed until Crash.
func (m *Mem) CrashAfter(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.budget = n
}

// Crash simulates a power cut: every folder goes back to its entries as of
// its last SyncDir, every file to its bytes and mode as of its last Sync,
// and operations work again.
func (m *Mem) Crash() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.budget = -1
	for _, d := range m.dirs {
		d.ents = copyEnts(d.synced)
		for _, ino := range d.ents {
			ino.data = append([]byte(nil), ino.synced...)
			ino.mode = ino.syncedMode
		}
	}
}

func copyEnts(in map[string]*inode) map[string]*inode {
	out := make(map[string]*inode, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

// step counts an operation and says whether it may run.
func (m *Mem) step() error {
	if m.budget == 0 {
		return ErrCrashed
	}
	if m.budget > 0 {
		m.budget--
	}
	m.ops++
	return nil
}

func clean(name string) string {
	return filepath.ToSlash(filepath.Clean("/" + filepath.ToSlash(name)))
}

// split returns name's folder (which must exist) and base name.
func (m *Mem) split(op, name string) (*memDir, string, error) {
	p := clean(name)
	dir, base := filepath.ToSlash(filepath.Dir(p)), filepath.Base(p)
	d := m.dirs[dir]
	if d == nil || p == "/" {
		return nil, "", &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	return d, base, nil
}

func (m *Mem) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.step(); err != nil {
		return nil, err
	}
	d, base, err := m.split("open", name)
	if err != nil {
		return nil, err
	}
	if m.dirs[clean(name)] != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("is a directory")}
	}
	ino := d.ents[base]
	switch {
	case ino != nil && flag&os.O_CREATE != 0 && flag&os.O_EXCL != 0:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrExist}
	case ino == nil && flag&os.O_CREATE == 0:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	case ino == nil:
		ino = &inode{mode: perm.Perm(), mtime: time.Now()}
		d.ents[base] = ino
	}
	if flag&os.O_TRUNC != 0 {
		ino.data = nil
	}
	return &memFile{m: m, ino: ino, name: name, appnd: flag&os.O_APPEND != 0}, nil
}

func (m *Mem) CreateTemp(dir, pattern string) (File, error) {
	for {
		m.mu.Lock()
		m.seq++
		n := strconv.Itoa(m.seq)
		m.mu.Unlock()
		var name string
		if i := strings.LastIndex(pattern, "*"); i >= 0 {
			name = pattern[:i] + n + pattern[i+1:]
		} else {
			name = pattern + n
		}
		f, err := m.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
}

func (m *Mem) Rename(oldpath, newpath string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.step(); err != nil {
		return err
	}
	od, ob, err := m.split("rename", oldpath)
	if err != nil {
		return err
	}
	nd, nb, err := m.split("rename", newpath)
	if err != nil {
		return err
	}
	ino := od.ents[ob]
	if ino == nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: fs.ErrNotExist}
	}
	delete(od.ents, ob)
	nd.ents[nb] = ino
	return nil
}

func (m *Mem) Link(oldpath, newpath string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.step(); err != nil {
		return err
	}
	od, ob, err := m.split("link", oldpath)
	if err != nil {
		return err
	}
	nd, nb, err := m.split("link", newpath)
	if err != nil {
		return err
	}
	ino := od.ents[ob]
	if ino == nil {
		return &os.LinkError{Op: "link", Old: oldpath, New: newpath, Err: fs.ErrNotExist}
	}
	if nd.ents[nb] != nil || m.dirs[clean(newpath)] != nil {
		return &os.LinkError{Op: "link", Old: oldpath, New: newpath, Err: fs.ErrExist}
	}
	nd.ents[nb] = ino
	return nil
}

func (m *Mem) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.step(); err != nil {
		return err
	}
	d, base, err := m.split("remove", name)
	if err != nil {
		return err
	}
	if d.ents[base] == nil {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	delete(d.ents, base)
	return nil
}

func (m *Mem) MkdirAll(dir string, perm fs.FileMode) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.step(); err != nil {
		return err
	}
	p := clean(dir)
	var parts []string
	for q := p; q != "/"; q = filepath.ToSlash(filepath.Dir(q)) {
		parts = append(parts, q)
	}
	for i := len(parts) - 1; i >= 0; i-- {
		q := parts[i]
		if m.dirs[q] != nil {
			continue
		}
		if d, b, _ := m.split("mkdir", q); d != nil && d.ents[b] != nil {
			return &fs.PathError{Op: "mkdir", Path: q, Err: errors.New("not a directory")}
		}
		m.dirs[q] = newDir()
	}
	return nil
}

func (m *Mem) ReadFile(name string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.step(); err != nil {
		return nil, err
	}
	d, base, err := m.split("open", name)
	if err != nil {
		return nil, err
	}
	ino := d.ents[base]
	if ino == nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return append([]byte(nil), ino.data...), nil
}

func (m *Mem) ReadDir(dir string) ([]fs.DirEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.step(); err != nil {
		return nil, err
	}
	p := clean(dir)
	d := m.dirs[p]
	if d == nil {
		return nil, &fs.PathError{Op: "open", Path: dir, Err: fs.ErrNotExist}
	}
	var out []fs.DirEntry
	for name, ino := range d.ents {
		out = append(out, fs.FileInfoToDirEntry(&memInfo{name: name, size: int64(len(ino.data)), mode: ino.mode, mtime: ino.mtime}))
	}
	prefix := strings.TrimSuffix(p, "/") + "/"
	for q := range m.dirs {
		if q != p && strings.HasPrefix(q, prefix) && !strings.Contains(q[len(prefix):], "/") {
			out = append(out, fs.FileInfoToDirEntry(&memInfo{name: q[len(prefix):], mode: fs.ModeDir | 0o700}))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

func (m *Mem) Lstat(name string) (fs.FileInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.step(); err != nil {
		return nil, err
	}
	p := clean(name)
	if m.dirs[p] != nil {
		return &memInfo{name: filepath.Base(p), mode: fs.ModeDir | 0o700}, nil
	}
	d, base, err := m.split("lstat", name)
	if err != nil {
		return nil, err
	}
	ino := d.ents[base]
	if ino == nil {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: fs.ErrNotExist}
	}
	return &memInfo{name: base, size: int64(len(ino.data)), mode: ino.mode, mtime: ino.mtime}, nil
}

func (m *Mem) SyncDir(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.step(); err != nil {
		return err
	}
	d := m.dirs[clean(dir)]
	if d == nil {
		return &fs.PathError{Op: "open", Path: dir, Err: fs.ErrNotExist}
	}
	d.synced = copyEnts(d.ents)
	return nil
}

// Files returns every file's path and content as they are now (after a
// Crash: what survived), for tests to compare.
func (m *Mem) Files() map[string]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]string{}
	for p, d := range m.dirs {
		for name, ino := range d.ents {
			out[strings.TrimSuffix(p, "/")+"/"+name] = string(ino.data)
		}
	}
	return out
}

type memFile struct {
	m      *Mem
	ino    *inode
	name   string
	appnd  bool
	pos    int
	closed bool
}

func (f *memFile) Name() string { return f.name }

func (f *memFile) Write(p []byte) (int, error) {
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	if err := f.m.step(); err != nil {
		return 0, err
	}
	if f.closed {
		return 0, fs.ErrClosed
	}
	if f.appnd {
		f.pos = len(f.ino.data)
	}
	for len(f.ino.data) < f.pos {
		f.ino.data = append(f.ino.data, 0)
	}
	n := copy(f.ino.data[f.pos:], p)
	f.ino.data = append(f.ino.data, p[n:]...)
	f.pos += len(p)
	f.ino.mtime = time.Now()
	return len(p), nil
}

func (f *memFile) Sync() error {
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	if err := f.m.step(); err != nil {
		return err
	}
	if f.closed {
		return fs.ErrClosed
	}
	f.ino.synced = append([]byte(nil), f.ino.data...)
	f.ino.syncedMode = f.ino.mode
	return nil
}

func (f *memFile) Chmod(mode fs.FileMode) error {
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	if err := f.m.step(); err != nil {
		return err
	}
	f.ino.mode = mode.Perm()
	return nil
}

func (f *memFile) Close() error {
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	if f.closed {
		return fs.ErrClosed
	}
	f.closed = true
	return nil // closing neither syncs nor fails after a crash: it is not a step
}

type memInfo struct {
	name  string
	size  int64
	mode  fs.FileMode
	mtime time.Time
}

func (i *memInfo) Name() string       { return i.name }
func (i *memInfo) Size() int64        { return i.size }
func (i *memInfo) Mode() fs.FileMode  { return i.mode }
func (i *memInfo) ModTime() time.Time { return i.mtime }
func (i *memInfo) IsDir() bool        { return i.mode.IsDir() }
func (i *memInfo) Sys() any           { return nil }

var _ FS = (*Mem)(nil)

func (m *Mem) String() string { return fmt.Sprintf("vfs.Mem(%d ops)", m.Ops()) }
