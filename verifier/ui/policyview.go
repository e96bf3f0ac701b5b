package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/credential/policy"
	"github.com/immunopass/immunopass/internal/display"
	"github.com/immunopass/immunopass/verifier"
	"github.com/immunopass/immunopass/verifier/station"
)

// The context policy in force (Settings.Context): its rules come from the
// trust bundle when the registry posted some, else from those ImmunoPass
// ships, as `verifier verify --context` finds them.

// maxRulesShown bounds the rules listed under a context answer; the rest
// are counted ("And 3 more.").
const maxRulesShown = 6

// loadContexts finds the context policies in force and sets the verifier's
// context from the settings. A context the policies do not hold is kept in
// the settings (a bundle may bring it back) and said on the verdict and
// settings screens.
func (u *UI) loadContexts() {
	u.contexts, u.contextsFrom, u.contextsErr = station.Contexts(u.trust.Store)
	u.ver.Context, u.ver.Lang = nil, current
	if u.set.Context == "" || u.contextsErr != nil {
		return
	}
	if c, ok := u.contexts.Context(u.set.Context); ok {
		u.ver.Context = c
	}
}

// contextMissing says why the chosen context cannot be answered, or "".
func (u *UI) contextMissing() string {
	switch {
	case u.set.Context == "":
		return ""
	case u.contextsErr != nil:
		return tr("The trust bundle's rules cannot be read, so no rule can be checked:") + " " + u.contextsErr.Error()
	case u.ver.Context == nil:
		return trf("The rule {{.Name}} chosen in the settings is not in the rules in force.", map[string]any{"Name": display.Text(u.set.Context)})
	}
	return ""
}

// policyAnswer is the answer of the context in force, in words: the
// title with meets / does not meet / cannot tell (an icon and words, never
// colour alone), then the rules not met and those that could not be
// decided, each in words with its identifier small. It sets v.policy.
func (u *UI) policyAnswer(v *verdictView, p *policy.Verdict) fyne.CanvasObject {
	if p == nil {
		if msg := u.contextMissing(); msg != "" {
			v.policy = msg
			l := para(msg)
			l.Importance = widget.WarningImportance
			return l
		}
		return nil
	}
	var icon fyne.Resource
	var fg fyne.ThemeColorName
	title := display.Text(p.Title)
	switch p.Result {
	case policy.Meets:
		v.policy = trf("{{.Title}}: meets the rules", map[string]any{"Title": title})
		icon, fg = theme.ConfirmIcon(), theme.ColorNameSuccess
	case policy.Fails:
		v.policy = trf("{{.Title}}: does not meet the rules", map[string]any{"Title": title})
		icon, fg = theme.CancelIcon(), theme.ColorNameError
	default:
		v.policy = trf("{{.Title}}: cannot tell", map[string]any{"Title": title})
		icon, fg = theme.QuestionIcon(), theme.ColorNameWarning
	}
	ic := canvas.NewImageFromResource(u.verdictIcon(icon, fg))
	ic.FillMode = canvas.ImageFillContain
	ic.SetMinSize(fyne.NewSize(40, 40))
	head := labelStyle(v.policy, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.SizeName = theme.SizeNameHeadingText
	head.Wrapping = fyne.TextWrapWord
	box := container.NewVBox(container.NewBorder(nil, nil, ic, nil, head))
	if p.Problem != "" {
		box.Add(para(problemText(p.Problem)))
	}
	if p.Result == policy.Meets {
		box.Add(para(trn("{{.Count}} rule checked, all met.", len(p.Rules), nil)))
		return box
	}
	if !u.meetsFrom.IsZero() {
		v.meetsFrom = trf("Meets the rules from {{.Date}}.", map[string]any{"Date": formatDate(u.meetsFrom.Local().Format(time.DateOnly))})
		from := para(v.meetsFrom)
		from.SizeName = theme.SizeNameSubHeadingText
		from.TextStyle.Bold = true
		box.Add(from)
	}
	failed := p.Failed()
	for i, rv := range failed {
		if i == maxRulesShown {
			box.Add(label(trn("And {{.Count}} more.", len(failed)-maxRulesShown, nil)))
			break
		}
		how := tr("Not met:")
		if rv.Result != "fail" {
			how = tr("Cannot tell:")
		}
		words := para(how + " " + display.Text(rv.Description))
		words.SizeName = theme.SizeNameSubHeadingText
		box.Add(words)
		if rv.Problem != "" {
			box.Add(para(problemText(rv.Problem)))
		}
		id := label(display.Text(rv.ID))
		id.SizeName = theme.SizeNameCaptionText
		box.Add(id)
		v.rules = append(v.rules, rv.ID)
	}
	return box
}

// problemText is why a rule could not be decided, in the current language
// for the reasons package policy gives; other text as it came.
func problemText(s string) string {
	switch s {
	case "the credential does not show the birth date":
		return tr("The credential does not show the birth date.")
	case "the credential itself is not valid, so what it says cannot be relied on":
		return tr("The credential itself is not valid, so what it says cannot be relied on.")
	}
	return display.Text(s)
}

// contextName is a context in words, in the current language.
func contextName(c *policy.Context) string { return display.Text(c.TitleIn(current)) }

// contextSettings adds the context in force and the sound to the settings
// form.
func (u *UI) contextSettings(form *widget.Form) {
	none := visualOrder(tr("None: the credential's validity only"))
	opts := []string{none}
	names := map[string]string{} // option → context name
	chosen := none
	if u.contexts != nil {
		for _, c := range u.contexts.Contexts {
			o := visualOrder(contextName(c)) // a Select shows its options as given
			if _, dup := names[o]; dup {
				o += " (" + c.Name + ")"
			}
			names[o] = c.Name
			opts = append(opts, o)
			if c.Name == u.set.Context {
				chosen = o
			}
		}
	}
	sel := widget.NewSelect(opts, nil)
	sel.SetSelected(chosen)
	from := tr("The rules shipped with the app (no rules in the trust bundle).")
	if u.contextsFrom == station.ContextsFromBundle {
		from = tr("The rules come from the registry's trust bundle.")
	}
	note := para(from)
	missing := para(u.contextMissing())
	missing.Importance = widget.WarningImportance
	if missing.Text == "" {
		missing.Hide()
	}
	sel.OnChanged = func(s string) {
		name := names[s] // "" for none
		if name == u.set.Context {
			return
		}
		u.set.Context = name
		u.save()
		u.loadContexts()
		setLabel(missing, u.contextMissing())
		missing.Show()
		if missing.Text == "" {
			missing.Hide()
		}
	}
	form.Append(tr("Rule to check"), container.NewVBox(sel, note, missing,
		para(tr("Each verdict also says whether the credential meets this rule, such as school entry or yellow fever for travel."))))

	sound := widget.NewCheck(visualOrder(tr("Play a tone for each verdict (high for valid, low for not valid)")), nil)
	sound.SetChecked(u.set.Sound)
	sound.OnChanged = func(b bool) {
		if b != u.set.Sound {
			u.set.Sound = b
			u.save()
		}
	}
	form.Append(tr("Sound"), sound)
}

// checked is what a verification off the UI thread hands back.
type checked struct {
	results   []verifier.Result
	meetsFrom time.Time // see verifier.MeetsFrom; zero when not applicable
}

// check verifies, and for a credential that does not meet the rule yet,
// looks for the day it will (a few milliseconds at most: off the UI thread).
func check(v *verifier.Verifier, ins []verifier.Input) checked {
	c := checked{results: v.Verify(ins)}
	if _, r := station.Judge(c.results); r.Policy != nil && r.Policy.Result == policy.Fails {
		if day, ok := verifier.MeetsFrom(r, v.Context, v.At); ok {
			c.meetsFrom = day
		}
	}
	return c
}
