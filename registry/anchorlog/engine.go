package anchorlog

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/transparency-dev/tessera"
	tmysql "github.com/transparency-dev/tessera/storage/mysql"
	"github.com/transparency-dev/tessera/storage/posix"
	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/internal/boltcheck"
)

// engine is one storage choice: Tessera's driver for it plus the digest index kept beside it.
type engine interface {
	driver() tessera.Driver
	// create makes empty storage, refusing storage that already holds a log.
	create(ctx context.Context) error
	// check refuses storage whose log state is missing, before Tessera could start a new log there.
	check(ctx context.Context) error
	// start makes the Tessera driver (after check, or after create).
	start(ctx context.Context) error
	index(ctx context.Context) (index, error)
	close() error
}

// index is the persistent digest → log index map, with a little metadata.
type index interface {
	lookup(ctx context.Context, ds [][32]byte) (map[[32]byte]uint64, error)
	// record stores the entries (a digest already present keeps its index) and sets metaCovered, atomically.
	record(ctx context.Context, es []entry, covered uint64) error
	get(ctx context.Context, key string) ([]byte, error) // nil, nil when absent
	put(ctx context.Context, key string, v []byte) error
	close() error
}

func newEngine(ctx context.Context, cfg Config, creating bool) (engine, error) {
	switch cfg.Engine {
	case EngineMySQL:
		return newMySQL(ctx, cfg)
	default:
		return newPOSIX(ctx, cfg)
	}
}

// ---- posix ----

type posixEngine struct {
	dir string
	d   tessera.Driver
}

func newPOSIX(ctx context.Context, cfg Config) (*posixEngine, error) {
	d, err := posix.New(ctx, posix.Config{Path: filepath.Join(cfg.Dir, logDir)})
	if err != nil {
		return nil, err
	}
	return &posixEngine{dir: cfg.Dir, d: d}, nil
}

func (e *posixEngine) driver() tessera.Driver      { return e.d }
func (e *posixEngine) close() error                { return nil }
func (e *posixEngine) start(context.Context) error { return nil }

func (e *posixEngine) create(ctx context.Context) error {
	for _, p := range []string{logDir, indexFile} {
		if _, err := os.Stat(filepath.Join(e.dir, p)); err == nil {
			return fmt.Errorf("%w: %q already exists", ErrExists, filepath.Join(e.dir, p))
		}
	}
	if err := os.MkdirAll(filepath.Join(e.dir, logDir), 0o755); err != nil {
		return err
	}
	db, err := openBolt(filepath.Join(e.dir, indexFile), true)
	if err != nil {
		return err
	}
	return db.close()
}

func (e *posixEngine) check(ctx context.Context) error {
	for _, p := range []string{filepath.Join(logDir, ".state", "treeState"), filepath.Join(logDir, "checkpoint"), indexFile} {
		if _, err := os.Stat(filepath.Join(e.dir, p)); err != nil {
			return &StateError{ErrStateMissing, e.dir, fmt.Sprintf("%s: %v", p, err)}
		}
	}
	return nil
}

func (e *posixEngine) index(ctx context.Context) (index, error) {
	return openBolt(filepath.Join(e.dir, indexFile), false)
}

var (
	bucketDigests = []byte("digests")
	bucketMeta    = []byte("meta")
)

type boltIndex struct{ db *bolt.DB }

func openBolt(path string, create bool) (*boltIndex, error) {
	if !create {
		if _, err := os.Stat(path); err != nil {
			return nil, &StateError{ErrStateMissing, path, err.Error()}
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 0, NoFreelistSync: true})
	if err != nil {
		return nil, fmt.Errorf("digest index %q: %w", path, err)
	}
	if err := boltcheck.Durable(db); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketDigests, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		db.Close()
		return nil, err
	}
	return &boltIndex{db}, nil
}

func (b *boltIndex) lookup(_ context.Context, ds [][32]byte) (map[[32]byte]uint64, error) {
	out := map[[32]byte]uint64{}
	if len(ds) == 0 {
		return out, nil
	}
	err := b.db.View(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketDigests)
		for _, d := range ds {
			if v := bk.Get(d[:]); len(v) == 8 {
				out[d] = binary.BigEndian.Uint64(v)
			}
		}
		return nil
	})
	return out, err
}

func (b *boltIndex) record(_ context.Context, es []entry, covered uint64) error {
	// Sorted keys fill each B+tree page once.
	es = slices.Clone(es)
	slices.SortFunc(es, func(a, b entry) int { return bytes.Compare(a.d[:], b.d[:]) })
	return b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketDigests)
		for _, e := range es {
			if bk.Get(e.d[:]) != nil {
				continue
			}
			if err := bk.Put(e.d[:], binary.BigEndian.AppendUint64(nil, e.i)); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put([]byte(metaCovered), binary.BigEndian.AppendUint64(nil, covered))
	})
}

func (b *boltIndex) get(_ context.Context, key string) ([]byte, error) {
	var out []byte
	err := b.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get([]byte(key)); v != nil {
			out = append([]byte(nil), v...)
		}
		return nil
	})
	return out, err
}

func (b *boltIndex) put(_ context.Context, key string, v []byte) error {
	return b.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put([]byte(key), v) })
}

func (b *boltIndex) close() error { return b.db.Close() }

// ---- mysql ----

type mysqlEngine struct {
	dsn string // for messages, without the password
	db  *sql.DB
	d   tessera.Driver
}

// The Tessera MySQL driver's schema (storage/mysql/schema.sql in tessera v1.0.4, compatibility version
// 1), which its New expects to exist, and the tables of the digest index.
var mysqlSchema = []string{
	"CREATE TABLE IF NOT EXISTS Tessera (`id` TINYINT UNSIGNED NOT NULL, `compatibilityVersion` BIGINT UNSIGNED NOT NULL, PRIMARY KEY (`id`))",
	"INSERT IGNORE INTO Tessera (`id`, `compatibilityVersion`) VALUES (0, 1)",
	"CREATE TABLE IF NOT EXISTS `Checkpoint` (`id` TINYINT UNSIGNED NOT NULL, `note` MEDIUMBLOB NOT NULL, `published_at` BIGINT NOT NULL, PRIMARY KEY(`id`))",
	"CREATE TABLE IF NOT EXISTS `TreeState` (`id` TINYINT UNSIGNED NOT NULL, `size` BIGINT UNSIGNED NOT NULL, `root` TINYBLOB NOT NULL, PRIMARY KEY(`id`))",
	"CREATE TABLE IF NOT EXISTS `Subtree` (`level` TINYINT UNSIGNED NOT NULL, `index` BIGINT UNSIGNED NOT NULL, `nodes` MEDIUMBLOB NOT NULL, PRIMARY KEY(`level`, `index`))",
	"CREATE TABLE IF NOT EXISTS `TiledLeaves` (`tile_index` BIGINT UNSIGNED NOT NULL, `size` SMALLINT UNSIGNED NOT NULL, `data` LONGBLOB NOT NULL, PRIMARY KEY(`tile_index`))",
	"CREATE TABLE IF NOT EXISTS `AnchorDigest` (`digest` BINARY(32) NOT NULL, `idx` BIGINT UNSIGNED NOT NULL, PRIMARY KEY(`digest`))",
	"CREATE TABLE IF NOT EXISTS `AnchorMeta` (`k` VARCHAR(32) NOT NULL, `v` MEDIUMBLOB NOT NULL, PRIMARY KEY(`k`))",
}

func newMySQL(ctx context.Context, cfg Config) (*mysqlEngine, error) {
	mc, err := mysql.ParseDSN(cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("mysql DSN: %w", err)
	}
	where := mc.Net + "(" + mc.Addr + ")/" + mc.DBName
	db, err := sql.Open("mysql", cfg.DSN)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("mysql %q: %w", where, err)
	}
	return &mysqlEngine{dsn: where, db: db}, nil
}

func (e *mysqlEngine) driver() tessera.Driver { return e.d }
func (e *mysqlEngine) close() error           { return e.db.Close() }

func (e *mysqlEngine) tableExists(ctx context.Context, name string) (bool, error) {
	var n int
	err := e.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?", name).Scan(&n)
	return n > 0, err
}

func (e *mysqlEngine) create(ctx context.Context) error {
	for _, t := range []string{"TreeState", "AnchorMeta"} {
		ok, err := e.tableExists(ctx, t)
		if err != nil {
			return fmt.Errorf("mysql %q: %w", e.dsn, err)
		}
		if ok {
			return fmt.Errorf("%w: database %q already has table %s", ErrExists, e.dsn, t)
		}
	}
	for _, s := range mysqlSchema {
		if _, err := e.db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("mysql %q: creating the schema: %w", e.dsn, err)
		}
	}
	return nil
}

func (e *mysqlEngine) check(ctx context.Context) error {
	for _, t := range []string{"Tessera", "TreeState", "Checkpoint", "AnchorDigest", "AnchorMeta"} {
		ok, err := e.tableExists(ctx, t)
		if err != nil {
			return fmt.Errorf("mysql %q: %w", e.dsn, err)
		}
		if !ok {
			return &StateError{ErrStateMissing, e.dsn, "no table " + t}
		}
	}
	var n int
	if err := e.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM TreeState").Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return &StateError{ErrStateMissing, e.dsn, "TreeState is empty"}
	}
	return nil
}

func (e *mysqlEngine) start(ctx context.Context) error {
	if e.d != nil {
		return nil
	}
	d, err := tmysql.New(ctx, e.db)
	if err != nil {
		return fmt.Errorf("tessera mysql driver on %q: %w", e.dsn, err)
	}
	e.d = d
	return nil
}

func (e *mysqlEngine) index(ctx context.Context) (index, error) { return &sqlIndex{e.db}, nil }

type sqlIndex struct{ db *sql.DB }

func (s *sqlIndex) lookup(ctx context.Context, ds [][32]byte) (map[[32]byte]uint64, error) {
	out := map[[32]byte]uint64{}
	for len(ds) > 0 {
		n := min(len(ds), 1000)
		chunk := ds[:n]
		ds = ds[n:]
		args := make([]any, len(chunk))
		for i := range chunk {
			args[i] = chunk[i][:]
		}
		q := "SELECT digest, idx FROM AnchorDigest WHERE digest IN (?" + strings.Repeat(",?", len(chunk)-1) + ")"
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var d []byte
			var i uint64
			if err := rows.Scan(&d, &i); err != nil {
				rows.Close()
				return nil, err
			}
			if len(d) == 32 {
				out[[32]byte(d)] = i
			}
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *sqlIndex) record(ctx context.Context, es []entry, covered uint64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	for len(es) > 0 {
		n := min(len(es), 1000)
		chunk := es[:n]
		es = es[n:]
		args := make([]any, 0, 2*len(chunk))
		for _, e := range chunk {
			args = append(args, e.d[:], e.i)
		}
		q := "INSERT IGNORE INTO AnchorDigest (digest, idx) VALUES (?,?)" + strings.Repeat(",(?,?)", len(chunk)-1)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, "REPLACE INTO AnchorMeta (k, v) VALUES (?, ?)", metaCovered, binary.BigEndian.AppendUint64(nil, covered)); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *sqlIndex) get(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := s.db.QueryRowContext(ctx, "SELECT v FROM AnchorMeta WHERE k = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return v, err
}

func (s *sqlIndex) put(ctx context.Context, key string, v []byte) error {
	_, err := s.db.ExecContext(ctx, "REPLACE INTO AnchorMeta (k, v) VALUES (?, ?)", key, v)
	return err
}

func (s *sqlIndex) close() error { return nil }
