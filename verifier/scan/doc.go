// Package scan turns what a verifier's capture field receives into codes to
// verify: the keystrokes of a keyboard-wedge barcode scanner (a USB or
// Bluetooth scanner that "types" the QR text and Enter), pasted or dropped
// text, and the chunks of a SMART Health Card scanned one by one.
//
// # Keyboard layouts
//
// A scanner sends key positions. Set to the US layout (the factory default)
// on a desk whose system layout is French AZERTY or German QWERTZ, the
// characters of "shc:/", "HC1:" and "IP1:" codes arrive as others ("shc:/56"
// as "shcM!(-" on AZERTY, "shcÖ-56" on QWERTZ). Repair recognises the
// layout from how a code begins and undoes it; the scan screen shows which
// layout it detected. A code that begins like none of them is left as it
// came, for the verifier to refuse with its reason.
//
// # Bursts
//
// Burst segments keystrokes into codes at Enter or at a pause longer than
// Gap, bounds a code at MaxCode bytes, and tells scanner bursts from human
// typing by speed.
//
// # Chunks
//
// Collector keeps the chunks "shc:/C/N/…" of one card until the set is
// complete ("2 of 3 read"), in any order; a chunk of another card starts
// again, and an unfinished set is dropped after Partial. Nothing here keeps
// anything beyond that.
//
// The package does no I/O: the desktop app, the web app (WebAssembly) and
// tests feed it.
package scan
