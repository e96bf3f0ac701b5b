package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/forecast"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/verifier"
)

// forecast: issuer forecast --schedule ID [--at DATE] [--json] [--trust FILE]... FILE...
// An input is a FHIR R4 Bundle, or a credential verified against --trust.
// Exit 2 for flags, an unknown schedule or a file that cannot be read; 1 if
// an input cannot be forecast; else 0. Every input is reported.
func (c *cli) forecast(args []string) error {
	fs := c.flags("forecast")
	sched := fs.String("schedule", "", "the schedule: us-cdsi (alias cdsi), who, ae or fr")
	atFlag := fs.String("at", "", "assess as of this date (YYYY-MM-DD; default today)")
	asJSON := fs.Bool("json", false, "one JSON object per line")
	var trustFiles multiFlag
	fs.Var(&trustFiles, "trust", "to read a credential: trust `FILE` to verify it against (a VCI snapshot, JWKS or certificates; repeatable)")
	files, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *sched == "" {
		return errors.New("--schedule is required (us-cdsi, who, ae or fr)")
	}
	if len(files) == 0 {
		return errors.New("no input file (a FHIR R4 Bundle, or - for stdin)")
	}
	at := vax.Date{}
	if *atFlag == "" {
		now := time.Now().UTC()
		at = vax.Date{Year: now.Year(), Month: int(now.Month()), Day: now.Day()}
	} else if at, err = vax.ParseDate(*atFlag); err != nil || at.Precision() != "day" {
		return fmt.Errorf("--at %q: want a date YYYY-MM-DD", *atFlag)
	}
	s, err := forecast.Lookup(*sched)
	if err != nil {
		return err
	}
	code, failed := 0, 0
	for _, f := range files {
		var data []byte
		var err error
		if f == "-" {
			data, err = io.ReadAll(io.LimitReader(c.stdin, forecast.MaxBundle+1))
		} else {
			data, err = os.ReadFile(f)
		}
		if err != nil {
			fmt.Fprintf(c.stderr, "issuer forecast: %v\n", err)
			code, failed = 2, failed+1
			continue
		}
		var p forecast.Patient
		var doses []forecast.Dose
		if isJSONObject(data) {
			p, doses, err = forecast.FromFHIR(data)
		} else {
			p, doses, err = c.fromCredential(f, data, trustFiles)
		}
		var res *forecast.Result
		if err == nil {
			res, err = forecast.Run(s, p, doses, at)
		}
		if err != nil {
			fmt.Fprintf(c.stderr, "issuer forecast: %s: %v\n", f, err)
			code, failed = max(code, 1), failed+1
			continue
		}
		if *asJSON {
			err = res.WriteJSON(c.stdout, f)
		} else {
			err = res.WriteText(c.stdout, s, f, p)
		}
		if err != nil {
			return err
		}
	}
	if code != 0 {
		return &exitError{code: code, err: fmt.Errorf("%d of %d inputs could not be forecast", failed, len(files))}
	}
	return nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// isJSONObject: a FHIR Bundle is a JSON object; anything else is read as a
// credential.
func isJSONObject(data []byte) bool {
	t := bytes.TrimSpace(data)
	return len(t) > 0 && t[0] == '{' && !bytes.Contains(t[:min(len(t), 200)], []byte(`"verifiableCredential"`))
}

// fromCredential verifies a credential (a SMART Health Card, an SD-JWT VC,
// an HC1: text or a QR image) against the --trust files, offline, and
// returns what it states. A credential that does not verify is refused:
// a forecast is only as good as the doses it counts.
func (c *cli) fromCredential(name string, data []byte, trustFiles []string) (forecast.Patient, []forecast.Dose, error) {
	var p forecast.Patient
	if len(trustFiles) == 0 {
		return p, nil, errors.New("not a FHIR Bundle; to read a credential, give --trust FILE (the issuer's VCI snapshot or keys) to verify it")
	}
	v := &verifier.Verifier{Trust: trust.New()}
	for _, tf := range trustFiles {
		td, err := os.ReadFile(tf)
		if err == nil && trust.IsBundle(td) {
			err = fmt.Errorf("%s is a registry bundle: use verifier verify with its policy, or a VCI snapshot here", tf)
		}
		if err == nil {
			err = v.Trust.Load(tf, td)
		}
		if err != nil {
			return p, nil, fmt.Errorf("--trust: %w", err)
		}
	}
	rs := v.Verify([]verifier.Input{{Name: name, Data: data}})
	if len(rs) != 1 {
		return p, nil, fmt.Errorf("%d credentials in one input: give one per file", len(rs))
	}
	r := rs[0]
	if !r.Valid {
		return p, nil, fmt.Errorf("the credential does not verify (%s)", strings.Join(r.Reasons, ", "))
	}
	bd, err := vax.ParseDate(r.Subject.BirthDate)
	if err != nil || bd.Precision() != "day" {
		return p, nil, errors.New("the credential does not disclose a full birth date")
	}
	p.BirthDate = bd
	var doses []forecast.Dose
	for i, im := range r.Immunizations {
		d, err := vax.ParseDate(im.Date)
		if err != nil {
			return p, nil, fmt.Errorf("dose %d: date %q", i+1, im.Date)
		}
		doses = append(doses, forecast.DoseOf(fmt.Sprintf("dose%d", i+1), im.Vaccine.System, im.Vaccine.Code, d))
	}
	return p, doses, nil
}
