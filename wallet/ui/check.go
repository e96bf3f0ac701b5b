package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/credential/policy"
	"github.com/immunopass/immunopass/internal/display"
	"github.com/immunopass/immunopass/wallet"
)

// checkView asks "Will these records pass?" for a context (school entry in
// the UAE or France, yellow fever, EU travel), with the wallet's own rules
// engine, offline, and says why in words.
func (u *UI) checkView(id string) fyne.CanvasObject {
	set, err := u.w.Contexts()
	if err != nil {
		return para(explain(err))
	}
	var titles []string
	byTitle := map[string]string{}
	for _, c := range set.Contexts {
		t := display.Text(c.TitleIn(current))
		titles = append(titles, t)
		byTitle[t] = c.Name
	}
	result := container.NewVBox()
	pick := widget.NewSelect(titles, nil)
	pick.PlaceHolder = lang.L("Choose a check")
	check := newButton(lang.L("Check"), func() {
		u.touch()
		result.RemoveAll()
		name := byTitle[pick.Selected]
		if name == "" {
			result.Add(para(lang.L("Choose a check")))
			return
		}
		cc, err := u.w.CheckContext(id, name, current)
		if err != nil {
			result.Add(para(explain(err)))
			return
		}
		u.showCheck(result, cc)
	})
	check.Importance = widget.HighImportance
	pick.OnChanged = func(string) { check.OnTapped() }
	intro := para(lang.L("Will these records pass a check? The same rules a verifier uses, on this device only."))
	return container.NewVScroll(container.NewVBox(intro, container.NewBorder(nil, nil, nil, check, pick), result))
}

// showCheck writes a context verdict: the answer first, then each rule not
// met or that could not be decided, in words.
func (u *UI) showCheck(box *fyne.Container, cc *wallet.ContextCheck) {
	v := cc.Verdict
	answer := map[policy.Outcome]string{
		policy.Meets:      lang.L("Meets the rules"),
		policy.Fails:      lang.L("Does not meet the rules"),
		policy.CannotTell: lang.L("Cannot tell"),
	}[v.Result]
	box.Add(subheading(answer))
	if v.Problem != "" {
		box.Add(para(display.Text(v.Problem)))
	}
	for _, r := range v.Failed() {
		text := display.Text(r.Description)
		if r.Result == "open" {
			text = lang.L("Cannot tell: {{.Rule}}", map[string]any{"Rule": text})
		}
		box.Add(para("• " + text))
	}
	if v.Result != policy.Meets && cc.Together.Result == policy.Meets {
		box.Add(para(lang.L("All the records together meet the rules, but no single credential shows every dose: ask the clinic for an up-to-date credential.")))
	}
	if len(cc.LeftOut) > 0 {
		box.Add(para(lang.L("Records that are not verified were not counted: a verifier would refuse them too.")))
	}
}
