package ui

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/credential/oid4vci"
	"github.com/immunopass/immunopass/wallet"
)

// "Receive from clinic": the clinic shows an OpenID4VCI offer as a QR code
// and a PIN; the parent opens a picture of the code (or pastes its text or
// link), picks the person, types the PIN, and the wallet fetches, verifies
// and keeps the record (wallet.Receive). This screen is the only place the
// wallet goes online, and it says so before it does.

// ScreenReceive is the Receive screen, for cmd/wallet --screen.
const ScreenReceive = "receive"

// showReceive opens the Receive screen (under Import).
func (u *UI) showReceive() {
	u.showSection(SectionImport)
	u.setBody(u.receiveScreen())
}

// receiveClient is the HTTP client Receive uses; nil in the app (the
// wallet's own, HTTPS only). Tests set it.
var receiveClient *http.Client

// receiveButton opens the Receive screen (it sits on the Import screen).
func (u *UI) receiveButton() fyne.CanvasObject {
	b := newButtonIcon(lang.L("Receive from clinic"), theme.DownloadIcon(), func() {
		u.touch()
		u.showReceive()
	})
	b.Importance = widget.HighImportance
	return b
}

// receiveText turns a failure of Receive into a sentence in the user's
// language.
func receiveText(err error, host string) string {
	var re *wallet.ReceiveError
	if !errors.As(err, &re) {
		return explain(err)
	}
	switch re.Problem {
	case wallet.ProblemOffer:
		return lang.L("This is not an offer from a clinic. Open or paste the code the clinic shows under \"Send to wallet\".")
	case wallet.ProblemWrongPIN:
		return lang.L("The PIN is not right. Check the digits the clinic showed and try again.")
	case wallet.ProblemPIN:
		return lang.L("Type the PIN the clinic showed with the QR code.")
	case wallet.ProblemUsed:
		return lang.L("This offer has already been used. If you did not receive the record, ask the clinic for a new offer.")
	case wallet.ProblemExpired:
		return lang.L("This offer has expired — ask the clinic for a new one.")
	case wallet.ProblemBlocked:
		return lang.L("This offer was blocked after too many wrong PINs — ask the clinic for a new one.")
	case wallet.ProblemNetwork:
		return lang.L("The wallet could not reach the clinic ({{.Host}}). Check the internet connection and try again.", map[string]any{"Host": host})
	case wallet.ProblemPending:
		return lang.L("The clinic has not finished the record yet. Ask the clinic for a new offer in a few minutes.")
	}
	return lang.L("The clinic's server did not answer as expected. Try again later or ask the clinic.")
}

func stepText(s wallet.ReceiveStep, host string) string {
	switch s {
	case wallet.StepConnect:
		return lang.L("Connecting to {{.Host}}…", map[string]any{"Host": host})
	case wallet.StepPIN:
		return lang.L("Checking the PIN…")
	case wallet.StepReceive:
		return lang.L("Receiving the record…")
	case wallet.StepWait:
		return lang.L("The clinic is finishing the record; waiting…")
	}
	return lang.L("Checking the record…")
}

// receiveScreen is the Receive form: the offer, the person, the PIN, then
// progress and the result.
func (u *UI) receiveScreen() fyne.CanvasObject {
	var offer *oid4vci.Offer
	results := container.NewVBox()
	where := para("")
	where.Hide()
	problem := para("")
	problem.Importance = widget.DangerImportance
	problem.Hide()

	profs, _ := u.w.Profiles()
	names := make([]string, len(profs))
	selected := ""
	for i, p := range profs {
		names[i] = p.Name()
		if p.ID == u.profile || selected == "" {
			selected = p.Name()
		}
	}
	person := widget.NewSelect(names, nil)
	person.PlaceHolder = lang.L("Choose the person")
	if selected != "" {
		person.SetSelected(selected)
	}

	pin := widget.NewPasswordEntry()
	pin.SetPlaceHolder(lang.L("PIN"))
	pin.OnChanged = func(string) { u.touch() }

	paste := widget.NewMultiLineEntry()
	paste.SetPlaceHolder(lang.L("Paste the offer or its link here (openid-credential-offer://…)"))
	paste.SetMinRowsVisible(2)
	paste.Wrapping = fyne.TextWrapBreak

	fail := func(msg string) {
		setLabel(problem, msg)
		problem.Show()
	}
	// setOffer shows which clinic the wallet would contact.
	setOffer := func(data []byte) {
		problem.Hide()
		o, err := wallet.ReadOffer(data)
		if err != nil {
			offer = nil
			where.Hide()
			fail(receiveText(err, ""))
			return
		}
		offer = o
		setLabel(where, lang.L("The wallet will connect to {{.Host}} to receive the record. This is the only time ImmunoPass goes online.", map[string]any{"Host": wallet.ClinicHost(o)}))
		where.Show()
		if o.TxCode != nil && o.TxCode.Length > 0 {
			pin.SetPlaceHolder(lang.L("PIN ({{.Digits}} digits)", map[string]any{"Digits": o.TxCode.Length}))
		}
	}
	paste.OnChanged = func(s string) {
		u.touch()
		if strings.TrimSpace(s) != "" {
			setOffer([]byte(s))
		}
	}
	open := newButtonIcon(lang.L("Open the QR image…"), theme.FolderOpenIcon(), func() {
		u.touch()
		u.openFile(u.win, []string{".png", ".jpg", ".jpeg", ".gif", ".txt"}, func(r fyne.URIReadCloser, err error) {
			if err != nil {
				u.showError(err)
				return
			}
			if r == nil {
				return
			}
			async(func() ([]byte, error) {
				defer r.Close()
				return io.ReadAll(io.LimitReader(r, 16<<20))
			}, func(data []byte, err error) {
				if err != nil {
					u.showError(err)
					return
				}
				setOffer(data)
			})
		})
	})

	var receive *widget.Button
	receive = newButtonIcon(lang.L("Receive"), theme.DownloadIcon(), func() {
		u.touch()
		problem.Hide()
		if offer == nil {
			fail(lang.L("This is not an offer from a clinic. Open or paste the code the clinic shows under \"Send to wallet\"."))
			return
		}
		idx := person.SelectedIndex()
		if idx < 0 {
			fail(lang.L("Choose the person the record is for."))
			return
		}
		prof := profs[idx]
		host := wallet.ClinicHost(offer)
		progress := label(stepText(wallet.StepConnect, host))
		bar := widget.NewProgressBarInfinite()
		wait := container.NewVBox(progress, bar)
		results.Add(wait)
		receive.Disable()
		w, o, code := u.w, offer, pin.Text
		async(func() (*wallet.Received, error) {
			return w.Receive(context.Background(), o, code, prof.ID, wallet.ReceiveOptions{
				Client: receiveClient,
				Progress: func(s wallet.ReceiveStep) {
					text := stepText(s, host)
					if inline {
						setLabel(progress, text)
						return
					}
					onUI(func() { setLabel(progress, text) })
				},
			})
		}, func(got *wallet.Received, err error) {
			bar.Stop()
			results.Remove(wait)
			receive.Enable()
			if err != nil {
				fail(receiveText(err, host))
				if got == nil {
					return
				}
			}
			if len(got.Kept) > 0 {
				ok := para(lang.L("Received and kept for {{.Name}}: the record was checked and {{.Clinic}} is a verified issuer.", map[string]any{"Name": prof.Name(), "Clinic": host}))
				ok.Importance = widget.SuccessImportance
				results.Add(ok)
				if n := got.Kept[0].Copies; n > 1 {
					results.Add(para(lang.N("{{.Count}} unlinkable copy", n, map[string]any{"Count": formatInt(n)}) + " · " +
						lang.L("each code shown is a different copy, with its own key")))
				}
				pin.SetText("")
				paste.SetText("")
				offer = nil
				where.Hide()
			}
			if len(got.Unverified) > 0 {
				results.Add(para(lang.L("Received from {{.Clinic}}, but the wallet could not verify it. Look at it below before keeping it.", map[string]any{"Clinic": host})))
				for _, c := range got.Unverified {
					results.Add(u.candidateCard(c))
				}
			}
		})
	})
	receive.Importance = widget.HighImportance

	if u.cfg.Offer != "" { // opened with a deep link
		paste.SetText(u.cfg.Offer)
		u.cfg.Offer = ""
	}

	help := para(lang.L("At the clinic, the nurse shows a QR code and a PIN. Open a photo or screenshot of the QR code, or paste its text or link, then choose the person and type the PIN."))
	back := newButtonIcon(lang.L("Back"), theme.NavigateBackIcon(), func() { u.showSection(SectionImport) })
	form := container.NewVBox(heading(lang.L("Receive records from a clinic")), help, open, paste, where,
		label(lang.L("For")), person, pin, receive, problem, widget.NewSeparator())
	return container.NewBorder(form, back, nil, nil, container.NewVScroll(results))
}
