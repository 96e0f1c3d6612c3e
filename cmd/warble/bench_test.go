package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchJSON runs warble bench -json and splits its per-file objects from the
// summary.
func benchJSON(t *testing.T, args ...string) ([]benchResult, benchSummary, result) {
	t.Helper()
	args = append([]string{"bench", "-json"}, args...)
	r := warble(t, nil, args...)
	var files []benchResult
	var sum benchSummary
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if line == "" {
			continue
		}
		if strings.Contains(line, `"summary":true`) {
			if err := json.Unmarshal([]byte(line), &sum); err != nil {
				t.Fatalf("bench -json summary %q: %v", line, err)
			}
			continue
		}
		var b benchResult
		if err := json.Unmarshal([]byte(line), &b); err != nil {
			t.Fatalf("bench -json line %q: %v", line, err)
		}
		files = append(files, b)
	}
	return files, sum, r
}

func TestBenchFixtures(t *testing.T) {
	files, sum, r := benchJSON(t, fixtureDir)
	r.want(t, 0, "bench", fixtureDir)
	paths, _ := filepath.Glob(filepath.Join(fixtureDir, "*.wav"))
	if len(paths) == 0 || len(files) != len(paths) {
		t.Fatalf("bench scored %d files, the fixture folder has %d", len(files), len(paths))
	}
	if !sum.Summary || sum.Passed != len(paths) || sum.Failed != 0 || sum.Unscored != 0 {
		t.Errorf("summary %+v, want %d passed", sum, len(paths))
	}
	for _, f := range files {
		if f.Pass == nil || !*f.Pass {
			t.Errorf("%s: not passed: %+v", f.File, f)
		}
		if f.Expect == "found" && (f.Correct == nil || !*f.Correct || f.SNRdB == nil) {
			t.Errorf("%s: expected frame not reported correct with an SNR: %+v", f.File, f)
		}
		if f.AudioS <= 0 || f.XRealtime <= 0 {
			t.Errorf("%s: no audio length or speed: %+v", f.File, f)
		}
	}
	if sum.MedianXRealtime <= 0 || sum.TotalXRealtime <= 0 {
		t.Errorf("summary without speeds: %+v", sum)
	}
}

func TestBenchText(t *testing.T) {
	r := warble(t, nil, "bench", fixtureDir)
	r.want(t, 0, "bench", fixtureDir)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	last := lines[len(lines)-1]
	if !strings.Contains(last, " passed, 0 failed;") {
		t.Errorf("summary line %q", last)
	}
	if !strings.Contains(last, "median") || !strings.Contains(last, "total") {
		t.Errorf("summary line %q lacks the median and total speed", last)
	}
	if !strings.Contains(r.stdout, "noise-only.wav\tnone") {
		t.Errorf("noise-only.wav not reported as none:\n%s", r.stdout)
	}
}

// TestBenchFailing runs the fixture made to fail (it expects a payload its
// WAV does not carry) beside one that passes.
func TestBenchFailing(t *testing.T) {
	good := filepath.Join(fixtureDir, "audible-16k-hello.wav")
	files, sum, r := benchJSON(t, "../../testdata/bench", good)
	r.want(t, 1, "bench", "../../testdata/bench", good)
	if sum.Passed != 1 || sum.Failed != 1 {
		t.Errorf("summary %+v, want 1 passed, 1 failed", sum)
	}
	if len(files) != 2 || !strings.HasSuffix(files[0].File, "mislabeled.wav") {
		t.Fatalf("files %+v", files)
	}
	bad := files[0]
	if !bad.Found || bad.Correct == nil || *bad.Correct || bad.Pass == nil || *bad.Pass {
		t.Errorf("mislabeled.wav: %+v, want found but wrong, failed", bad)
	}
	if bad.Payload != "68656c6c6f" {
		t.Errorf("mislabeled.wav: reported payload %s, want the one it carries (hello)", bad.Payload)
	}
	if !strings.Contains(r.stderr, "1 of 2 scored files failed") {
		t.Errorf("stderr %q", r.stderr)
	}
	text := warble(t, nil, "bench", "../../testdata/bench")
	text.want(t, 1, "bench", "../../testdata/bench")
	if !strings.HasPrefix(text.stdout, "FAIL\t") || !strings.Contains(text.stdout, "\twrong\t") || !strings.Contains(text.stdout, "0 passed, 1 failed") {
		t.Errorf("text output:\n%s", text.stdout)
	}
}

func TestBenchExpectations(t *testing.T) {
	dir := t.TempDir()
	copyFixture := func(name, expect string) {
		b, err := os.ReadFile(filepath.Join(fixtureDir, "audible-16k-hello.wav"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".wav"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if expect != "" {
			if err := os.WriteFile(filepath.Join(dir, name+".expect"), []byte(expect), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A frame where none is expected fails; so does the right payload
	// under the wrong profile. A file without .expect is not scored.
	copyFixture("a-none", "expect: none\n")
	copyFixture("b-profile", "profile: fast\npayload: 68656c6c6f\nexpect: found\n")
	copyFixture("c-any", "# any frame will do\nexpect: found\n")
	copyFixture("d-unscored", "")
	files, sum, r := benchJSON(t, dir)
	r.want(t, 1, "bench", dir)
	if sum.Passed != 1 || sum.Failed != 2 || sum.Unscored != 1 {
		t.Errorf("summary %+v, want 1 passed, 2 failed, 1 unscored", sum)
	}
	want := []struct {
		pass    *bool
		correct *bool
	}{{ptr(false), nil}, {ptr(false), ptr(false)}, {ptr(true), ptr(true)}, {nil, nil}}
	for i, f := range files {
		if !eqPtr(f.Pass, want[i].pass) || !eqPtr(f.Correct, want[i].correct) {
			t.Errorf("%s: pass %v correct %v, want %v %v", f.File, str(f.Pass), str(f.Correct), str(want[i].pass), str(want[i].correct))
		}
	}
	// -profile fast hears nothing in an audible file.
	_, sum, r = benchJSON(t, "-profile", "fast", filepath.Join(dir, "c-any.wav"))
	r.want(t, 1, "bench", "-profile", "fast")
	if sum.Failed != 1 {
		t.Errorf("-profile fast: summary %+v", sum)
	}
}

func TestBenchBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	hello, err := os.ReadFile(filepath.Join(fixtureDir, "audible-16k-hello.wav"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, expect, stderr string
	}{
		{"typo", "expect: found\npayloda: 00\n", `unknown key "payloda"`},
		{"nohex", "payload: xyz\nexpect: found\n", "not non-empty hex"},
		{"noexpect", "profile: audible\n", "no expect: line"},
		{"maybe", "expect: maybe\n", "neither found nor none"},
		{"twice", "expect: none\nexpect: found\n", "given twice"},
		{"noneplus", "payload: 00\nexpect: none\n", "expect: none with a profile or payload"},
		{"nocolon", "expect found\n", "not a key: value line"},
	}
	for _, c := range cases {
		sub := filepath.Join(dir, c.name)
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, "x.wav"), hello, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, "x.expect"), []byte(c.expect), 0o644); err != nil {
			t.Fatal(err)
		}
		r := warble(t, nil, "bench", sub)
		r.want(t, 2, "bench", sub)
		if !strings.Contains(r.stderr, c.stderr) {
			t.Errorf("%s: stderr %q, want %q", c.name, r.stderr, c.stderr)
		}
	}

	garbage := write("garbage.wav", "not a wav file at all")
	r := warble(t, nil, "bench", "-json", garbage)
	r.want(t, 2, "bench", garbage)
	if !strings.Contains(r.stdout, `"error":`) {
		t.Errorf("unreadable file without an error field: %s", r.stdout)
	}
	for _, args := range [][]string{
		{"bench"},
		{"bench", filepath.Join(dir, "missing.wav")},
		{"bench", t.TempDir()},
		{"bench", "-profile", "nosuch", garbage},
		{"bench", "-bogus", garbage},
	} {
		r := warble(t, nil, args...)
		r.want(t, 2, args...)
		if !strings.Contains(r.stderr, "warble: error:") {
			t.Errorf("%v: stderr %q", args, r.stderr)
		}
	}
}

func ptr(b bool) *bool { return &b }

func eqPtr(a, b *bool) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func str(b *bool) string {
	if b == nil {
		return "nil"
	}
	if *b {
		return "true"
	}
	return "false"
}
