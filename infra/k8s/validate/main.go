// k8s-validate renders the lingostream Helm chart offline, with Helm's own
// chart loader and template engine, and decodes every rendered object
// strictly into its Kubernetes API type (k8s.io/api) or KEDA's CRD type: an
// unknown or misspelt field, a wrong type, or a kind no API knows fails, as
// the API server would refuse it on apply. It also checks the Dockerfile of
// the image the chart runs (dockerfile.go).
//
//	k8s-validate chart <chart dir> [values.yaml...]   render, then validate
//	k8s-validate manifest <file.yaml...>              validate plain manifests
//	k8s-validate dockerfile <Dockerfile>              parse and lint
//
// On success it prints what it checked as JSON (the objects, each as decoded
// into its type, or the Dockerfile's stages), so a test can look at it
// without parsing YAML again.
package main

import (
	"bufio"
	"bytes"
	encodejson "encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

// A named piece of YAML: a rendered template or a manifest file.
type document struct {
	source string
	body   []byte
}

func newDecoder() (runtime.Decoder, error) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := kedav1alpha1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	// Strict: unknown and duplicate fields are errors, not silently dropped.
	return json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme, json.SerializerOptions{Yaml: true, Strict: true}), nil
}

// render runs the chart's templates as `helm template` would, for a release
// named after the chart in namespace "lingostream".
func render(chartDir string, valueFiles []string) ([]document, error) {
	chrt, err := loader.Load(chartDir)
	if err != nil {
		return nil, fmt.Errorf("loading the chart: %w", err)
	}
	overrides := map[string]interface{}{}
	for _, file := range valueFiles {
		values, err := chartutil.ReadValuesFile(file)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", file, err)
		}
		// Later files win, as with repeated `helm template -f`.
		overrides = chartutil.CoalesceTables(values.AsMap(), overrides)
	}
	options := chartutil.ReleaseOptions{Name: chrt.Name(), Namespace: "lingostream", IsInstall: true, Revision: 1}
	// ToRenderValues also checks the values against values.schema.json.
	values, err := chartutil.ToRenderValues(chrt, overrides, options, chartutil.DefaultCapabilities)
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	rendered, err := engine.Render(chrt, values)
	if err != nil {
		return nil, fmt.Errorf("rendering: %w", err)
	}
	names := make([]string, 0, len(rendered))
	for name := range rendered {
		if strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	docs := make([]document, 0, len(names))
	for _, name := range names {
		docs = append(docs, document{source: name, body: []byte(rendered[name])})
	}
	return docs, nil
}

// validate decodes every YAML document of each source strictly and returns
// the objects, or every problem found.
func validate(decoder runtime.Decoder, docs []document) ([]runtime.Object, []error) {
	var objects []runtime.Object
	var problems []error
	for _, doc := range docs {
		reader := utilyaml.NewYAMLReader(bufioReader(doc.body))
		for index := 0; ; index++ {
			raw, err := reader.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				problems = append(problems, fmt.Errorf("%s: %w", doc.source, err))
				break
			}
			if len(bytes.TrimSpace(stripComments(raw))) == 0 {
				continue
			}
			obj, gvk, err := decoder.Decode(raw, nil, nil)
			if err != nil {
				problems = append(problems, fmt.Errorf("%s (document %d): %w", doc.source, index+1, err))
				continue
			}
			meta, ok := obj.(interface{ GetName() string })
			if !ok || meta.GetName() == "" {
				problems = append(problems, fmt.Errorf("%s (document %d): %s has no metadata.name", doc.source, index+1, gvk.Kind))
				continue
			}
			objects = append(objects, obj)
		}
	}
	return objects, problems
}

func main() {
	if len(os.Args) < 3 || (os.Args[1] != "chart" && os.Args[1] != "manifest" && os.Args[1] != "dockerfile") {
		fmt.Fprintln(os.Stderr, "usage: k8s-validate chart <chart dir> [values.yaml...] | k8s-validate manifest <file.yaml...> | k8s-validate dockerfile <Dockerfile>")
		os.Exit(2)
	}
	if os.Args[1] == "dockerfile" {
		stages, problems := checkDockerfile(os.Args[2])
		report(stages, problems)
		return
	}
	decoder, err := newDecoder()
	if err != nil {
		fail(err)
	}
	var docs []document
	if os.Args[1] == "chart" {
		docs, err = render(os.Args[2], os.Args[3:])
		if err != nil {
			fail(fmt.Errorf("%s: %w", os.Args[2], err))
		}
	} else {
		for _, file := range os.Args[2:] {
			body, err := os.ReadFile(file)
			if err != nil {
				fail(err)
			}
			docs = append(docs, document{source: filepath.Clean(file), body: body})
		}
	}
	objects, problems := validate(decoder, docs)
	if len(problems) == 0 && len(objects) == 0 {
		problems = append(problems, errors.New("no objects to validate"))
	}
	report(objects, problems)
}

// report prints the problems and exits 1, or prints what was checked as JSON.
func report(checked any, problems []error) {
	if len(problems) > 0 {
		for _, problem := range problems {
			fmt.Fprintf(os.Stderr, "k8s-validate: %v\n", problem)
		}
		os.Exit(1)
	}
	out, err := encodejson.MarshalIndent(checked, "", "  ")
	if err != nil {
		fail(err)
	}
	fmt.Println(string(out))
}

func bufioReader(body []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(body)) }

// stripComments drops whole-line comments, so a document that is only
// comments (a template whose condition was false) counts as empty.
func stripComments(raw []byte) []byte {
	var kept [][]byte
	for _, line := range bytes.Split(raw, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			kept = append(kept, line)
		}
	}
	return bytes.Join(kept, []byte("\n"))
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "k8s-validate: %v\n", err)
	os.Exit(1)
}
