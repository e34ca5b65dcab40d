// compose-check loads a Compose file with compose-go, the loader Docker
// Compose itself uses, and fails where `docker compose` would refuse it:
// the Compose Specification's JSON schema (an unknown or misspelt key is an
// error), interpolation and the consistency checks (every volume, network and
// dependency a service names is declared). A warning from the loader (an
// unset variable without a default, an obsolete `version`) fails it as well,
// since Compose would run a different file than the one written.
//
// On success it prints the loaded project as JSON, so a test can compare what
// Compose would run (images, volumes, environment) with the local stack.
//
//	compose-check docker-compose.yml
//
// The environment is empty on purpose: every ${VAR:-default} takes its
// default, whatever the shell that runs the check has set.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/sirupsen/logrus"
)

// warnings collects what the loader logs at warning level or above.
type warnings struct{ messages []string }

func (w *warnings) Levels() []logrus.Level {
	return []logrus.Level{logrus.PanicLevel, logrus.FatalLevel, logrus.ErrorLevel, logrus.WarnLevel}
}

func (w *warnings) Fire(entry *logrus.Entry) error {
	w.messages = append(w.messages, entry.Message)
	return nil
}

func load(path string) (*types.Project, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	seen := &warnings{}
	logrus.SetOutput(io.Discard)
	logrus.AddHook(seen)
	options, err := cli.NewProjectOptions([]string{abs},
		cli.WithWorkingDirectory(filepath.Dir(abs)),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
		// Services behind a profile are checked too.
		cli.WithProfiles([]string{"*"}),
	)
	if err != nil {
		return nil, err
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		return nil, err
	}
	if len(seen.messages) > 0 {
		return nil, fmt.Errorf("the loader warned: %s", strings.Join(seen.messages, "; "))
	}
	return project, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-check <compose file>")
		os.Exit(2)
	}
	project, err := load(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "compose-check: %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	out, err := project.MarshalJSON()
	if err != nil {
		fmt.Fprintf(os.Stderr, "compose-check: %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}
