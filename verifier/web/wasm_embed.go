//go:build webwasm

package web

import _ "embed"

// Built into the binary by `make build` (-tags webwasm), which first makes
// dist/ with `make web`.
var (
	//go:embed dist/verifier.wasm
	builtWASM []byte
	//go:embed dist/wasm_exec.js
	builtExec []byte
)
