// Package certlogic evaluates CertLogic expressions and EU DCC business rules.
//
// CertLogic (specification 1.3.3, testdata/dcc/certlogic/SPECIFICATION.md) is the
// restricted subset of JsonLogic that the EU Digital COVID Certificate gateway uses
// for validation rules. This package is the one implementation in ImmunoPass: the
// verifier's context policies, the registry's rule checks and the wallet's
// "will this pass?" all use it. It does no I/O.
//
// # What is checked
//
// [Compile] validates an expression completely before anything is evaluated:
// exactly one operator per object, only the specified operations (var, if, ===,
// and, >, <, >=, <=, in, +, !, after, before, not-after, not-before, plusTime,
// dccDateOfBirth, reduce, extractFromUVCI), their operand counts, literal time units
// and amounts, integer-only numbers, data-access paths, and a nesting depth of at
// most [MaxDepth]. [Validate] reports every such problem as an [Issue].
//
// [Expr.Eval] then follows the specification exactly: truthy and falsy values as
// CertLogic defines them (values that are neither, such as date-times, are an
// error where a boolean is needed), lazy and/if, ternary comparisons, JavaScript
// Date offsetting for plusTime, the "last consistent date" of dccDateOfBirth, and
// the UCI fragments of extractFromUVCI. Type mismatches are errors, never
// coercions. Every evaluation runs under a step budget ([MaxSteps]), so a rule
// that reduces over reductions cannot run away; a budget overrun is an error.
//
// # Compatibility
//
// The official evaluator test suite and validation test suite pass as table
// tests. reduce also offers the original data context to its lambda as "data"
// (the extension the specification allows); the suite's "patched reduce" file
// tests it. Callers may register extra named operations ([Options.Functions]),
// for instance to let a policy ask a forecaster; unregistered names stay errors.
//
// # Business rules
//
// [ParseRules] reads EU DCC business rules in their published JSON form and
// [Evaluate] runs the applicable ones (country, region, certificate type,
// validity window, newest version) against {payload, external}, with pass, fail
// or open (could not be evaluated) per rule, as the national verifier apps do.
package certlogic
