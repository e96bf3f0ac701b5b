package ld

import "flag"

func flagUpdate() *bool {
	return flag.Bool("update", false, "rewrite the committed canonical vectors from the npm peer")
}
