package ui

import (
	"errors"
	"io"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/internal/display"
	"github.com/immunopass/immunopass/verifier/station"
)

// trustScreen says what the verifier trusts, in words, and lets the
// operator load the trust policy and trust files, or update the registry
// bundle (the app's only network call, on demand).
func (u *UI) trustScreen() fyne.CanvasObject {
	st := u.trust
	box := container.NewVBox(heading(tr("Trust")))
	box.Add(para(tr("This verifier checks codes only against the trust files below, offline. Nothing is fetched unless you press Update now.")))

	// Policy.
	box.Add(subheading(tr("Trust policy")))
	if st.Policy == nil {
		p := para(tr("No trust policy: registry bundles cannot be checked. Load the policy file the health authority gave you."))
		p.Importance = widget.WarningImportance
		box.Add(p)
	} else {
		box.Add(para(trf("Installed. Bundles must be signed by the registry and at most {{.Age}} old.",
			map[string]any{"Age": digits(trust.FormatAge(st.Policy.MaxAge))})))
	}

	// Bundle.
	box.Add(subheading(tr("Registry bundle")))
	if st.Bundle == nil {
		box.Add(para(tr("No registry bundle loaded.")))
	} else {
		b := st.Bundle
		box.Add(para(trf("Version {{.Version}} from {{.Registry}}, {{.Ago}}.",
			map[string]any{"Version": count(int(b.Version)), "Registry": display.Text(b.Registry), "Ago": updatedAgo(st)})))
		if st.Stale {
			w := para(tr("Out of date: codes are checked, but every verdict says CHECK MANUALLY until the bundle is updated."))
			w.Importance = widget.WarningImportance
			box.Add(w)
		}
		if len(u.trust.Store.Advisories(u.now())) > 0 {
			box.Add(para(trn("{{.Count}} advisory from the registry is active.", len(u.trust.Store.Advisories(u.now())), nil)))
		}
	}
	box.Add(para(trn("{{.Count}} trusted issuer", st.Issuers, nil) + " · " +
		trn("{{.Count}} status list", st.Lists, nil) + " · " +
		trn("{{.Count}} document signer certificate", st.Certs, nil)))
	if len(st.Store.Issuers()) > 0 {
		names := container.NewVBox()
		for i, is := range st.Store.Issuers() {
			if i == 12 {
				names.Add(label(trn("And {{.Count}} more.", len(st.Store.Issuers())-12, nil)))
				break
			}
			n := is.Name
			if n == "" {
				n = is.ID
			}
			names.Add(label("• " + display.Text(n)))
		}
		box.Add(names)
	}
	for _, p := range st.Problems {
		l := para(trf("Not used: {{.Problem}}", map[string]any{"Problem": display.Clip(p, 2*display.Max)}))
		l.Importance = widget.DangerImportance
		box.Add(l)
	}

	result := para("")
	result.Hide()
	say := func(s string, imp widget.Importance) {
		setLabel(result, s)
		result.Importance = imp
		result.Show()
		result.Refresh()
	}
	var update *widget.Button
	update = newButtonIcon(tr("Update now"), theme.ViewRefreshIcon(), func() {
		update.Disable()
		say(tr("Asking the registry…"), widget.MediumImportance)
		u.updateNow(func(r station.UpdateResult, err error) {
			if err != nil {
				u.show(ScreenTrust)
				u.trustResult(explainTrust(err), widget.DangerImportance)
				return
			}
			u.show(ScreenTrust)
			if r.Unchanged {
				u.trustResult(trf("Already up to date (version {{.Version}}).", map[string]any{"Version": count(int(r.Version))}), widget.SuccessImportance)
			} else {
				u.trustResult(trf("Updated to version {{.Version}}.", map[string]any{"Version": count(int(r.Version))}), widget.SuccessImportance)
			}
		})
	})
	if st.Policy == nil {
		update.Disable()
	}
	imp := newButtonIcon(tr("Load a trust file…"), theme.FolderOpenIcon(), func() {
		u.openFile(u.win, nil, func(rc fyne.URIReadCloser, err error) {
			if err != nil || rc == nil {
				return
			}
			defer rc.Close()
			data, err := io.ReadAll(io.LimitReader(rc, trust.MaxBundle+1))
			if err == nil {
				_, err = station.ImportTrust(u.cfg.Dir, rc.URI().Name(), data, u.now())
			}
			u.reloadTrust()
			u.show(ScreenTrust)
			if err != nil {
				u.trustResult(explainTrust(err), widget.DangerImportance)
				return
			}
			u.trustResult(trf("Loaded {{.Name}}.", map[string]any{"Name": rc.URI().Name()}), widget.SuccessImportance)
		})
	})
	help := para(tr("Trust files: the trust policy, a registry bundle, a SMART Health Cards directory snapshot, EU DCC signer certificates (PEM or DER), or a status list."))
	box.Add(widget.NewSeparator())
	box.Add(container.NewHBox(update, imp))
	box.Add(result)
	box.Add(help)
	u.trustMsg = result
	return container.NewVScroll(container.NewPadded(box))
}

// trustResult shows the outcome of the last trust action on the trust
// screen just rebuilt.
func (u *UI) trustResult(s string, imp widget.Importance) {
	if u.trustMsg == nil {
		return
	}
	setLabel(u.trustMsg, s)
	u.trustMsg.Importance = imp
	u.trustMsg.Show()
	u.trustMsg.Refresh()
}

// explainTrust words a trust error for the operator; the detail (quoted
// evidence) follows in the packages' English.
func explainTrust(err error) string {
	var old *station.OlderBundleError
	var be *trust.BundleError
	switch {
	case errors.Is(err, station.ErrNoRegistry):
		return tr("No registry address: load a registry bundle first, or set the address in the settings.")
	case errors.As(err, &old):
		return trf("That bundle (version {{.Got}}) is older than the one in use (version {{.Have}}): kept the one in use.",
			map[string]any{"Got": count(int(old.Got)), "Have": count(int(old.Have))})
	case errors.As(err, &be):
		return tr("The bundle was refused: it is not signed as the trust policy requires. Nothing was changed.") + " (" + err.Error() + ")"
	}
	return tr("Nothing was changed:") + " " + err.Error()
}
