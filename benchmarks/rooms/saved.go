package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"warble/benchmarks/internal/bench"
)

// saved is a run's tallies as kept in the cache file, so that -report can
// rewrite the markdown and plots without measuring again.
type saved struct {
	Command string
	Date    time.Time
	Elapsed time.Duration
	Notes   []string
	Systems []savedSystem
	Records []record
}

type savedSystem struct{ Key, Name, Family, Signal string }

// record is one tally, keyed by names rather than indices so that a
// report run with the same flags finds it.
type record struct {
	System    string
	Room      string
	Condition string
	DistanceM float64
	tally
}

func (r *results) save(cfg config, path string) error {
	s := saved{Command: cfg.command, Date: r.date, Elapsed: r.elapsed, Notes: r.notes}
	for _, sys := range r.systems {
		s.Systems = append(s.Systems, savedSystem{sys.Key, sys.Name, sys.Family, sys.Signal})
		for c, t := range r.tallies[sys.Key] {
			s.Records = append(s.Records, record{sys.Key, cfg.rooms[c.room].String(), cfg.conds[c.cond].String(), c.distance, t})
		}
	}
	b, err := json.MarshalIndent(s, "", "\t")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// load reads the tallies of a saved run for the rooms and conditions of
// cfg; those cfg has but the run had not come out as not run.
func load(cfg *config, path string) (*results, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-report: %w", err)
	}
	var s saved
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("-report: %s: %w", path, err)
	}
	r := &results{tallies: map[string]map[cell]tally{}, notes: s.Notes, elapsed: s.Elapsed, date: s.Date}
	for _, sys := range s.Systems {
		r.systems = append(r.systems, bench.System{Key: sys.Key, Name: sys.Name, Family: sys.Family, Signal: sys.Signal})
		r.tallies[sys.Key] = map[cell]tally{}
	}
	rooms, conds := map[string]int{}, map[string]int{}
	for i, room := range cfg.rooms {
		rooms[room.String()] = i
	}
	for i, c := range cfg.conds {
		conds[c.String()] = i
	}
	found := 0
	for _, rec := range s.Records {
		ri, ok1 := rooms[rec.Room]
		ci, ok2 := conds[rec.Condition]
		if m, ok3 := r.tallies[rec.System]; ok1 && ok2 && ok3 {
			m[cell{ri, ci, rec.DistanceM}] = rec.tally
			found++
		}
	}
	if found == 0 {
		return nil, fmt.Errorf("-report: %s has no tallies for these rooms and conditions", path)
	}
	cfg.command = s.Command
	return r, nil
}
