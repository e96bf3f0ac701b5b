package issuer

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/internal/vfs"
)

const csvHeader = "family,given,birth_date,vaccine_system,vaccine_code,date,dose,series,lot,performer,country\n"

// peopleCSV makes n people, each with rows doses (their rows together).
func peopleCSV(n, rows int) string {
	var b strings.Builder
	b.WriteString(csvHeader)
	for i := 1; i <= n; i++ {
		for d := 1; d <= rows; d++ {
			fmt.Fprintf(&b, "Family%d,Given%d,2016-04-%02d,http://hl7.org/fhir/sid/cvx,03,2017-04-%02d,%d,%d,L%d,Clinic,AE\n", i, i, i%28+1, d, d, rows, i)
		}
	}
	return b.String()
}

// chunked reads csv with ReadCSVChunks in groups of n.
func chunked(t *testing.T, csv string, n int) ([]*vax.Record, []int) {
	t.Helper()
	var recs []*vax.Record
	var firsts []int
	err := ReadCSVChunks(strings.NewReader(csv), n, func(first int, rs []*vax.Record, bundles [][]byte) error {
		if len(rs) != len(bundles) || len(rs) > n {
			t.Fatalf("group of %d records, %d bundles, size %d", len(rs), len(bundles), n)
		}
		firsts = append(firsts, first)
		recs = append(recs, rs...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs, firsts
}

func TestReadCSVChunksMatchesParseCSV(t *testing.T) {
	csv := peopleCSV(7, 2)
	whole, _, err := ReadRecords([]byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 3, 7, 100} {
		recs, firsts := chunked(t, csv, n)
		if len(recs) != len(whole) {
			t.Fatalf("groups of %d: %d records, want %d", n, len(recs), len(whole))
		}
		for i := range recs {
			if recs[i].Patient.Name() != whole[i].Patient.Name() || len(recs[i].Immunizations) != 2 {
				t.Fatalf("groups of %d: record %d is %s with %d doses, want %s with 2", n, i, recs[i].Patient.Name(), len(recs[i].Immunizations), whole[i].Patient.Name())
			}
		}
		if want := (7 + n - 1) / n; len(firsts) != want || firsts[0] != 0 {
			t.Fatalf("groups of %d: starts %v, want %d groups from 0", n, firsts, want)
		}
	}
	sc, err := ScanCSV(strings.NewReader("\ufeff" + csv))
	if err != nil || sc.People != 7 || sc.Rows != 14 {
		t.Fatalf("ScanCSV = %+v, %v; want 7 people, 14 rows", sc, err)
	}
}

func TestReadCSVChunksErrorLines(t *testing.T) {
	csv := peopleCSV(5, 1)
	lines := strings.Split(csv, "\n")
	lines[4] = strings.Replace(lines[4], "2017-04-01", "2017-13-45", 1) // line 5: the 4th person
	csv = strings.Join(lines, "\n")
	for _, n := range []int{1, 2, 10} {
		err := ReadCSVChunks(strings.NewReader(csv), n, func(int, []*vax.Record, [][]byte) error { return nil })
		var ce *vax.CSVError
		if !errors.As(err, &ce) || ce.Line != 5 || ce.Column != "date" {
			t.Fatalf("groups of %d: %v, want a date error on line 5", n, err)
		}
		if err := CheckCSV(strings.NewReader(csv), n, time.Now()); !errors.As(err, &ce) || ce.Line != 5 {
			t.Fatalf("CheckCSV, groups of %d: %v, want line 5", n, err)
		}
	}
	// A quoted cell over two lines shifts the lines after it.
	quoted := csvHeader + "\"Haddad\nal\",Amira,2016-04-12,http://hl7.org/fhir/sid/cvx,03,2017-04-15,1,2,L1,Clinic,AE\n" +
		"Haddad,Omar,2018-02-01,http://hl7.org/fhir/sid/cvx,03,2019-99-01,1,2,L3,Clinic,AE\n"
	err := ReadCSVChunks(strings.NewReader(quoted), 1, func(int, []*vax.Record, [][]byte) error { return nil })
	var ce *vax.CSVError
	if !errors.As(err, &ce) || ce.Line != 4 {
		t.Fatalf("%v, want line 4", err)
	}
	for _, bad := range []string{"", "family,given\n", csvHeader} {
		if err := ReadCSVChunks(strings.NewReader(bad), 2, func(int, []*vax.Record, [][]byte) error { return nil }); err == nil {
			t.Fatalf("%q: no error", bad)
		}
	}
}

func TestScanCSVNotGrouped(t *testing.T) {
	csv := csvHeader +
		"Haddad,Amira,2016-04-12,http://hl7.org/fhir/sid/cvx,03,2017-04-15,1,2,L1,Clinic,AE\n" +
		"Haddad,Omar,2018-02-01,http://hl7.org/fhir/sid/cvx,03,2019-03-01,1,2,L3,Clinic,AE\n" +
		"Haddad,  Amira ,2016-04-12,http://hl7.org/fhir/sid/cvx,03,2020-09-01,2,2,L2,Clinic,AE\n"
	_, err := ScanCSV(strings.NewReader(csv))
	var ce *vax.CSVError
	if !errors.Is(err, ErrNotGrouped) || !errors.As(err, &ce) || ce.Line != 4 || !strings.Contains(err.Error(), "Haddad, Amira") {
		t.Fatalf("ScanCSV: %v, want ErrNotGrouped on line 4 naming Haddad, Amira", err)
	}
}

func TestIssueSDJWTOneKeyPerRecord(t *testing.T) {
	kf := testKey(t)
	hs := holders(t, 3)
	st, err := OpenLocalStatus(t.TempDir()+"/status.json", "https://clinic.example/status/1")
	if err != nil {
		t.Fatal(err)
	}
	csv := []byte(peopleCSV(3, 1))
	creds, err := kf.IssueSDJWT(csv, Request{Issuer: "https://clinic.example"}, hs, st, "batch")
	if err != nil {
		t.Fatal(err)
	}
	if len(creds) != 3 {
		t.Fatalf("%d credentials, want 3", len(creds))
	}
	for i, c := range creds {
		if want := fmt.Sprintf("Given%d Family%d", i+1, i+1); c.Record.Patient.Name() != want {
			t.Fatalf("credential %d is for %s, want %s", i, c.Record.Patient.Name(), want)
		}
		jwt := strings.Split(strings.SplitN(c.SDJWT, "~", 2)[0], ".")
		payload, err := base64.RawURLEncoding.DecodeString(jwt[1])
		if err != nil {
			t.Fatal(err)
		}
		for j, h := range hs {
			if bound := bytes.Contains(payload, []byte(jwkX(h))); bound != (i == j) {
				t.Fatalf("credential %d bound to holder key %d: %v", i, j, bound)
			}
		}
	}
	for i := range 3 {
		if idx := st.Record(fmt.Sprintf("batch-%d", i+1)); len(idx) != 1 || idx[0] != creds[i].Index {
			t.Fatalf("record batch-%d has status indexes %v, want [%d]", i+1, idx, creds[i].Index)
		}
	}
	if _, err := kf.IssueSDJWT(csv, Request{Issuer: "https://clinic.example"}, hs[:2], st, "batch"); !errors.Is(err, ErrHolders) || !strings.Contains(err.Error(), "3 records and 2 holder keys") {
		t.Fatalf("2 keys for 3 records: %v, want ErrHolders", err)
	}
}

// jwkX is the x coordinate of a key's JWK, as cnf.jwk holds it.
func jwkX(k *jose.Key) string {
	j := string(k.JWK())
	i := strings.Index(j, `"x":"`)
	if i < 0 {
		return "no x in " + j
	}
	return j[i+5 : i+5+43]
}

// FuzzReadCSVChunks: reading in groups never panics, and for a file whose
// people's rows are together it gives the records ParseCSV gives, with
// errors on the same line.
func FuzzReadCSVChunks(f *testing.F) {
	f.Add(peopleCSV(3, 2), 2)
	f.Add(csvHeader+"\"a\nb\",c,2016,http://hl7.org/fhir/sid/cvx,03,2017-01-01,,,,,\n", 1)
	f.Add("family,given,birth_date\nx,y,z\n", 1)
	f.Fuzz(func(t *testing.T, csv string, n int) {
		n = n%5 + 1
		if n < 1 {
			n = -n + 1
		}
		var got []string
		err := ReadCSVChunks(strings.NewReader(csv), n, func(_ int, rs []*vax.Record, _ [][]byte) error {
			for _, r := range rs {
				got = append(got, r.Patient.Name())
			}
			return nil
		})
		if _, serr := ScanCSV(strings.NewReader(csv)); serr != nil {
			return
		}
		recs, werr := vax.ParseCSV([]byte(csv))
		if werr != nil {
			if err == nil {
				t.Fatalf("ParseCSV: %v; groups of %d: no error", werr, n)
			}
			var a, b *vax.CSVError
			if errors.As(werr, &a) && errors.As(err, &b) && a.Line != b.Line && a.Line > 1 && !strings.Contains(a.Problem, "UTF-8") {
				t.Fatalf("ParseCSV: %v; groups of %d: %v (another line)", werr, n, err)
			}
			return
		}
		if err != nil {
			if strings.Contains(err.Error(), "FHIR") || strings.Contains(err.Error(), "UTF-8") {
				return
			}
			t.Fatalf("ParseCSV accepts it; groups of %d: %v", n, err)
		}
		if len(got) != len(recs) {
			t.Fatalf("groups of %d: %d records, ParseCSV %d", n, len(got), len(recs))
		}
	})
}

// FuzzParseOutboxFile: an outbox file is either read whole or refused with
// an error naming the line, and what is read writes back to the same items.
func FuzzParseOutboxFile(f *testing.F) {
	d := strings.Repeat("ab", 32)
	f.Add("batch-1.jsonl", `{"kind":"anchor","digest":"`+d+`","what":"card","registry":"r","iss":"i","created":"2026-12-07T00:00:00Z","id":"anchor-`+d+`"}`+"\n")
	f.Add("anchor-x.json", `{"kind":"stats","what":"w","registry":"r","iss":"i","counts":[{"vaccine":"a|b","region":"AE","week":"2026-W01","count":3}],"created":"2026-12-07T00:00:00Z"}`)
	f.Add("batch-2.jsonl", `{"kind":"anchor"}`)
	f.Fuzz(func(t *testing.T, name, data string) {
		if !strings.HasSuffix(name, ".json") {
			name = "batch.jsonl"
		}
		items, err := parseOutboxFile(name, []byte(data))
		if err != nil {
			if !strings.Contains(err.Error(), "line") && !strings.Contains(err.Error(), "cut short") {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		if len(items) == 0 {
			t.Fatal("no items and no error")
		}
		m := vfs.NewMem()
		o, err := OpenOutboxFS(m, "/o")
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name, ".json") {
			items = items[:1]
		}
		if err := o.writeFile(name, items); err != nil {
			t.Fatal(err)
		}
		again, err := o.List()
		if err != nil || len(again) != len(items) {
			t.Fatalf("wrote %d items, read back %d: %v", len(items), len(again), err)
		}
	})
}

// An outbox written by an earlier version (one indented item per
// anchor-<digest>.json file) is still read, flushed and emptied.
func TestOutboxReadsEarlierFiles(t *testing.T) {
	_, fake, r := hosted(t)
	st, err := OpenState(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	d := DigestHex("an earlier card")
	old := fmt.Sprintf(`{
  "kind": "anchor",
  "digest": %q,
  "what": "SMART Health Card rid abc",
  "registry": %q,
  "iss": %q,
  "created": "2026-12-01T10:00:00Z",
  "attempts": 3,
  "lastError": "registry anchor: unreachable"
}
`, d, r.Base.String(), r.Issuer)
	if err := os.WriteFile(filepath.Join(st.Outbox.Dir(), "anchor-"+d+".json"), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	items, err := st.Outbox.List()
	if err != nil || len(items) != 1 || items[0].Name() != "anchor-"+d || items[0].Attempts != 3 {
		t.Fatalf("List = %v, %v; want the earlier item", items, err)
	}
	res, err := st.Outbox.Flush(context.Background(), r, FlushOptions{Backoff: fastBackoff, ProofDir: st.ProofDir()})
	if err != nil || res.Proved != 1 || len(res.Left) != 0 {
		t.Fatalf("Flush = %+v, %v; want 1 proved, 0 left", res, err)
	}
	if _, ok := fake.Index(d); !ok {
		t.Fatal("the earlier digest was not anchored")
	}
	if ents, _ := os.ReadDir(st.Outbox.Dir()); len(ents) != 0 {
		t.Fatalf("outbox still holds %d files", len(ents))
	}
	if _, err := os.Stat(filepath.Join(st.ProofDir(), d+".proof")); err != nil {
		t.Fatal(err)
	}
}
