package ui

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/policy"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/internal/display"
	"github.com/immunopass/immunopass/verifier"
)

// ScreenAsk is the challenge screen (SD-JWT VC): the verifier shows a QR
// code asking for what a context needs, the holder's wallet answers with
// a QR code of its own, scanned like any other.
const ScreenAsk = "ask"

// ChallengeTTL is how long a challenge shown on the Ask screen may be
// answered (as `verifier challenge`'s default).
const ChallengeTTL = 5 * time.Minute

// claimPathRE is a claim path as `verifier challenge --claims` takes it:
// claim names (as in a context policy), dotted, each with an optional index.
var claimPathRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,63}(\[[0-9]{1,4}\])?(\.[a-z_][a-z0-9_]{0,63}(\[[0-9]{1,4}\])?)*$`)

// askState is the challenge on the Ask screen.
type askState struct {
	ch      *sdjwt.Challenge
	text    string          // its IPC1: text
	qr      fyne.Resource   // its QR code
	context *policy.Context // the context asked about, nil for custom claims
	claims  string          // what was asked, as claim paths
}

// askIdentity is this app run's challenge key: a challenge names its
// verifier (a did:key) for the wallet to sign to; only the public half is
// ever used, and nothing is kept (a new key at each start).
func (u *UI) askIdentity() (*jose.Key, error) {
	if u.askKey == nil {
		k, err := jose.GenerateKey()
		if err != nil {
			return nil, err
		}
		u.askKey = k
	}
	return u.askKey.Public(), nil
}

// NewChallenge makes the challenge the Ask screen shows: for a context's
// claims (ctx set) or for custom claims, a comma-separated list of claim
// paths as `verifier challenge --claims` takes it.
func (u *UI) NewChallenge(ctx *policy.Context, custom string) error {
	claims, purpose := strings.TrimSpace(custom), ""
	if ctx != nil {
		list := []string{}
		if claims != "" {
			list = strings.Split(claims, ",")
		}
		for _, n := range ctx.ClaimsNeeded() {
			if !slices.Contains(list, n) {
				list = append(list, n)
			}
		}
		claims, purpose = strings.Join(list, ","), ctx.TitleIn(current)
	}
	if claims == "" {
		return errors.New(tr("Say which claims to ask for, such as given_name,family_name,doses."))
	}
	for _, c := range strings.Split(claims, ",") {
		if c = strings.TrimSpace(c); c != "" && !claimPathRE.MatchString(c) {
			return errors.New(trf("{{.Claim}} is not a claim name such as given_name, family_name, birthdate or doses.", map[string]any{"Claim": fmt.Sprintf("%q", display.Text(c))}))
		}
	}
	paths, err := sdjwt.ParseClaimPaths(claims)
	if err != nil {
		return err
	}
	pub, err := u.askIdentity()
	if err != nil {
		return err
	}
	ch, err := sdjwt.NewChallenge(pub, paths, ChallengeTTL, purpose, u.now())
	if err != nil {
		return err
	}
	text := ch.Format()
	sym, err := qr.Encode(text, qr.M)
	if err != nil {
		return err
	}
	img, err := sym.PNGSize(600)
	if err != nil {
		return err
	}
	u.ask = &askState{ch: ch, text: text, qr: fyne.NewStaticResource("challenge.png", img), context: ctx, claims: claims}
	if u.answers == nil {
		u.answers = verifier.NewAnswers(0)
	}
	return nil
}

// Challenge returns the text of the challenge shown, "" when none.
func (u *UI) Challenge() string {
	if u.ask == nil {
		return ""
	}
	return u.ask.text
}

// askVerifier is the verifier for an answer scanned on the Ask screen: it
// accepts only answers to the challenge shown, each once, and answers the
// context asked about. ok is false (and the screen says why) when the
// challenge expired.
func (u *UI) askVerifier(v *verifier.Verifier) bool {
	if u.ask.ch.Expired(u.now()) {
		u.askProblem(trf("The challenge expired at {{.Time}}. Show a new one.", map[string]any{"Time": digits(u.ask.ch.Expires.Local().Format("15:04"))}))
		return false
	}
	v.Challenge, v.Answers = u.ask.ch.Expect(), u.answers
	if u.ask.context != nil {
		v.Context = u.ask.context
	}
	return true
}

// askProblem says on the Ask screen what went wrong.
func (u *UI) askProblem(msg string) {
	if u.askProb == nil {
		return
	}
	setLabel(u.askProb, msg)
	u.askProb.Show()
}

// askScreen: pick what to ask (a context, or custom claims), show the
// challenge QR, then scan, paste or open the answer the wallet shows.
func (u *UI) askScreen() fyne.CanvasObject {
	box := container.NewVBox(heading(tr("Ask for a credential")))
	box.Add(para(tr("For a wallet's SD-JWT credential: the wallet scans this screen's code and shows only what is asked. Then scan the code the wallet shows.")))
	custom := visualOrder(tr("Custom claims"))
	opts := []string{}
	byName := map[string]*policy.Context{}
	if u.contexts != nil {
		for _, c := range u.contexts.Contexts {
			o := visualOrder(contextName(c)) // a Select shows its options as given
			if _, dup := byName[o]; dup {
				o += " (" + c.Name + ")"
			}
			byName[o] = c
			opts = append(opts, o)
		}
	}
	opts = append(opts, custom)
	claims := widget.NewEntry()
	claims.SetPlaceHolder("given_name,family_name,doses")
	claims.Hide()
	sel := widget.NewSelect(opts, func(s string) {
		if s == custom {
			claims.Show()
		} else {
			claims.Hide()
		}
	})
	chosen := opts[0]
	if u.ask != nil {
		for o, c := range byName {
			if c == u.ask.context {
				chosen = o
			}
		}
		if u.ask.context == nil {
			chosen = custom
			claims.SetText(u.ask.claims)
		}
	} else if u.ver.Context != nil {
		for o, c := range byName {
			if c.Name == u.ver.Context.Name {
				chosen = o
			}
		}
	}
	sel.SetSelected(chosen)
	u.askProb = para("")
	u.askProb.Importance = widget.DangerImportance
	u.askProb.Hide()
	show := newButtonIcon(tr("Show the challenge"), theme.ViewRefreshIcon(), func() {
		ctx := byName[sel.Selected]
		text := ""
		if sel.Selected == custom {
			text = claims.Text
		}
		if err := u.NewChallenge(ctx, text); err != nil {
			u.askProblem(display.Clip(err.Error(), 2*display.Max))
			return
		}
		u.show(ScreenAsk)
	})
	show.Importance = widget.HighImportance
	form := widget.NewForm(widget.NewFormItem(tr("What to ask"), container.NewVBox(sel, claims)))
	box.Add(form)
	box.Add(container.NewHBox(show))
	box.Add(u.askProb)
	if u.ask != nil {
		box.Add(widget.NewSeparator())
		img := canvas.NewImageFromResource(u.ask.qr)
		img.FillMode = canvas.ImageFillContain
		img.ScaleMode = canvas.ImageScalePixels
		img.SetMinSize(fyne.NewSize(360, 360))
		var what *widget.Label
		if u.ask.context != nil {
			what = subheading(contextName(u.ask.context))
		}
		asks := para(tr("Asks for:") + " " + claimWords(u.ask.claims))
		until := para(trf("Valid until {{.Time}}.", map[string]any{"Time": digits(u.ask.ch.Expires.Local().Format("15:04"))}))
		step := subheading(tr("The wallet scans this code, then shows its answer: scan it now."))
		paste := newButtonIcon(tr("Paste"), theme.ContentPasteIcon(), u.pasteClipboard)
		open := newButtonIcon(tr("Open a file…"), theme.FolderOpenIcon(), u.openAFile)
		right := container.NewVBox()
		if what != nil {
			right.Add(what)
		}
		right.Add(asks)
		right.Add(until)
		right.Add(widget.NewSeparator())
		right.Add(step)
		right.Add(u.askCapture)
		right.Add(container.NewHBox(paste, open))
		box.Add(container.NewBorder(nil, nil, container.NewVBox(img), nil, container.NewPadded(right)))
	}
	box.Add(layout.NewSpacer())
	return container.NewVScroll(container.NewPadded(box))
}

// claimWords is a list of claim paths in words: the claims a context asks
// for by their names in the current language, others as written.
func claimWords(claims string) string {
	var out []string
	for _, c := range strings.Split(claims, ",") {
		switch c = strings.TrimSpace(c); c {
		case "given_name":
			out = append(out, tr("given name"))
		case "family_name":
			out = append(out, tr("family name"))
		case "birthdate":
			out = append(out, tr("birth date"))
		case "doses":
			out = append(out, tr("all doses"))
		case "":
		default:
			out = append(out, display.Text(c))
		}
	}
	sep := ", "
	if current == "ar" {
		sep = "، "
	}
	return strings.Join(out, sep)
}

// AskFor opens the Ask screen with a challenge for the context name, one
// of the rules in force (demos, screenshots: cmd/verifier-app --ask). An
// unknown name is a *policy.UnknownContextError.
func (u *UI) AskFor(name string) error {
	if u.contextsErr != nil {
		return u.contextsErr
	}
	c, err := u.contexts.Lookup(name)
	if err != nil {
		return err
	}
	if err := u.NewChallenge(c, ""); err != nil {
		return err
	}
	u.show(ScreenAsk)
	return nil
}
