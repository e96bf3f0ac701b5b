// Package offlinetest proves that code works with no network at all: a
// test re-executes its own test binary under `unshare -n` (a new network
// namespace holding only a loopback interface, down), running one child
// test there. The verifier's promise is to verify offline; these tests are
// the evidence, in CI (root) on every run.
//
// A child test starts with
//
//	if !offlinetest.Child() {
//		t.Skip("run by TestOffline… in a network namespace of its own")
//	}
//	offlinetest.RequireNoNetwork(t)
package offlinetest

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const childEnv = "IMMUNOPASS_OFFLINE_CHILD"

// Child reports whether this process is a child started by Run.
func Child() bool { return os.Getenv(childEnv) == "1" }

// Run runs the test named child (a top-level test of the same package) in
// a copy of the current test binary under `unshare -n`, and fails t if it
// fails or did not run. It skips t, saying why, when unshare is missing or
// the kernel or the user's rights do not allow a network namespace (not
// root, unprivileged user namespaces off).
func Run(t *testing.T, child string) {
	t.Helper()
	path, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare (util-linux) is not installed: cannot run without a network here")
	}
	if out, err := exec.Command(path, "-n", "true").CombinedOutput(); err != nil {
		t.Skipf("unshare -n is not permitted here (%v: %s): the offline test needs root or unprivileged user namespaces, as in CI",
			err, strings.TrimSpace(string(out)))
	}
	args := []string{"-n", os.Args[0], "-test.run=^" + child + "$", "-test.count=1", "-test.v", "-test.timeout=2m"}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	t.Logf("%s without a network: %v\n%s", child, time.Since(start).Round(time.Millisecond), out.String())
	if err != nil {
		t.Fatalf("%s failed without a network: %v", child, err)
	}
	if !strings.Contains(out.String(), "--- PASS: "+child) {
		t.Fatalf("%s did not run and pass in the child process", child)
	}
}

// RequireNoNetwork fails t unless the process sees no network interface
// but loopback: the proof that the child really runs offline.
func RequireNoNetwork(t *testing.T) {
	t.Helper()
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback == 0 {
			t.Fatalf("interface %s is here: this is not a process without a network", i.Name)
		}
	}
}
