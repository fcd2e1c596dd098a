// Command metaversion prints the version in the plug-in metadata read from stdin, as
// MAJOR.MINOR.BUILD: bin/release.sh pipes `kp-token SendMetadata` into it, so that the release
// files are named after the version the binary reports to the CLI, wherever in the source that
// version comes from. (jq need not be installed, and sed on JSON would depend on the encoder's
// field order and spacing.)
//
//	kp-token SendMetadata | go run ./bin/metaversion
//
// It exits 1, saying why, unless stdin is one JSON object whose Version holds a non-negative
// integer Major, Minor and Build.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

func main() {
	v, err := version(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "metaversion:", err)
		os.Exit(1)
	}
	fmt.Println(v)
}

func version(r io.Reader) (string, error) {
	// Pointers, so that a missing field is told from a zero.
	var meta struct {
		Version *struct{ Major, Minor, Build *int }
	}
	dec := json.NewDecoder(r)
	if err := dec.Decode(&meta); err != nil {
		return "", fmt.Errorf("cannot read the metadata: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", errors.New("the metadata is followed by more than white space")
	}
	v := meta.Version
	if v == nil {
		return "", errors.New(`the metadata has no "Version"`)
	}
	for _, f := range []struct {
		name string
		n    *int
	}{{"Major", v.Major}, {"Minor", v.Minor}, {"Build", v.Build}} {
		if f.n == nil {
			return "", fmt.Errorf(`the metadata's "Version" has no %q`, f.name)
		}
		if *f.n < 0 {
			return "", fmt.Errorf(`the metadata's "Version" has a negative %q: %d`, f.name, *f.n)
		}
	}
	return fmt.Sprintf("%d.%d.%d", *v.Major, *v.Minor, *v.Build), nil
}
