package service

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// AuditEntry is one line of the audit log: who did what to what, when.
// Hash is the SHA-256 of the previous entry's hash and this entry's other
// fields (AuditHash), so the log is a hash chain from the first entry.
type AuditEntry struct {
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"time"`
	Actor   string    `json:"actor"`  // a user name, "token:ID", or "init"
	Action  string    `json:"action"` // e.g. "login", "record.issue", "record.revoke"
	Subject string    `json:"subject"`
	Detail  string    `json:"detail,omitempty"`
	Prev    string    `json:"prev"` // hex; "" for the first entry
	Hash    string    `json:"hash"` // hex
}

// AuditHash computes an entry's hash from its fields other than Hash.
func AuditHash(e AuditEntry) string {
	e.Hash = ""
	body, _ := json.Marshal(e)
	h := sha256.New()
	h.Write([]byte("immunopass audit v1\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

func seqKey(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// appendAudit appends an entry inside the transaction that makes the change.
func appendAudit(tx *bolt.Tx, now time.Time, actor, action, subject, detail string) error {
	b := tx.Bucket(bucketAudit)
	e := AuditEntry{Time: now.UTC(), Actor: actor, Action: action, Subject: subject, Detail: detail}
	if k, v := b.Cursor().Last(); k != nil {
		var last AuditEntry
		if err := json.Unmarshal(v, &last); err != nil {
			return fmt.Errorf("audit log: last entry unreadable: %w", err)
		}
		e.Prev = last.Hash
	}
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	e.Seq = seq
	e.Hash = AuditHash(e)
	data, _ := json.Marshal(e)
	return b.Put(seqKey(seq), data)
}

// Audit returns the audit log's entries after seq (0: from the start), at
// most limit of them (≤ 0: all).
func (s *Service) Audit(after uint64, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil; k, v = c.Next() {
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			out = append(out, e)
			if limit > 0 && len(out) == limit {
				break
			}
		}
		return nil
	})
	return out, err
}

// AuditChainError reports where the audit log's hash chain breaks.
type AuditChainError struct {
	Seq     uint64
	Problem string
}

func (e *AuditChainError) Error() string {
	return fmt.Sprintf("audit log entry %d: %s", e.Seq, e.Problem)
}

// VerifyAudit checks the whole chain: numbering without gaps, each entry's
// hash, and each link to the previous entry. It returns the number of
// entries and the last hash (the value to anchor).
func VerifyAudit(entries []AuditEntry) (string, error) {
	prev := ""
	for i, e := range entries {
		if e.Seq != uint64(i+1) {
			return "", &AuditChainError{Seq: e.Seq, Problem: fmt.Sprintf("out of sequence (want %d)", i+1)}
		}
		if e.Prev != prev {
			return "", &AuditChainError{Seq: e.Seq, Problem: "does not link to the previous entry"}
		}
		if AuditHash(e) != e.Hash {
			return "", &AuditChainError{Seq: e.Seq, Problem: "hash does not match its content"}
		}
		prev = e.Hash
	}
	return prev, nil
}
