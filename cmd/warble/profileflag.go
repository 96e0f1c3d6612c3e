package main

import (
	"flag"
	"strings"

	"warble/modem"
)

// profileNames returns every profile name -profile accepts, as
// [modem.Lookup] knows them: warble's, ggwave's and the Bell modems.
func profileNames() string {
	var names []string
	for _, p := range append(modem.AutoProfiles(), modem.BellProfiles()...) {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// profileFlag defines the -profile flag shared by the sound commands, with
// default def. A receiving command (listen) also accepts auto: warble's
// and ggwave's profiles at once.
func profileFlag(fs *flag.FlagSet, def string, listen bool) *string {
	if listen {
		return fs.String("profile", def, "profile to listen for: auto (warble's and ggwave's) or one of "+profileNames())
	}
	return fs.String("profile", def, "profile to send with: one of "+profileNames())
}
