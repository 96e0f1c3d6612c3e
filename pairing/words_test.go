package pairing

import (
	"strings"
	"testing"
)

func TestWordList(t *testing.T) {
	if len(wordIndex) != len(wordList) {
		t.Fatalf("word list has %d distinct words, want %d", len(wordIndex), len(wordList))
	}
	for i, a := range wordList {
		for j, b := range wordList {
			if i != j && strings.HasPrefix(b, a) {
				t.Errorf("word %q is a prefix of %q", a, b)
			}
		}
		for _, c := range a {
			if c < 'a' || c > 'z' {
				t.Errorf("word %q has %q", a, c)
			}
		}
	}
}
