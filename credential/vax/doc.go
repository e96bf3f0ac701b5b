// Package vax is the vaccination record model that every ImmunoPass format
// is issued from and verified into: a [Record] is one [Patient] and the
// [Immunization] events given to them.
//
// The package does no I/O: it reads and writes byte slices and never touches
// files or the network. Credential formats (SMART Health Cards, SD-JWT VC,
// EU DCC) convert to and from a Record; they never re-implement the rules
// here.
//
// # Formats
//
//   - FHIR R4: [FromFHIR] reads a Bundle holding one Patient and at least one
//     Immunization, as SMART Health Cards and EMRs produce it; [Record.FHIR]
//     writes the minified Bundle that SMART Health Cards embed. Output read
//     back with FromFHIR gives an equal Record.
//   - CSV: [ParseCSV] reads the simple sheet a clinic fills in, one
//     immunization per row; rows of the same person merge into one Record.
//   - Code tables: [Display] and [Disease] name vaccine codes from the table
//     embedded in the assets package (CVX, SNOMED CT, ICD-11, EU DCC).
//
// # What is checked
//
// Parsing is strict about structure and lenient about values: FromFHIR
// rejects malformed JSON, wrong types, a missing or second Patient, a
// reference that does not resolve, an input over [MaxFHIRSize], and an
// unparseable date, with a *[FHIRError] that names the JSON path. Whether the
// content makes sense (a name, a birth date in the past, a known status, a
// code with a system, a dose within its series, no vaccination before birth)
// is [Record.Validate]'s job, which returns *[ValidationError] values naming
// the field. A parsed Record is not trusted data: Validate it, and verify the
// credential that carried it, before use.
//
// # FHIR mapping
//
//	Patient.name[0] (the first "official" name, else the first)  Patient.Family, Patient.Given
//	Patient.birthDate                                            Patient.BirthDate
//	Immunization.vaccineCode.coding (see below)                  Immunization.Vaccine
//	Immunization.occurrenceDateTime (dateTime truncated to date) Immunization.Date
//	Immunization.status                                          Immunization.Status
//	Immunization.protocolApplied[0].doseNumberPositiveInt        Immunization.DoseNumber
//	Immunization.protocolApplied[0].seriesDosesPositiveInt       Immunization.SeriesDoses
//	Immunization.lotNumber                                       Immunization.Lot
//	Immunization.performer[].actor.display (first present)       Immunization.Performer
//	Immunization.extension[CountryExtensionURL].valueCode        Immunization.Country
//
// Of several vaccineCode codings, the first with a system this package knows
// (CVX, EU DCC, SNOMED CT, ICD-11, in that order of preference) is kept, else
// the first. Coding.display is kept if present and written back if set;
// leave it empty for compact cards (SHC recommends omitting it) and use
// [Display] to show a name.
//
// FHIR R4 Immunization has no element for the country of vaccination. The
// country is carried in the WHO DDCC extension
// (http://smart.who.int/ddcc/StructureDefinition/DDCCCountryOfEvent,
// valueCode), the one the WHO Digital Documentation of COVID-19 Certificates
// guide defines for exactly this, so DDCC-aware readers understand it and
// other FHIR readers may ignore it (it is not a modifier extension). We put
// the ISO 3166-1 alpha-2 code there, as the EU DCC "co" field does; DDCC
// prefers alpha-3 but its binding is not required. Immunization.location is
// not used: its display is free text for a place, not a code.
//
// A doseNumberString (R4 allows it) that is a positive integer is read as
// the dose number; any other text means "unknown" (0). When the series is
// known but the dose is not, FHIR writes doseNumberString "unknown", because
// R4 requires a dose number in protocolApplied.
//
// Resources other than Patient and Immunization (an Observation, a
// DiagnosticReport) are skipped; [FromFHIRWithIgnored] lists them.
// Resources with a modifierExtension are rejected, as FHIR requires of
// readers that do not know it.
//
// # Compatibility
//
// The SMART Health Cards spec examples (references "resource:0", no ids)
// and EMR-style Bundles (ids, meta, references "Patient/x" or
// "urn:uuid:…") both map. EU DCC medicinal products use [SystemEUDCC], the
// system URI of the EU DCC value set "vaccines-covid-19-names", or
// [SystemEUDCCTemp] for products without an EU marketing authorisation.
package vax
