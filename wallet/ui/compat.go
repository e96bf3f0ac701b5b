package ui

import "github.com/immunopass/immunopass/wallet"

// Until package wallet has the fields asked for in the contracts' change
// log (Reminder.Person/Vaccine/Disease/Dose, PresentRequest.Custom), the UI
// falls back on what exists.

func reminderData(r wallet.Reminder) map[string]any {
	return map[string]any{"Person": r.Title, "Vaccine": r.Detail, "Disease": "", "Date": formatDate(r.At), "Dose": ""}
}

func setCustom(req *wallet.PresentRequest, p *wallet.Preset) {}
