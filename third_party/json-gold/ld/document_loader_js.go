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

// defaultDocumentLoader is the loader NewJsonLdOptions sets in a js build
// (ImmunoPass patch): the HTTP loaders (document_loader_http.go) are left
// out of browser builds, so that net/http, crypto/tls and HTTP/2 are not
// linked into WebAssembly that never fetches a document. It loads nothing;
// a caller that needs documents sets JsonLdOptions.DocumentLoader.
func defaultDocumentLoader() DocumentLoader {
	return noDocumentLoader{}
}

type noDocumentLoader struct{}

// LoadDocument fails: there is no default document loader in a js build.
func (noDocumentLoader) LoadDocument(u string) (*RemoteDocument, error) {
	return nil, NewJsonLdError(LoadingDocumentFailed, "no document loader in this build (js): cannot load "+u)
}
