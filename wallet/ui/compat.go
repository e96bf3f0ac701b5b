package ui

import "github.com/immunopass/immunopass/wallet"

// setCustom passes the user's own choice of claims (the checkboxes, once
// touched) instead of the preset: package wallet maps name, birth date and
// diseases to the credential's claims.
func setCustom(req *wallet.PresentRequest, p *wallet.Preset) {
	req.Custom = p
}
