package ui

import (
	"io"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/internal/display"
	"github.com/immunopass/immunopass/wallet"
)

// presetName translates a preset by its ID; unknown presets keep the
// wallet's English name.
func presetName(p wallet.Preset) string {
	return lang.X("preset."+p.ID, p.Name)
}

func presetDescription(p wallet.Preset) string {
	return lang.X("preset."+p.ID+".description", p.Description)
}

func modeText(m string) string {
	switch m {
	case wallet.ModeLive:
		return lang.L("Live (refreshed every 30 s)")
	case wallet.ModeStatic:
		return lang.L("Static")
	case wallet.ModeChallenge:
		return lang.L("Answer to a challenge")
	}
	return m
}

// presentScreen chooses a person, a context (preset), what to disclose and
// the mode, then shows the QR code.
func (u *UI) presentScreen() fyne.CanvasObject {
	ps, err := u.w.Profiles()
	if err != nil {
		return para(explain(err))
	}
	challenge := newButtonIcon(lang.L("Answer a verifier's challenge…"), theme.QuestionIcon(), u.challengeDialog)
	top := container.NewVBox(container.NewBorder(nil, nil, nil, challenge, heading(lang.L("Present"))),
		para(lang.L("Show only what is needed: choose the person and the context, check what to disclose, then show the QR code to the verifier.")))
	if len(ps) == 0 {
		return container.NewBorder(top, nil, nil, nil, para(lang.L("No one yet. Add a person to start.")))
	}
	names := make([]string, len(ps))
	idx := 0
	for i, p := range ps {
		names[i] = p.Name()
		if p.ID == u.profile {
			idx = i
		}
	}
	person := widget.NewSelect(names, nil)
	presets := wallet.Presets()
	presetNames := make([]string, len(presets))
	for i, p := range presets {
		presetNames[i] = presetName(p)
	}
	preset := widget.NewRadioGroup(presetNames, nil)
	preset.Required = true
	desc := para("")
	names0 := widget.NewCheck(lang.L("Name"), nil)
	birth := widget.NewCheck(lang.L("Birth date"), nil)
	diseaseBox := container.NewGridWithColumns(2)
	var diseaseChecks []*widget.Check
	var diseases []string
	modes := []string{wallet.ModeLive, wallet.ModeStatic}
	modeNames := []string{modeText(wallet.ModeLive), modeText(wallet.ModeStatic)}
	mode := widget.NewRadioGroup(modeNames, nil)
	mode.Horizontal = true
	mode.Required = true
	to := widget.NewEntry()
	to.SetPlaceHolder(lang.L("Optional: who it is for (kept in your history only)"))
	credBox := container.NewVBox()
	var credChecks []*widget.Check
	var credIDs []string
	var credBound []bool
	var credWhole []bool    // an EU DCC, DIVOC, W3C VC: shown whole, nothing can be withheld
	var credFormat []string // each credential's format
	touched := false
	modeHint := label("")
	modeHint.Wrapping = fyne.TextWrapWord
	// Live mode needs every chosen record to be an SD-JWT VC bound to the
	// person's key; otherwise only a static code is possible.
	checkModes := func() {
		live := false
		for j, c := range credChecks {
			if c.Checked {
				live = true
				if !credBound[j] {
					live = false
					break
				}
			}
		}
		whole := ""
		for j, c := range credChecks {
			switch {
			case !c.Checked || !credWhole[j]:
			case credFormat[j] == wallet.FormatHCERT:
				whole = lang.L("An EU Digital COVID Certificate has no selective disclosure: the verifier sees everything on it.")
			case whole == "":
				// DIVOC certificates and W3C VCs.
				whole = lang.L("No selective disclosure: the verifier sees everything on it")
			}
		}
		if live {
			mode.Enable()
			setLabel(modeHint, whole)
			return
		}
		mode.SetSelected(modeNames[1])
		mode.Disable()
		setLabel(modeHint, strings.TrimSpace(lang.L("Live codes need records bound to this person's key (SD-JWT VC); these records give a static code.")+" "+whole))
	}

	applyPreset := func() {
		i := slices.Index(presetNames, preset.Selected)
		if i < 0 {
			return
		}
		p := presets[i]
		setLabel(desc, presetDescription(p))
		names0.SetChecked(p.Names)
		birth.SetChecked(p.BirthDate)
		for j, c := range diseaseChecks {
			c.SetChecked(p.Diseases == nil || slices.Contains(p.Diseases, diseases[j]))
		}
		if m := slices.Index(modes, p.Mode); m >= 0 && !mode.Disabled() {
			mode.SetSelected(modeNames[m])
		}
		touched = false
	}
	loadPerson := func() {
		i := person.SelectedIndex()
		if i < 0 {
			return
		}
		u.profile = ps[i].ID
		diseaseBox.RemoveAll()
		diseaseChecks, diseases = nil, nil
		groups, _ := u.w.Immunizations(u.profile)
		for _, g := range groups {
			c := widget.NewCheck(diseaseName(g.Disease), func(bool) { touched = true; u.touch() })
			diseaseChecks = append(diseaseChecks, c)
			diseases = append(diseases, g.Disease)
			diseaseBox.Add(c)
		}
		credBox.RemoveAll()
		credChecks, credIDs, credBound, credWhole, credFormat = nil, nil, nil, nil, nil
		creds, _ := u.w.Credentials(u.profile)
		for _, c := range creds {
			label := formatName(c.Format)
			if c.Issuer.Name != "" {
				label += " · " + display.Text(c.Issuer.Name)
			}
			label += " · " + statusText(c.Status)
			ch := widget.NewCheck(label, func(bool) { u.touch(); checkModes() })
			credChecks = append(credChecks, ch)
			credIDs = append(credIDs, c.ID)
			credBound = append(credBound, c.Bound && c.Format == wallet.FormatSDJWTVC)
			credWhole = append(credWhole, wallet.Whole(c.Format))
			credFormat = append(credFormat, c.Format)
			credBox.Add(ch)
		}
		if len(creds) == 0 {
			credBox.Add(para(lang.L("No records yet.")))
		}
		// Preselect the bound SD-JWT VCs (they disclose selectively and
		// can be live); without any, the verified records.
		anyBound := slices.Contains(credBound, true)
		for j, ch := range credChecks {
			if anyBound {
				ch.SetChecked(credBound[j])
			} else {
				ch.SetChecked(creds[j].Status == wallet.StatusVerified)
			}
		}
		applyPreset()
		checkModes()
	}
	person.OnChanged = func(string) { u.touch(); loadPerson() }
	preset.OnChanged = func(string) { u.touch(); applyPreset() }
	names0.OnChanged = func(bool) { touched = true; u.touch() }
	birth.OnChanged = func(bool) { touched = true; u.touch() }
	if len(presets) > 0 {
		preset.SetSelected(presetNames[0])
	}
	person.SetSelectedIndex(idx)

	show := newButtonIcon(lang.L("Show QR code"), theme.VisibilityIcon(), func() {
		req := wallet.PresentRequest{ProfileID: u.profile, To: strings.TrimSpace(to.Text)}
		if i := slices.Index(presetNames, preset.Selected); i >= 0 {
			req.Preset = presets[i].ID
			if touched {
				custom := presets[i]
				custom.ID = "custom"
				custom.Names, custom.BirthDate, custom.Diseases = names0.Checked, birth.Checked, []string{}
				all := true
				for j, c := range diseaseChecks {
					if c.Checked {
						custom.Diseases = append(custom.Diseases, diseases[j])
					} else {
						all = false
					}
				}
				if all && presets[i].Diseases == nil {
					custom.Diseases = nil // every dose, "Other" included
				}
				setCustom(&req, &custom)
			}
		}
		if m := slices.Index(modeNames, mode.Selected); m >= 0 {
			req.Mode = modes[m]
		}
		for j, c := range credChecks {
			if c.Checked {
				req.Credentials = append(req.Credentials, credIDs[j])
			}
		}
		u.presentNow(req)
	})
	show.Importance = widget.HighImportance
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Person"), person),
		widget.NewFormItem(lang.L("Context"), container.NewVBox(preset, desc)),
		widget.NewFormItem(lang.L("Disclose"), container.NewVBox(container.NewHBox(names0, birth), diseaseBox)),
		widget.NewFormItem(lang.L("Records"), credBox),
		widget.NewFormItem(lang.L("Mode"), container.NewVBox(mode, modeHint)),
		widget.NewFormItem(lang.L("For"), to),
	)
	return container.NewBorder(top, container.NewHBox(layout.NewSpacer(), show), nil, nil, container.NewVScroll(form))
}

// presentNow makes the presentation off the UI thread and shows its QR.
func (u *UI) presentNow(req wallet.PresentRequest) {
	u.touch()
	w := u.w
	async(func() (*wallet.Presentation, error) {
		return w.Present(req)
	}, func(p *wallet.Presentation, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		u.showQR(p)
	})
}

// showQR fills the window with the presentation's QR code: black on white,
// the largest square that fits, the screen kept awake, a countdown and a
// refresh every 30 s in live mode. Escape or Close returns.
func (u *UI) showQR(p *wallet.Presentation) {
	if p == nil || len(p.Items) == 0 {
		dialog.ShowInformation(lang.L("Present"), lang.L("Nothing to present: no record of this person holds what this context needs."), u.win)
		return
	}
	prev := u.win.Content()
	current := 0
	codes := qrCodes(p)
	code, err := newQRText(codes[0].text, 240)
	if err != nil {
		u.showError(err)
		return
	}
	counter := labelStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	counter.SizeName = theme.SizeNameSubHeadingText
	which := label("")
	what := label("")
	what.Truncation = fyne.TextTruncateEllipsis
	describe := func() {
		c := codes[current]
		it := p.Items[c.item]
		if c.proof {
			setLabel(what, joinDot([]string{lang.L("Anchoring proof"), lang.L("Show it after the record: the verifier reads both")}))
		} else if wallet.Whole(it.Format) {
			setLabel(what, joinDot([]string{formatName(it.Format), modeText(p.Mode),
				lang.L("No selective disclosure: the verifier sees everything on it")}))
		} else {
			setLabel(what, joinDot([]string{formatName(it.Format), modeText(p.Mode),
				lang.N("{{.Count}} item withheld", it.Withheld, map[string]any{"Count": formatInt(it.Withheld)})}))
		}
		if len(codes) > 1 {
			setLabel(which, lang.L("{{.N}} of {{.Of}}", map[string]any{"N": formatInt(current + 1), "Of": formatInt(len(codes))}))
		}
	}
	describe()
	next := newButtonIcon(lang.L("Next code"), theme.NavigateNextIcon(), func() {
		u.touch()
		current = (current + 1) % len(codes)
		if err := code.SetText(codes[current].text); err != nil {
			u.showError(err)
		}
		describe()
	})
	if len(codes) < 2 {
		next.Hide()
	}
	full := newButtonIcon(lang.L("Full screen"), theme.ViewFullScreenIcon(), func() {
		u.touch()
		u.win.SetFullScreen(!u.win.FullScreen())
	})
	stop := make(chan struct{})
	closeBtn := newButtonIcon(lang.L("Close"), theme.CancelIcon(), nil)
	u.closeQR = func() {
		close(stop)
		u.closeQR = nil
		u.app.Driver().SetDisableScreenBlanking(false)
		u.win.SetFullScreen(false)
		u.win.SetContent(prev)
		if u.w != nil {
			u.showSection(SectionPresent)
		}
	}
	closeBtn.OnTapped = func() {
		if u.closeQR != nil {
			u.closeQR()
		}
	}
	bar := container.NewHBox(closeBtn, full, next, which, layout.NewSpacer(), counter)
	u.win.SetContent(container.NewBorder(container.NewVBox(bar, what), nil, nil, nil, code))
	u.win.Canvas().Unfocus()
	u.app.Driver().SetDisableScreenBlanking(true)

	if p.Mode != wallet.ModeLive || p.Expires.IsZero() {
		setLabel(counter, lang.L("Static code"))
		return
	}
	refreshing := false
	tick := func() {
		left := time.Until(p.Expires).Round(time.Second)
		if left > 0 {
			setLabel(counter, lang.L("New code in {{.Seconds}} s", map[string]any{"Seconds": formatInt(int(left.Seconds()))}))
			return
		}
		if refreshing {
			return
		}
		refreshing = true
		setLabel(counter, lang.L("Refreshing…"))
		w, old := u.w, p
		async(func() (*wallet.Presentation, error) {
			return w.Refresh(old)
		}, func(np *wallet.Presentation, err error) {
			refreshing = false
			select {
			case <-stop:
				return
			default:
			}
			if err != nil {
				setLabel(counter, explain(err))
				p.Expires = time.Now().Add(5 * time.Second) // try again shortly
				return
			}
			p = np
			codes = qrCodes(p)
			if current >= len(codes) {
				current = 0
			}
			if err := code.SetText(codes[current].text); err != nil {
				setLabel(counter, explain(err))
			}
			describe()
		})
	}
	tick()
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				onUI(func() {
					select {
					case <-stop:
					default:
						tick()
					}
				})
			}
		}
	}()
}

// qrStep is one code of the QR screen: a presented item, or the anchoring
// proof that follows it (a second QR whose text is exactly the proof).
type qrStep struct {
	text  string
	item  int
	proof bool
}

func qrCodes(p *wallet.Presentation) []qrStep {
	var out []qrStep
	for i, it := range p.Items {
		out = append(out, qrStep{text: it.QR, item: i})
		if it.Proof != "" {
			out = append(out, qrStep{text: it.Proof, item: i, proof: true})
		}
	}
	return out
}

// challengeDialog reads a verifier's challenge (image or pasted text),
// says what it asks, and answers it if the user approves.
func (u *UI) challengeDialog() {
	u.touch()
	paste := widget.NewMultiLineEntry()
	paste.SetPlaceHolder(lang.L("Paste the challenge text (IPC1:…)"))
	paste.SetMinRowsVisible(3)
	paste.Wrapping = fyne.TextWrapBreak
	var d dialog.Dialog
	read := func(name string, data []byte) {
		w := u.w
		async(func() (*wallet.ChallengeRequest, error) {
			return w.ReadChallenge(name, data)
		}, func(c *wallet.ChallengeRequest, err error) {
			if err != nil {
				u.showError(err)
				return
			}
			d.Hide()
			u.approveChallenge(c)
		})
	}
	openImg := newButtonIcon(lang.L("Open the challenge image…"), theme.FolderOpenIcon(), func() {
		u.openFile(u.win, []string{".png", ".jpg", ".jpeg", ".gif", ".svg", ".txt"}, func(r fyne.URIReadCloser, err error) {
			if err != nil || r == nil {
				return
			}
			name := r.URI().Name()
			async(func() ([]byte, error) {
				defer r.Close()
				return io.ReadAll(io.LimitReader(r, 32<<20))
			}, func(b []byte, err error) {
				if err != nil {
					u.showError(err)
					return
				}
				read(name, b)
			})
		})
	})
	content := container.NewVBox(para(lang.L("The verifier shows a small QR code that says what it needs. Open a photo or screenshot of it, or paste its text.")), openImg, paste)
	d = dialog.NewCustomConfirm(lang.L("Answer a verifier's challenge"), lang.L("Read"), lang.L("Cancel"), content, func(ok bool) {
		if ok && strings.TrimSpace(paste.Text) != "" {
			read(lang.L("pasted text"), []byte(paste.Text))
		}
	}, u.win)
	d.Resize(fyne.NewSize(560, 0))
	d.Show()
}

// approveChallenge shows what the verifier asks for and lets the user
// approve (choosing the record) or refuse.
func (u *UI) approveChallenge(c *wallet.ChallengeRequest) {
	var labels []string
	for _, o := range c.Options {
		name := o.ProfileID
		if p, err := u.w.Profile(o.ProfileID); err == nil {
			name = p.Name()
		}
		labels = append(labels, name+" · "+shortID(o.CredentialID))
	}
	asks := container.NewVBox()
	for i, a := range c.Asks {
		ask := a
		if i < len(c.Paths) {
			ask = lang.X("claim."+strings.TrimSuffix(c.Paths[i], "[]"), a) // "doses[]": every dose
		}
		asks.Add(label("• " + ask))
	}
	info := []fyne.CanvasObject{
		labelStyle(lang.L("The verifier asks for:"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), asks,
	}
	if c.Purpose != "" {
		info = append(info, para(lang.L("Purpose: {{.Purpose}}", map[string]any{"Purpose": c.Purpose})))
	}
	if !c.Expires.IsZero() {
		info = append(info, label(lang.L("Valid until {{.Time}}", map[string]any{"Time": formatDateTime(c.Expires)})))
	}
	verifier := label(c.Verifier)
	verifier.Truncation = fyne.TextTruncateEllipsis
	info = append(info, label(lang.L("Verifier")), verifier)
	if len(c.Options) == 0 {
		info = append(info, para(lang.L("No record in this wallet can answer it (it needs a record bound to the person's key).")))
		dialog.ShowCustom(lang.L("Answer a verifier's challenge"), lang.L("Close"), container.NewVBox(info...), u.win)
		return
	}
	sel := widget.NewSelect(labels, nil)
	sel.SetSelectedIndex(0)
	info = append(info, label(lang.L("Answer with")), sel)
	d := dialog.NewCustomConfirm(lang.L("Answer a verifier's challenge"), lang.L("Approve"), lang.L("Refuse"), container.NewVBox(info...), func(ok bool) {
		u.touch()
		if !ok || sel.SelectedIndex() < 0 {
			return
		}
		o := c.Options[sel.SelectedIndex()]
		w := u.w
		async(func() (*wallet.Presentation, error) {
			return w.AnswerChallenge(c, o.CredentialID)
		}, func(p *wallet.Presentation, err error) {
			if err != nil {
				u.showError(err)
				return
			}
			u.showQR(p)
		})
	}, u.win)
	d.Resize(fyne.NewSize(560, 0))
	d.Show()
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
