package bench

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// ModuleRoot walks up from the working directory to the directory holding
// warble's go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(strings.TrimSpace(string(b)), "module warble") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("bench: run inside the warble repository (no go.mod of module warble above the working directory)")
		}
		dir = parent
	}
}

// Section returns the section of the markdown document doc that starts
// with the line heading (for example "## Rooms") and runs to the next
// heading of the same or a higher level, or "" if doc has none.
func Section(doc, heading string) string {
	start, end := sectionBounds(doc, heading)
	if start < 0 {
		return ""
	}
	return doc[start:end]
}

// ReplaceSection returns doc with its section under heading (see
// [Section]) replaced by body, which should start with the heading line;
// body is appended, after a blank line, if doc has no such section.
func ReplaceSection(doc, heading, body string) string {
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	start, end := sectionBounds(doc, heading)
	if start < 0 {
		if doc != "" && !strings.HasSuffix(doc, "\n\n") {
			doc = strings.TrimRight(doc, "\n") + "\n\n"
		}
		return doc + body
	}
	rest := doc[end:]
	if rest != "" && !strings.HasSuffix(body, "\n\n") {
		body += "\n"
	}
	return doc[:start] + body + rest
}

// sectionBounds returns the byte range of heading's section in doc, or
// -1, -1. Lines inside ``` fences are not headings.
func sectionBounds(doc, heading string) (int, int) {
	level := len(heading) - len(strings.TrimLeft(heading, "#"))
	start := -1
	fenced := false
	for off := 0; off < len(doc); {
		line := doc[off:]
		next := len(doc)
		if i := strings.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
			next = off + i + 1
		}
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
		}
		if !fenced && strings.HasPrefix(line, "#") {
			l := len(line) - len(strings.TrimLeft(line, "#"))
			switch {
			case start < 0 && strings.TrimSpace(line) == heading:
				start = off
			case start >= 0 && l <= level && strings.HasPrefix(line[l:], " "):
				return start, off
			}
		}
		off = next
	}
	if start < 0 {
		return -1, -1
	}
	return start, len(doc)
}
