// Package e2e holds tests that cross the roles, which the role packages
// themselves may not import: a clinic service delivers into a wallet with
// OpenID4VCI and a verifier checks what the wallet then presents. It has no
// code of its own.
package e2e
