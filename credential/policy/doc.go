// Package policy answers "does this person meet the rule here?" (school
// entry, yellow fever at a border, a traveller rule set) for a verified
// credential of any format, with CertLogic (package certlogic).
//
// # What is checked
//
// A context policy file ([Parse]) holds named contexts; each is a rule set
// in the EU DCC business-rule form (Identifier, Type, Country, CertificateType,
// ValidFrom/ValidTo, Version, AffectedFields, Logic, Description in several
// languages) with a title and the SD-JWT claims the rules need. A context's
// rules read either the format-neutral [View] of the credential (person,
// birth date, doses by disease, vaccine, date and dose number, the kind) or,
// as national EU DCC apps do, an EU DCC payload: the certificate's own for an
// HCERT, the view in that shape ([View.DCC]) for the other formats.
//
// [Context.Check] gives a second verdict, separate from the credential's own
// validity: [Meets], [Fails] (with the failing rules' descriptions, in en,
// fr or ar) or [CannotTell] (a rule needs what the credential does not
// show precisely: a missing or partial birth date near an age line, a dose
// dated by year only, a series size a SMART Health Card does not state).
//
// # What is trusted
//
// The policies themselves: they are signed data when they come in the
// registry's bundle (credential/trust), and an operator's own file when a
// self-hosted site gives one. Parse checks their form strictly (exact member
// names, no unknown or duplicate members, valid CertLogic, Acceptance rules
// of the context's country) and never evaluates anything.
//
// # Shipped policies
//
// [Shipped] reads assets/policies/contexts.json: school-entry-ae and
// school-entry-fr, derived from the UAE and French schedules
// (assets/schedules, copied in testdata/schedules; every dose a schedule
// wants given by an age is required from that age, while its disease's
// catch-up limit has not passed; by age at the check date), yellow-fever
// (IHR 2005 Annex 7: valid from 10 days after the vaccination, for life)
// and traveller-eu (EU DCC acceptance rules for vaccination, test and
// recovery certificates). The package's tests regenerate the file from the
// schedules and fail when it differs.
package policy
