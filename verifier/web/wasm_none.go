//go:build !webwasm

package web

// Without -tags webwasm the binary carries no WebAssembly: `verifier serve`
// says how to build it.
var builtWASM, builtExec []byte
