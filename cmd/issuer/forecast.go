package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/immunopass/immunopass/credential/forecast"
	"github.com/immunopass/immunopass/credential/vax"
)

// forecastCmd: issuer forecast --schedule ID [--at DATE] [--json] FILE...
// Exit 2 for flags, an unknown schedule or a file that cannot be read; 1 if
// an input is not a usable FHIR Bundle; else 0. Every input is reported.
func (c *cli) forecast(args []string) error {
	fs := c.flags("forecast")
	sched := fs.String("schedule", "", "the schedule: us-cdsi (alias cdsi), who, ae or fr")
	atFlag := fs.String("at", "", "assess as of this date (YYYY-MM-DD; default today)")
	asJSON := fs.Bool("json", false, "one JSON object per line")
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
		p, doses, err := forecast.FromFHIR(data)
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
