package verifier

// DoseNumber exports doseNumber to the external tests (FuzzDoseNumber).
var DoseNumber = doseNumber

// VCJWTHeader and VCJWTHeaderJSON export the VC-JWT header test and its
// encoding/json reference to FuzzVCJWTHeader.
var (
	VCJWTHeader     = vcjwtHeader
	VCJWTHeaderJSON = vcjwtHeaderJSON
)
