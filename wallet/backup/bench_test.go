package backup

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/immunopass/immunopass/wallet/store"
)

// BenchmarkBackup writes and reads back a backup of 1,000 credentials of
// 2 KB across 5 profiles: with the default scrypt work factor (what the user
// waits for) and with a trivial one (what the snapshot itself costs).
func BenchmarkBackup(b *testing.B) {
	s := store.NewMem(pass)
	s.Update(func(tx store.Tx) error {
		for i := range 1000 {
			tx.Put("credential", fmt.Sprintf("p%d/c%04d", i%5, i), bytes.Repeat([]byte{byte(i)}, 2048))
		}
		return nil
	})
	for _, wf := range []int{WorkFactor, 2} {
		b.Run(fmt.Sprintf("scrypt%d", wf), func(b *testing.B) {
			var size int
			for b.Loop() {
				var buf bytes.Buffer
				if err := WriteWith(&buf, pass, s, Options{WorkFactor: wf}); err != nil {
					b.Fatal(err)
				}
				size = buf.Len()
				snap, err := read(&buf, pass, wf)
				if err != nil || len(snap.Records) != 1000 {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(size)/1024, "KiB")
		})
	}
}
