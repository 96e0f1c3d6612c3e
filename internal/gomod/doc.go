// Package gomod holds no code: its test checks that the module's go.mod and
// go.sum are tidy, so a dependency the code stops using, or starts using
// directly while go.mod still marks it indirect, fails the suite.
package gomod
