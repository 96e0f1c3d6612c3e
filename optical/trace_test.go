package optical

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestReadTrace(t *testing.T) {
	tr, err := ReadTrace(strings.NewReader("\ufefftime,lux\n\n# comment\n0,1\n0.001\t2\n0.002 3\n0.003;4\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.T) != 4 || tr.T[3] != 0.003 || tr.V[3] != 4 {
		t.Fatalf("got %+v", tr)
	}
}

func TestReadTraceErrors(t *testing.T) {
	for _, in := range []string{
		"",
		"t,v\n",
		"0,1\n",
		"a,b\nc,d\n",
		"0,1\n1,2,3\n",
		"0,1\n1,x\n",
		"0,1\n1,NaN\n",
		"0,1\n1,Inf\n",
		"1,1\n0,1\n",
		"1,1\n1,2\n",
		strings.Repeat("9", 70000) + ",1\n",
	} {
		_, err := ReadTrace(strings.NewReader(in))
		var te *TraceError
		if !errors.Is(err, ErrTrace) || !errors.As(err, &te) {
			t.Errorf("%.30q: got %v, want a *TraceError", in, err)
		}
	}
}

func FuzzReadTrace(f *testing.F) {
	seeds, _ := filepath.Glob("../testdata/optical/*.csv")
	if len(seeds) == 0 {
		f.Fatal("no seeds in ../testdata/optical")
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := ReadTrace(strings.NewReader(string(b)))
		if err != nil {
			if !errors.Is(err, ErrTrace) {
				t.Fatalf("error %v does not wrap ErrTrace", err)
			}
			return
		}
		for i := 1; i < len(tr.T); i++ {
			if tr.T[i] < tr.T[i-1] {
				t.Fatal("times decrease")
			}
		}
		// Decoding any readable trace must not panic.
		if len(tr.T) < 20000 && tr.T[len(tr.T)-1]-tr.T[0] < 30 {
			Decode(tr, 60)
		}
	})
}

func TestNaturalLess(t *testing.T) {
	names := []string{"f10.png", "f9.png", "f1.png", "a.png", "f2b.png", "f2a.png"}
	sort.Slice(names, func(i, j int) bool { return naturalLess(names[i], names[j]) })
	if got, want := strings.Join(names, " "), "a.png f1.png f2a.png f2b.png f9.png f10.png"; got != want {
		t.Errorf("sorted %s, want %s", got, want)
	}
}
