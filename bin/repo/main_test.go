package main

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The seven platforms of a release and the CLI's keys for them.
var release = map[string]string{
	"darwin/amd64": "osx", "darwin/arm64": "osx-arm64", "linux/amd64": "linux64", "linux/arm64": "linux-arm64",
	"linux/ppc64le": "ppc64le", "linux/s390x": "s390x", "windows/amd64": "win64",
}

// sendMetadata builds the plug-in for this machine (as the end-to-end tests do, so the build
// cache serves both) and returns what it sends the CLI.
func sendMetadata(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "kp-token")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	build := exec.Command("go", "build", "-buildvcs=false", "-o", bin, ".")
	build.Dir = filepath.Join("..", "..", "plugin")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	cmd := exec.Command(bin, "SendMetadata")
	cmd.Env = append(os.Environ(), "IBMCLOUD_HOME="+dir)
	meta, err := cmd.Output()
	require.NoError(t, err)
	return meta
}

// release.sh's platforms are the seven, each with a key.
func TestReleaseScriptPlatforms(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "release.sh"))
	require.NoError(t, err)
	list := regexp.MustCompile(`(?s)\nplatforms=\(\n(.*?)\n\)`).FindSubmatch(b)
	require.NotNil(t, list, "release.sh has a platforms=( … ) list")
	var got []string
	for _, p := range strings.Fields(string(list[1])) {
		got = append(got, p)
		assert.Equal(t, release[p], platforms[p], p)
	}
	var want []string
	for p := range release {
		want = append(want, p)
	}
	assert.ElementsMatch(t, want, got)
}

// The repository names one version with a binary per platform: each url under the base URL
// names a file of the repository whose SHA-1 is its checksum, and every field the plug-in
// tells the CLI about itself is what the real binary's SendMetadata says.
func TestRepositoryFromTheRealMetadata(t *testing.T) {
	meta := sendMetadata(t)
	var m struct {
		Name          string
		Aliases       []string
		Version       struct{ Major, Minor, Build int }
		MinCliVersion struct{ Major, Minor, Build int }
		Namespaces    []struct{ Name, Description string }
	}
	require.NoError(t, json.Unmarshal(meta, &m))
	require.NotEmpty(t, m.Name)
	version := fmt.Sprintf("%d.%d.%d", m.Version.Major, m.Version.Minor, m.Version.Build)
	var desc string
	for _, ns := range m.Namespaces {
		if ns.Name == m.Name {
			desc = ns.Description
		}
	}
	require.NotEmpty(t, desc)

	for _, base := range []string{"https://example.com/kp/", "https://example.com/kp", ""} {
		t.Run("url="+base, func(t *testing.T) {
			dist, out := t.TempDir(), filepath.Join(t.TempDir(), "repo")
			// Each platform's "binary" is small and its own: what is checked is that each
			// entry's checksum is its own file's.
			args := []string{"-dist", dist, "-out", out, "-url", base, "-homepage", "https://example.com/home",
				"-time", "2026-12-01T10:20:30+01:00", "-created", "2026-11-01T00:00:00Z"}
			for p := range release {
				file := "kp-token-" + version + "-" + strings.ReplaceAll(p, "/", "-")
				require.NoError(t, os.WriteFile(filepath.Join(dist, file), []byte("binary for "+p), 0o755))
				args = append(args, p+"="+file)
			}
			// Stale files of an earlier run go.
			require.NoError(t, os.MkdirAll(out, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(out, "kp-token-0.0.1-linux-amd64"), nil, 0o644))
			var stdout bytes.Buffer
			require.NoError(t, run(args, bytes.NewReader(meta), &stdout))
			assert.Equal(t, filepath.Join(out, "bx", "list")+"\n", stdout.String())

			raw, err := os.ReadFile(filepath.Join(out, "bx", "list"))
			require.NoError(t, err)
			// Every field, and no other.
			var keys struct {
				Plugins []map[string]json.RawMessage
			}
			require.NoError(t, json.Unmarshal(raw, &keys))
			require.Len(t, keys.Plugins, 1)
			assert.ElementsMatch(t, []string{"name", "aliases", "description", "created", "updated", "company", "homepage", "authors", "versions"}, mapKeys(keys.Plugins[0]))
			var versions []map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(keys.Plugins[0]["versions"], &versions))
			require.Len(t, versions, 1)
			assert.ElementsMatch(t, []string{"version", "updated", "doc_url", "min_cli_version", "binaries", "api_versions", "releaseNotesLink"}, mapKeys(versions[0]))
			for _, list := range []json.RawMessage{keys.Plugins[0]["aliases"], keys.Plugins[0]["authors"], versions[0]["api_versions"]} {
				assert.Equal(t, byte('['), list[0], "a list, even empty, never null: %s", list)
			}

			var list List
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			require.NoError(t, dec.Decode(&list))
			p := list.Plugins[0]
			assert.Equal(t, m.Name, p.Name)
			assert.Equal(t, append([]string{}, m.Aliases...), p.Aliases, "the namespace's aliases, [] when none")
			assert.Equal(t, desc, p.Description)
			assert.Equal(t, "2026-11-01T00:00:00Z", p.Created)
			assert.Equal(t, "2026-12-01T09:20:30Z", p.Updated)
			assert.Equal(t, "https://example.com/home", p.Homepage)
			assert.Equal(t, []Author{}, p.Authors)
			v := p.Versions[0]
			assert.Equal(t, version, v.Version)
			assert.Equal(t, fmt.Sprintf("%d.%d.%d", m.MinCliVersion.Major, m.MinCliVersion.Minor, m.MinCliVersion.Build), v.MinCLIVersion)
			assert.Equal(t, p.Updated, v.Updated)
			assert.Equal(t, "https://example.com/home", v.DocURL)
			for _, s := range []string{p.Created, p.Updated} {
				_, err := time.Parse(time.RFC3339, s)
				assert.NoError(t, err)
			}

			var keysSeen []string
			served := map[string]bool{}
			for _, b := range v.Binaries {
				keysSeen = append(keysSeen, b.Platform)
				rel := b.URL
				if base != "" {
					prefix := strings.TrimSuffix(base, "/") + "/"
					require.True(t, strings.HasPrefix(b.URL, prefix), b.URL)
					rel = strings.TrimPrefix(b.URL, prefix)
				}
				require.NotContains(t, rel, "/", "a file at the repository's root")
				served[rel] = true
				file, err := os.ReadFile(filepath.Join(out, rel))
				require.NoError(t, err, b.URL)
				sum := sha1.Sum(file)
				assert.Equal(t, hex.EncodeToString(sum[:]), b.Checksum, b.URL)
				assert.Equal(t, "binary for ", string(file[:11]))
				assert.Equal(t, b.Platform, release[strings.TrimPrefix(string(file), "binary for ")], "%s holds the %s binary", b.URL, b.Platform)
			}
			want := []string{}
			for _, k := range release {
				want = append(want, k)
			}
			assert.ElementsMatch(t, want, keysSeen)
			assert.True(t, sort.SliceIsSorted(v.Binaries, func(i, j int) bool { return v.Binaries[i].Platform < v.Binaries[j].Platform }))

			// The folder holds the list and the binaries, nothing else.
			entries, err := os.ReadDir(out)
			require.NoError(t, err)
			var names []string
			for _, e := range entries {
				if e.Name() != "bx" {
					names = append(names, e.Name())
					assert.True(t, served[e.Name()], "%s is named by no url", e.Name())
				}
			}
			assert.Len(t, names, len(release))
		})
	}
}

// What it refuses, before writing anything.
func TestRepositoryRefuses(t *testing.T) {
	meta := `{"Name":"kp-token","Version":{"Major":0,"Minor":1,"Build":0},"MinCliVersion":{"Major":2,"Minor":0,"Build":0},"Namespaces":[{"Name":"kp-token","Description":"Print tokens."}]}`
	dist := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dist, "a"), []byte("a"), 0o755))
	for _, c := range []struct {
		meta string
		args []string
		want string
	}{
		{meta, []string{"linux/mips=a"}, "no platform key for linux/mips"},
		{meta, []string{"linux/amd64"}, "is not GOOS/GOARCH=FILE"},
		{meta, []string{"linux/amd64=a", "linux/amd64=a"}, "named twice"},
		{meta, []string{"linux/amd64=../a"}, "not a plain file name"},
		{meta, []string{"linux/amd64=missing"}, "missing"},
		{meta, []string{"-url", "example.com/kp", "linux/amd64=a"}, "not an absolute http or https URL"},
		{meta, []string{"-url", "https://example.com/kp?x=1", "linux/amd64=a"}, "not an absolute http or https URL"},
		{meta, []string{"-time", "yesterday", "linux/amd64=a"}, "not an RFC 3339 time"},
		{meta, nil, "name the binaries"},
		{`{"Name":"kp-token"}`, []string{"linux/amd64=a"}, `no "Version"`},
		{`{"Name":"kp-token","Version":{"Major":0,"Minor":1,"Build":0},"MinCliVersion":{"Major":2,"Minor":0}}`, []string{"linux/amd64=a"}, `"MinCliVersion" has no non-negative "Build"`},
		{strings.Replace(meta, `"Name":"kp-token","Description"`, `"Name":"other","Description"`, 1), []string{"linux/amd64=a"}, "no namespace"},
		{meta + "{}", []string{"linux/amd64=a"}, "followed by more"},
	} {
		out := filepath.Join(t.TempDir(), "repo")
		err := run(append([]string{"-dist", dist, "-out", out}, c.args...), strings.NewReader(c.meta), &bytes.Buffer{})
		if assert.Error(t, err, "%v", c.args) {
			assert.Contains(t, err.Error(), c.want)
		}
		_, statErr := os.Stat(filepath.Join(out, "bx", "list"))
		assert.True(t, os.IsNotExist(statErr), "no list after %v", c.args)
	}
}

func mapKeys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
