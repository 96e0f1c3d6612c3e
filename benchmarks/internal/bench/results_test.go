package bench

import "testing"

func TestReplaceSection(t *testing.T) {
	doc := "# T\n\n## A\n\na\n\n## Rooms\n\nold\n\n### sub\n\n```\n## not a heading\n```\n\n## B\n\nb\n"
	if got, want := Section(doc, "## Rooms"), "## Rooms\n\nold\n\n### sub\n\n```\n## not a heading\n```\n\n"; got != want {
		t.Errorf("Section = %q, want %q", got, want)
	}
	got := ReplaceSection(doc, "## Rooms", "## Rooms\n\nnew\n")
	if want := "# T\n\n## A\n\na\n\n## Rooms\n\nnew\n\n## B\n\nb\n"; got != want {
		t.Errorf("ReplaceSection = %q, want %q", got, want)
	}
	got = ReplaceSection("# T\n\n## A\n\na\n", "## Rooms", "## Rooms\n\nnew\n")
	if want := "# T\n\n## A\n\na\n\n## Rooms\n\nnew\n"; got != want {
		t.Errorf("ReplaceSection appending = %q, want %q", got, want)
	}
	if got := ReplaceSection("", "## Rooms", "## Rooms\n"); got != "## Rooms\n" {
		t.Errorf("ReplaceSection on empty = %q", got)
	}
	if Section(doc, "## Nope") != "" {
		t.Error("Section found a missing heading")
	}
}
