package verifier

// DoseNumber exports doseNumber to the external tests (FuzzDoseNumber).
var DoseNumber = doseNumber
