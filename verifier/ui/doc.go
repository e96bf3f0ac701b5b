// Package ui is the verifier's desktop app (Fyne): the screen a school
// secretary or a border officer scans codes on, the verdict they read from
// across the desk, the trust files the verifier checks against, and the
// settings. Every decision about a credential is made by package verifier;
// package verifier/scan turns what the capture field receives into codes.
//
// # Scanning
//
// A keyboard-wedge scanner types into the capture field, which takes the
// focus back whenever it loses it on the scan screen; characters typed
// while nothing has the focus go to the same place. A burst ends at Enter
// or after scan.Gap of silence. Codes typed through a French or German
// keyboard layout are repaired (automatic, or the layout fixed in the
// settings) and the layout is shown. A SMART Health Card in several QR
// codes is collected part by part ("2 of 3 read"). Paste (Ctrl+V), a file
// (picture, PDF, text) and a drop on the window are the other ways in.
//
// # Verdict
//
// VALID, NOT VALID or CHECK MANUALLY, in words, with an icon and a colour,
// over the whole window; the name and birth date in large type; the doses;
// each reason in words with its code in small type. It clears after the
// delay set in the settings, at the next scan, or with Esc.
//
// # Trust
//
// The data folder's trust/ folder holds the trust policy and the trust
// files the operator loaded (a registry bundle, VCI snapshots, EU DCC
// signer certificates, status lists). "Update now" fetches the registry's
// bundle; it is the app's only network call, and only on demand.
//
// # What is kept
//
// Nothing about the people verified: a verdict lives in memory until it is
// cleared. The data folder holds settings.json (with the supervisor
// passphrase's argon2id hash in kiosk mode), trust/, and, only when the
// operator turns counting on, counts.json: numbers of verdicts per day.
//
// # Threads
//
// Verification, file reading and the registry fetch run off the UI thread
// and come back through async (bridge.go), the only caller of fyne.Do.
package ui
