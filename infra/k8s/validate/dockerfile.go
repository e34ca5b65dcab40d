package main

// The image the chart runs is built from the repository's Dockerfile; no
// engine runs where this is checked, so the Dockerfile is parsed with
// BuildKit's own parser, its instructions (and their flags) checked as
// `docker build` would, with the lint rules BuildKit applies while parsing.

import (
	"fmt"
	"os"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// A build stage as the parser understood it.
type stage struct {
	Name     string   `json:"name"`
	Base     string   `json:"base"`
	Commands []string `json:"commands"`
}

func checkDockerfile(path string) ([]stage, []error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, []error{err}
	}
	defer file.Close()
	parsed, err := parser.Parse(file)
	if err != nil {
		return nil, []error{fmt.Errorf("%s: %w", path, err)}
	}
	var problems []error
	for _, warning := range parsed.Warnings {
		line := 0
		if warning.Location != nil {
			line = warning.Location.Start.Line
		}
		problems = append(problems, fmt.Errorf("%s:%d: %s", path, line, warning.Short))
	}
	lint := linter.New(&linter.Config{
		Warn: func(rule, _, _, message string, location []parser.Range) {
			problems = append(problems, fmt.Errorf("%s:%d: %s: %s", path, lineOf(location), rule, message))
		},
	})
	stages, _, err := instructions.Parse(parsed.AST, lint)
	if err != nil {
		return nil, append(problems, fmt.Errorf("%s: %w", path, err))
	}
	out := make([]stage, 0, len(stages))
	for _, s := range stages {
		commands := make([]string, 0, len(s.Commands))
		for _, command := range s.Commands {
			commands = append(commands, command.Name())
		}
		out = append(out, stage{Name: s.Name, Base: s.BaseName, Commands: commands})
	}
	return out, problems
}

func lineOf(location []parser.Range) int {
	if len(location) == 0 {
		return 0
	}
	return location[0].Start.Line
}
