// Copyright 2026 the ImmunoPass authors
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

//go:build js

package ld

// ParseNQuadsFrom fails in a js build (ImmunoPass patch): the N-Quads
// parser (serialize_nquads_parse.go) needs github.com/cayleygraph/quad's
// nquads package, whose tables and registered formats are linked into any
// WebAssembly that imports it, and the browser build never reads N-Quads.
func ParseNQuadsFrom(o interface{}) (*RDFDataset, error) {
	return nil, NewJsonLdError(InvalidInput, "N-Quads input is not read in this build (js)")
}
