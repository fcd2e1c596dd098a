// Command repo writes a plug-in repository that the IBM Cloud CLI can install from and update
// from (`ibmcloud plugin repo-add NAME URL`, `plugin install kp-token -r NAME`, `plugin update
// kp-token -r NAME`): a folder that any static file server can serve as it is, with
//
//	OUT/bx/list            the repository's one JSON document, naming this version's binaries
//	OUT/<file>             each binary, copied from DIST
//
// bin/release.sh runs it after the cross-compilation, with the metadata `kp-token SendMetadata`
// printed on stdin:
//
//	kp-token SendMetadata | go run ./bin/repo -dist dist -out dist/repo [-url BASE] darwin/amd64=kp-token-0.1.0-darwin-amd64 …
//
// The format is the one public repositories serve (IBM's own at plugins.cloud.ibm.com, and
// self-hosted ones such as kui-shell/kask's bin/gen-and-update-plugins.js); IBM documents the
// fields of a plug-in's entry (the SDK's README: platform keys, a checksum that is the SHA-1 of
// the binary) but not the repository protocol itself:
//
//	{"plugins": [{"name", "aliases", "description", "created", "updated", "company", "homepage",
//	  "authors": [], "versions": [{"version", "updated", "doc_url", "min_cli_version",
//	  "binaries": [{"platform", "url", "checksum"}], "api_versions", "releaseNotesLink"}]}]}
//
// name, aliases, description (the plug-in's namespace's), version and min_cli_version come from
// the metadata the plug-in sends the CLI, so the repository says what the binary says. Times are
// RFC 3339 in UTC, whole seconds. Each url is BASE/<file> with -url, else the bare file name,
// relative to the repository's root.
//
// It exits 1, saying why, on metadata it cannot read, a platform the CLI has no key for, a file
// that is missing or named twice, or a base URL that is not an absolute http(s) URL.
package main

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// platforms are the CLI's keys for the targets Go builds: the SDK's README names osx, linux32,
// linux64, win32 and win64; IBM's publish requests ppc64le and s390x; the SDK's own platform
// detection osx-arm64 and linux-arm64.
var platforms = map[string]string{
	"darwin/amd64":  "osx",
	"darwin/arm64":  "osx-arm64",
	"linux/386":     "linux32",
	"linux/amd64":   "linux64",
	"linux/arm64":   "linux-arm64",
	"linux/ppc64le": "ppc64le",
	"linux/s390x":   "s390x",
	"windows/386":   "win32",
	"windows/amd64": "win64",
}

// List is the document at <repository>/bx/list.
type List struct {
	Plugins []Plugin `json:"plugins"`
}

// Plugin is one plug-in of a repository, with its versions.
type Plugin struct {
	Name        string    `json:"name"`
	Aliases     []string  `json:"aliases"`
	Description string    `json:"description"`
	Created     string    `json:"created"`
	Updated     string    `json:"updated"`
	Company     string    `json:"company"`
	Homepage    string    `json:"homepage"`
	Authors     []Author  `json:"authors"`
	Versions    []Version `json:"versions"`
}

// Author is one of a plug-in's authors.
type Author struct {
	Name     string `json:"name"`
	Homepage string `json:"homepage,omitempty"`
	Contact  string `json:"contact,omitempty"`
}

// Version is one version of a plug-in and its binaries.
type Version struct {
	Version          string   `json:"version"`
	Updated          string   `json:"updated"`
	DocURL           string   `json:"doc_url"`
	MinCLIVersion    string   `json:"min_cli_version"`
	Binaries         []Binary `json:"binaries"`
	APIVersions      []string `json:"api_versions"`
	ReleaseNotesLink string   `json:"releaseNotesLink"`
}

// Binary is a version's binary for one platform.
type Binary struct {
	Platform string `json:"platform"`
	URL      string `json:"url"`
	Checksum string `json:"checksum"` // SHA-1, hex
}

// metadata is what is read of the plug-in's metadata (plugin.PluginMetadata as SendMetadata
// prints it); pointers tell a missing field from a zero.
type metadata struct {
	Name          string
	Aliases       []string
	Version       *versionType
	MinCliVersion *versionType
	Namespaces    []struct{ Name, Description string }
}

type versionType struct{ Major, Minor, Build *int }

func (v *versionType) String() string {
	return fmt.Sprintf("%d.%d.%d", *v.Major, *v.Minor, *v.Build)
}

func (v *versionType) check(field string) error {
	if v == nil {
		return fmt.Errorf("the metadata has no %q", field)
	}
	for _, n := range []struct {
		name string
		n    *int
	}{{"Major", v.Major}, {"Minor", v.Minor}, {"Build", v.Build}} {
		if n.n == nil || *n.n < 0 {
			return fmt.Errorf("the metadata's %q has no non-negative %q", field, n.name)
		}
	}
	return nil
}

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "repo:", err)
		os.Exit(1)
	}
}

// run writes the repository as args ask, from the metadata on stdin; it reports the list's path
// on stdout.
func run(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("repo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dist := fs.String("dist", "dist", "the folder the binaries are in")
	out := fs.String("out", "dist/repo", "the repository's folder, made afresh")
	base := fs.String("url", "", "the URL the repository is served at; empty: relative URLs")
	homepage := fs.String("homepage", "", "the plug-in's homepage (also its doc_url)")
	company := fs.String("company", "", "the plug-in's company")
	at := fs.String("time", "", "the release time, RFC 3339; empty: $SOURCE_DATE_EPOCH, else now")
	created := fs.String("created", "", "when the plug-in was first released, RFC 3339; empty: the release time")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("name the binaries: GOOS/GOARCH=FILE …")
	}
	meta, err := readMetadata(stdin)
	if err != nil {
		return err
	}
	prefix, err := urlPrefix(*base)
	if err != nil {
		return err
	}
	updated, err := releaseTime(*at)
	if err != nil {
		return err
	}
	first := updated
	if *created != "" {
		if first, err = rfc3339(*created, "-created"); err != nil {
			return err
		}
	}

	type target struct{ platform, file string }
	var targets []target
	seenPlatform, seenFile := map[string]bool{}, map[string]bool{}
	for _, a := range fs.Args() {
		goosArch, file, ok := strings.Cut(a, "=")
		key, known := platforms[goosArch]
		switch {
		case !ok || file == "":
			return fmt.Errorf("%q is not GOOS/GOARCH=FILE", a)
		case !known:
			return fmt.Errorf("the IBM Cloud CLI has no platform key for %s", goosArch)
		case file != filepath.Base(file) || file == "bx" || strings.HasPrefix(file, "."):
			return fmt.Errorf("%q is not a plain file name in %s", file, *dist)
		case seenPlatform[key]:
			return fmt.Errorf("%s is named twice", goosArch)
		case seenFile[file]:
			return fmt.Errorf("%s is named twice", file)
		}
		seenPlatform[key], seenFile[file] = true, true
		targets = append(targets, target{key, file})
	}
	sort.Slice(targets, func(i, j int) bool { return targets[i].platform < targets[j].platform })
	for _, t := range targets {
		// Before the old repository goes: a release that lacks a binary leaves it as it was.
		if fi, err := os.Stat(filepath.Join(*dist, t.file)); err != nil {
			return err
		} else if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file", filepath.Join(*dist, t.file))
		}
	}

	// Afresh: no binary of an earlier run stays to be served.
	if err := os.RemoveAll(*out); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(*out, "bx"), 0o755); err != nil {
		return err
	}
	v := Version{
		APIVersions:   []string{},
		Version:       meta.Version.String(),
		Updated:       updated.Format(time.RFC3339),
		DocURL:        *homepage,
		MinCLIVersion: meta.MinCliVersion.String(),
	}
	for _, t := range targets {
		sum, err := copyFile(filepath.Join(*dist, t.file), filepath.Join(*out, t.file))
		if err != nil {
			return err
		}
		v.Binaries = append(v.Binaries, Binary{Platform: t.platform, URL: prefix + url.PathEscape(t.file), Checksum: sum})
	}
	list := List{Plugins: []Plugin{{
		Name:        meta.Name,
		Aliases:     append([]string{}, meta.Aliases...), // [] rather than null: a list, even empty
		Description: description(meta),
		Created:     first.Format(time.RFC3339),
		Updated:     updated.Format(time.RFC3339),
		Company:     *company,
		Homepage:    *homepage,
		Authors:     []Author{},
		Versions:    []Version{v},
	}}}
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(*out, "bx", "list")
	if err := writeFile(path, append(b, '\n')); err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, path)
	return err
}

// readMetadata reads and checks the plug-in's metadata: one JSON object.
func readMetadata(r io.Reader) (*metadata, error) {
	var m metadata
	dec := json.NewDecoder(r)
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("cannot read the metadata: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("the metadata is followed by more than white space")
	}
	if m.Name == "" {
		return nil, errors.New(`the metadata has no "Name"`)
	}
	if err := m.Version.check("Version"); err != nil {
		return nil, err
	}
	if err := m.MinCliVersion.check("MinCliVersion"); err != nil {
		return nil, err
	}
	if description(&m) == "" {
		return nil, fmt.Errorf("the metadata has no namespace %q with a description", m.Name)
	}
	return &m, nil
}

// description is the plug-in's own namespace's description: what `ibmcloud help` shows for it.
func description(m *metadata) string {
	for _, ns := range m.Namespaces {
		if ns.Name == m.Name {
			return ns.Description
		}
	}
	return ""
}

// urlPrefix is what each binary's file name is appended to: BASE/ for an absolute http(s) base,
// nothing without one.
func urlPrefix(base string) (string, error) {
	if base == "" {
		return "", nil
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("the repository URL %q is not an absolute http or https URL without a query", base)
	}
	return strings.TrimRight(base, "/") + "/", nil
}

// releaseTime is at, else $SOURCE_DATE_EPOCH (reproducible builds' convention), else now; UTC,
// whole seconds.
func releaseTime(at string) (time.Time, error) {
	if at != "" {
		return rfc3339(at, "-time")
	}
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q is not a count of seconds", s)
		}
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Now().UTC().Truncate(time.Second), nil
}

func rfc3339(s, flag string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not an RFC 3339 time such as 2026-12-01T00:00:00Z", flag, s)
	}
	return t.UTC().Truncate(time.Second), nil
}

// copyFile copies src to dst (executable, as served) and returns the SHA-1 of what it wrote.
func copyFile(src, dst string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer func() { _ = in.Close() }()
	if fi, err := in.Stat(); err != nil {
		return "", err
	} else if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", src)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return "", err
	}
	h := sha1.New()
	if _, err := io.Copy(io.MultiWriter(out, h), in); err != nil {
		_ = out.Close()
		return "", err
	}
	if err := out.Close(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeFile writes b to path through a temporary file renamed over it: a list is whole or absent.
func writeFile(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
