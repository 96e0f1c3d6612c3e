package payload

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the json: lines of testdata/payload/*.txt from the code's output")

// vector is one block of a testdata/payload/*.txt file: key: value lines,
// blocks apart by blank lines, # lines comments.
type vector struct {
	file string
	line int
	kv   map[string]string
}

func readVectors(t testing.TB, glob string) []vector {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		t.Fatalf("no vector files match %s (err %v)", glob, err)
	}
	var vs []vector
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		cur := vector{file: name}
		n := 0
		for sc.Scan() {
			n++
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "#"):
			case strings.TrimSpace(line) == "":
				if cur.kv != nil {
					vs = append(vs, cur)
				}
				cur = vector{file: name}
			default:
				k, v, ok := strings.Cut(line, ":")
				if !ok {
					t.Fatalf("%s:%d: not key: value", name, n)
				}
				if cur.kv == nil {
					cur.kv, cur.line = map[string]string{}, n
				}
				cur.kv[k] = strings.TrimPrefix(v, " ")
			}
		}
		if cur.kv != nil {
			vs = append(vs, cur)
		}
		f.Close()
	}
	return vs
}

func (v vector) String() string { return fmt.Sprintf("%s:%d", filepath.Base(v.file), v.line) }

// decodeVector reads a vector's input: hex is an NDEF message, text a
// standard text form of kind, payload_hex a bt-oob or ble-oob record
// payload.
func decodeVector(v vector) (Typed, error) {
	kind := v.kv["kind"]
	switch {
	case v.kv["hex"] != "":
		b, err := hex.DecodeString(strings.ReplaceAll(v.kv["hex"], " ", ""))
		if err != nil {
			return Typed{}, fmt.Errorf("bad hex in vector: %v", err)
		}
		m, err := ParseMessage(b)
		if err != nil {
			return Typed{}, err
		}
		return FromNDEF(m)
	case v.kv["payload_hex"] != "":
		b, err := hex.DecodeString(strings.ReplaceAll(v.kv["payload_hex"], " ", ""))
		if err != nil {
			return Typed{}, fmt.Errorf("bad hex in vector: %v", err)
		}
		switch kind {
		case KindBTOOB:
			o, err := ParseBTOOB(b)
			if err != nil {
				return Typed{}, err
			}
			return NewBTOOB(o)
		case KindBLEOOB:
			o, err := ParseBLEOOB(b)
			if err != nil {
				return Typed{}, err
			}
			return NewBLEOOB(o)
		}
	case v.kv["text"] != "":
		return ParseTextForm(kind, v.kv["text"])
	case v.kv["json_in"] != "":
		return FromJSON(kind, []byte(v.kv["json_in"]))
	}
	return Typed{}, fmt.Errorf("vector has no input")
}

// TestVectors checks every vector: the decoded fields (as JSON) match,
// encoding the fields again gives the same bytes or text where the vector
// says it is canonical, and bad input fails with the field and offset
// named.
func TestVectors(t *testing.T) {
	vs := readVectors(t, "../testdata/payload/*.txt")
	rewrite := map[string]map[int]string{}
	for _, v := range vs {
		if v.kv["source"] == "" {
			t.Errorf("%v: vector has no source: line", v)
		}
		got, err := decodeVector(v)
		if want := v.kv["error"]; want != "" {
			if err == nil {
				t.Errorf("%v: decoded %s, want error %q", v, mustJSON(got), want)
				continue
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%v: error %q does not contain %q", v, err, want)
			}
			if off := v.kv["offset"]; off != "" {
				var se *SyntaxError
				if !errors.As(err, &se) || strconv.Itoa(se.Offset) != off {
					t.Errorf("%v: error %v: want a SyntaxError at offset %s", v, err, off)
				}
			}
			if !errors.Is(err, ErrSyntax) && v.kv["untyped_error"] == "" {
				t.Errorf("%v: error %v does not wrap ErrSyntax", v, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", v, err)
			continue
		}
		j := mustJSON(got)
		if *update {
			if rewrite[v.file] == nil {
				rewrite[v.file] = map[int]string{}
			}
			rewrite[v.file][v.line] = j
		} else if j != v.kv["json"] {
			t.Errorf("%v: fields\n got %s\nwant %s", v, j, v.kv["json"])
		}
		if got.Kind != v.kv["kind"] {
			t.Errorf("%v: kind %q, want %q", v, got.Kind, v.kv["kind"])
		}
		// The printed fields read back as the same payload.
		back, err := FromJSON(got.Kind, []byte(j))
		if err != nil {
			t.Errorf("%v: FromJSON of its own fields: %v", v, err)
		} else if bj := mustJSON(back); bj != j {
			t.Errorf("%v: through JSON\n got %s\nwant %s", v, bj, j)
		}
		if v.kv["canonical"] == "yes" {
			switch {
			case v.kv["hex"] != "":
				b, err := got.Message.Marshal()
				if want := strings.ReplaceAll(v.kv["hex"], " ", ""); err != nil || hex.EncodeToString(b) != want {
					t.Errorf("%v: encodes as %x (%v), want %s", v, b, err, want)
				}
			case v.kv["payload_hex"] != "":
				b := got.Message[0].Payload
				if want := strings.ReplaceAll(v.kv["payload_hex"], " ", ""); hex.EncodeToString(b) != want {
					t.Errorf("%v: encodes as %x, want %s", v, b, want)
				}
			case v.kv["text"] != "":
				s, err := got.QRText()
				if got.Matter != nil && got.Matter.FromManual {
					s, err = got.Matter.ManualCode()
				}
				if err != nil || s != v.kv["text"] {
					t.Errorf("%v: text form %q (%v), want %q", v, s, err, v.kv["text"])
				}
			}
		}
		if want := v.kv["manual_code"]; want != "" && got.Matter != nil {
			if c, err := got.Matter.ManualCode(); err != nil || c != want {
				t.Errorf("%v: manual code %q (%v), want %q", v, c, err, want)
			}
		}
	}
	for file, lines := range rewrite {
		rewriteJSON(t, file, lines)
	}
}

// rewriteJSON sets the json: line of each block starting at a line.
func rewriteJSON(t *testing.T, file string, blocks map[int]string) {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	var out []string
	cur := ""
	for i, l := range lines {
		if j, ok := blocks[i+1]; ok {
			cur = j
		}
		if strings.TrimSpace(l) == "" && cur != "" {
			out = append(out, "json: "+cur)
			cur = ""
		}
		if strings.HasPrefix(l, "json: ") {
			continue
		}
		out = append(out, l)
	}
	if err := os.WriteFile(file, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t Typed) string {
	b, err := json.Marshal(t)
	if err != nil {
		return "error: " + err.Error()
	}
	var buf bytes.Buffer
	json.Compact(&buf, b)
	return buf.String()
}
