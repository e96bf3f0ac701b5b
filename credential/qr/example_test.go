package qr_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/immunopass/immunopass/credential/qr"
)

func ExampleEncodeSHC() {
	sym, err := qr.EncodeSHC("shc:/" + strings.Repeat("0123456789", 239)) // 1195 JWS characters
	if err != nil {
		fmt.Println(err)
		return
	}
	png, _ := sym.PNG(4)
	texts, err := qr.Decode(png)
	fmt.Println(sym.Version(), sym.Modules(), err, texts[0] == sym.Text())
	// Output: 22 105 <nil> true
}

func ExampleDecode_corrupt() {
	sym, _ := qr.Encode("x", qr.L)
	_, err := qr.Decode(sym.SVG()[:40])
	var fe *qr.FormatError
	fmt.Println(errors.As(err, &fe))
	// Output: true
}
