package ui

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/oid4vci"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/wallet"
)

// fakeClinic is a minimal OpenID4VCI issuer on loopback (the real one is
// issuer/web, which this package may not import; internal/e2e runs the
// wallet against it): PIN 123456, one SD-JWT VC per proof, signed with a
// key the wallet does not trust.
func fakeClinic(t *testing.T) (*httptest.Server, *oid4vci.Offer) {
	t.Helper()
	key, _ := jose.GenerateKey()
	rec, err := vax.FromFHIR(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	base := ts.URL
	reply := func(w http.ResponseWriter, code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET "+oid4vci.IssuerMetadataPath, func(w http.ResponseWriter, r *http.Request) {
		w.Write(oid4vci.NewIssuerMetadata(base, oid4vci.MetadataOptions{}).JSON())
	})
	mux.HandleFunc("GET "+oid4vci.ServerMetadataPath, func(w http.ResponseWriter, r *http.Request) {
		w.Write(oid4vci.NewServerMetadata(base).JSON())
	})
	mux.HandleFunc("POST "+oid4vci.TokenPath, func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.PostForm.Get("tx_code") != "123456" {
			reply(w, 400, &oid4vci.Error{Code: oid4vci.ErrInvalidGrant, Description: oid4vci.DescWrongPIN})
			return
		}
		reply(w, 200, oid4vci.TokenResponse{AccessToken: "tok", TokenType: "Bearer"})
	})
	mux.HandleFunc("POST "+oid4vci.NoncePath, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, oid4vci.NonceResponse{CNonce: "n1"})
	})
	mux.HandleFunc("POST "+oid4vci.CredentialPath, func(w http.ResponseWriter, r *http.Request) {
		var body [4096]byte
		n, _ := r.Body.Read(body[:])
		req, err := oid4vci.ParseCredentialRequest(body[:n], []string{oid4vci.ConfigSDJWT})
		if err != nil {
			reply(w, 400, err)
			return
		}
		var out oid4vci.CredentialResponse
		for i, p := range req.Proofs {
			pr, err := oid4vci.VerifyProof(i, p, base, testNow)
			if err != nil {
				reply(w, 400, err)
				return
			}
			is, err := sdjwt.Issue(key, sdjwt.IssueRequest{Issuer: base, IssuedAt: testNow, Holder: pr.Key, Claims: sdjwt.FromRecord(rec)})
			if err != nil {
				t.Error(err)
			}
			out.Credentials = append(out.Credentials, oid4vci.IssuedCredential{Credential: is.String()})
		}
		reply(w, 200, out)
	})
	return ts, &oid4vci.Offer{CredentialIssuer: base, ConfigurationIDs: []string{oid4vci.ConfigSDJWT}, PreAuthorizedCode: "code",
		TxCode: &oid4vci.TxCode{InputMode: "numeric", Length: 6}}
}

func TestReceiveScreen(t *testing.T) {
	u := newUI(t, "")
	firstRun(t, u)
	ts, offer := fakeClinic(t)
	receiveClient = ts.Client()
	defer func() { receiveClient = nil }()
	u.showSection(SectionImport)
	tap(t, u, "Receive from clinic")
	mustShow(t, u, "Receive records from a clinic", "At the clinic, the nurse shows a QR code and a PIN.")

	// Junk first: said plainly, nothing sent.
	paste := entry(t, u, "Paste the offer or its link here (openid-credential-offer://…)")
	test.Type(paste, "hello")
	mustShow(t, u, "This is not an offer from a clinic.")

	// The offer, as the QR code's text: the screen names the clinic first.
	paste.SetText(offer.URI())
	mustShow(t, u, "The wallet will connect to "+mustHost(t, offer.CredentialIssuer)+" to receive the record.")
	pin := entry(t, u, "PIN (6 digits)")
	test.Type(pin, "111111")
	tap(t, u, "Receive")
	mustShow(t, u, "The PIN is not right. Check the digits the clinic showed and try again.")

	pin.SetText("123456")
	tap(t, u, "Receive")
	// The fake clinic's key is not in the wallet's trust: the record arrives,
	// is shown with its verdict, and is not kept without the user.
	mustShow(t, u, "but the wallet could not verify it", "Amira")
	if creds, _ := u.w.Credentials(u.profile); len(creds) != 0 {
		t.Errorf("an unverified record was kept without asking: %d", len(creds))
	}
	// The wallet asked for wallet.DefaultCopies copies, each bound to its
	// own key: kept anyway, they are one record with its copies counted.
	tap(t, u, "Keep anyway…")
	tap(t, u, "Keep anyway")
	creds, err := u.w.Credentials("")
	if err != nil || len(creds) != 1 || creds[0].Copies != wallet.DefaultCopies {
		t.Fatalf("kept: %+v %v", creds, err)
	}
	u.showPerson(creds[0].ProfileID, 2) // Records
	mustShow(t, u, "5 unlinkable copies", "each code shown is a different copy, with its own key")
}

// TestReceiveFromImage: the offer read from a picture of the QR code.
func TestReceiveFromImage(t *testing.T) {
	_, offer := fakeClinic(t)
	sym, err := qr.Encode(offer.URI(), qr.M)
	if err != nil {
		t.Fatal(err)
	}
	png, _ := sym.PNGSize(600)
	u := newUI(t, "")
	firstRun(t, u)
	u.showSection(SectionImport)
	tap(t, u, "Receive from clinic")
	file := filepath.Join(t.TempDir(), "offer.png")
	os.WriteFile(file, png, 0o600)
	u.openFile = func(_ fyne.Window, _ []string, cb func(fyne.URIReadCloser, error)) {
		r, err := storage.Reader(storage.NewFileURI(file))
		cb(r, err)
	}
	tap(t, u, "Open the QR image…")
	mustShow(t, u, "The wallet will connect to "+mustHost(t, offer.CredentialIssuer))
}

func mustHost(t *testing.T, s string) string {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// TestReceiveDeepLink: the app opened with an offer link shows Receive with
// it, once unlocked.
func TestReceiveDeepLink(t *testing.T) {
	_, offer := fakeClinic(t)
	u := newUI(t, "")
	u.cfg.Offer = offer.URI()
	firstRun(t, u)
	mustShow(t, u, "Receive records from a clinic", "The wallet will connect to "+mustHost(t, offer.CredentialIssuer))
	if u.cfg.Offer != "" {
		t.Error("the deep link is kept after use")
	}
}
