package main

import (
	"flag"
	"go/parser"
	"go/token"
	"io"
	"strings"
	"testing"

	"warble/modem"
)

// The package doc lists every command, with the summary 'warble help'
// prints for it.
func TestPackageDocListsEveryCommand(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	doc := f.Doc.Text()
	if len(commands) < 10 {
		t.Fatalf("only %d commands listed", len(commands))
	}
	for _, c := range commands {
		name := c.name
		if !strings.Contains(doc, name+strings.Repeat(" ", 14-len(name))+c.summary+"\n") {
			t.Errorf("package doc does not list %s: %s", name, c.summary)
		}
	}
}

// -profile's help names every profile modem.Lookup accepts.
func TestProfileFlagNamesEveryProfile(t *testing.T) {
	for _, listen := range []bool{false, true} {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		profileFlag(fs, "room", listen)
		usage := fs.Lookup("profile").Usage
		for _, p := range append(modem.AutoProfiles(), modem.BellProfiles()...) {
			if _, err := modem.Lookup(p.Name); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(usage, p.Name) {
				t.Errorf("listen %v: -profile help %q does not name %s", listen, usage, p.Name)
			}
		}
		if strings.Contains(usage, "auto") != listen {
			t.Errorf("listen %v: -profile help %q", listen, usage)
		}
	}
}
