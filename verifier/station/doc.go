// Package station is the state of a verifier station that the desktop app
// (verifier/ui) keeps in its data folder, without Fyne: the settings (with
// the kiosk supervisor's argon2id hash), the trust folder (policy, registry
// bundle, other trust files; "Update now"), the optional daily counts, and
// the verdict a scan's results come to.
//
// # What is kept
//
// Nothing about the people verified. settings.json, trust/ and, only when
// counting is on, counts.json: numbers of verdicts per day.
//
// # Network
//
// [Update] is the only network call: GET {registry}/v1/bundle, made when
// the operator asks, its answer checked against the installed trust policy
// before it replaces anything.
package station
