//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
)

// serveRig is a real `registry serve` and a real `issuer serve` anchoring
// through it, on loopback, from freshly built binaries.
type serveRig struct {
	tb        testing.TB
	dir, bin  string
	env       []string
	issuerURL string
	token     string
	procs     map[string]*exec.Cmd
}

func freeAddr(tb testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func (r *serveRig) run(name string, args ...string) string {
	r.tb.Helper()
	cmd := exec.Command(filepath.Join(r.bin, name), args...)
	cmd.Dir, cmd.Env = r.dir, r.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		r.tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

func (r *serveRig) start(key, name string, args ...string) {
	r.tb.Helper()
	cmd := exec.Command(filepath.Join(r.bin, name), args...)
	cmd.Dir, cmd.Env = r.dir, r.env
	log, err := os.Create(filepath.Join(r.dir, key+".log"))
	if err != nil {
		r.tb.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		r.tb.Fatal(err)
	}
	r.procs[key] = cmd
}

func (r *serveRig) stop(key string, sig os.Signal) {
	if p := r.procs[key]; p != nil {
		p.Process.Signal(sig)
		p.Wait()
		delete(r.procs, key)
	}
}

func waitHealthy(tb testing.TB, base string) {
	tb.Helper()
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
	}
	tb.Fatalf("%s did not become healthy", base)
}

// newServeRig builds the binaries, sets up a registry with the clinic
// accredited and a clinic data folder configured with it, and starts both
// servers.
func newServeRig(tb testing.TB) *serveRig {
	tb.Helper()
	r := &serveRig{tb: tb, dir: tb.TempDir(), bin: tb.TempDir(), procs: map[string]*exec.Cmd{}}
	tb.Cleanup(func() {
		for k := range r.procs {
			r.stop(k, syscall.SIGTERM)
		}
	})
	for pkg, name := range map[string]string{".": "issuer", "../registry": "registry"} {
		build := exec.Command("go", "build", "-o", filepath.Join(r.bin, name), pkg)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			tb.Fatalf("building %s: %v\n%s", name, err, out)
		}
	}
	r.env = append(os.Environ(), "IMMUNOPASS_PASSPHRASE=bench passphrase, not for real keys", "IMMUNOPASS_ADMIN_PASSWORD=bench admin password")
	regAddr, issAddr := freeAddr(tb), freeAddr(tb)
	reg := "http://" + regAddr
	r.run("registry", "init", "--data", "registry", "--url", "https://registry.example", "--work-factor", "10")
	r.start("registry", "registry", "serve", "--data", "registry", "--listen", regAddr)
	waitHealthy(tb, reg)
	r.run("issuer", "init", "--data", "clinic", "--iss", "https://clinic.example", "--registry", reg, "--work-factor", "10")
	jwks := r.run("issuer", "jwks", "--key", "clinic/key.age")
	if err := os.WriteFile(filepath.Join(r.dir, "jwks.json"), []byte(jwks), 0o600); err != nil {
		tb.Fatal(err)
	}
	r.run("registry", "issuer", "add", "--data", "registry", "--registry", reg, "--id", "clinic", "--name", "Bench Clinic",
		"--country", "AE", "--jwks", "jwks.json", "--iss", "https://clinic.example")
	r.token = strings.TrimSpace(r.run("issuer", "token", "create", "--data", "clinic", "--name", "bench", "--scope", "records:write", "--scope", "records:read"))
	r.issuerURL = "http://" + issAddr
	r.start("issuer", "issuer", "serve", "--data", "clinic", "--listen", issAddr)
	waitHealthy(tb, r.issuerURL)
	return r
}

// cpuOf is the CPU time a child process has used so far.
func cpuOf(tb testing.TB, p *exec.Cmd) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.Process.Pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * (time.Second / 100) // USER_HZ
}

func (r *serveRig) anchoringQueued() int {
	req, _ := http.NewRequest("GET", r.issuerURL+"/api/v1/anchoring", nil)
	req.Header.Set("Authorization", "Bearer "+r.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.tb.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Queued    int    `json:"queued"`
		LastError string `json:"lastError"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		r.tb.Fatal(err)
	}
	return st.Queued
}

// BenchmarkServe is the throughput goal: EMR clients posting the demo
// record (6 doses) with one holder key to a real `issuer serve` that
// anchors every credential through a real `registry serve`, both on
// loopback; each request is two credentials (a SMART Health Card and an
// SD-JWT VC). It reports credentials/s acknowledged (durable: group
// commit), credentials/s anchored (until the outbox is empty), latency
// p50/p99, and the servers' CPU time per credential (on a shared machine,
// 2 cores divided by it is the rate with the cores to themselves).
func BenchmarkServe(b *testing.B) {
	for _, clients := range []int{8, 32} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) { benchServe(b, clients) })
	}
}

func benchServe(b *testing.B, clients int) {
	r := newServeRig(b)
	hk, _ := jose.GenerateKey()
	u := r.issuerURL + "/api/v1/records?holder=" + url.QueryEscape(hk.Public().DIDKey())
	body := assets.DemoRecord()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	post := func() error {
		req, _ := http.NewRequest("POST", u, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+r.token)
		req.Header.Set("Content-Type", "application/fhir+json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("POST: %s", resp.Status)
		}
		return nil
	}
	if err := post(); err != nil { // warm up
		b.Fatal(err)
	}
	iss, reg := r.procs["issuer"], r.procs["registry"]
	ci0, cr0 := cpuOf(b, iss), cpuOf(b, reg)
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	start := time.Now()
	b.ResetTimer()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				t0 := time.Now()
				if err := post(); err != nil {
					errs <- err
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	issued := time.Since(start)
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	for r.anchoringQueued() > 0 {
		if time.Since(start) > 5*time.Minute {
			b.Fatal("not anchored after 5 minutes")
		}
		time.Sleep(10 * time.Millisecond)
	}
	anchored := time.Since(start)
	b.StopTimer()
	ci, cr := cpuOf(b, iss)-ci0, cpuOf(b, reg)-cr0
	cpu := ci + cr
	slices.Sort(lat)
	creds := float64(2 * b.N)
	b.ReportMetric(creds/issued.Seconds(), "creds/s")
	b.ReportMetric(creds/anchored.Seconds(), "anchored-creds/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(cpu.Microseconds())/1000/creds, "server-cpu-ms/cred")
	b.ReportMetric(float64(ci.Microseconds())/1000/creds, "issuer-cpu-ms/cred")
	b.ReportMetric(float64(cr.Microseconds())/1000/creds, "registry-cpu-ms/cred")
}
