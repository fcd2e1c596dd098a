package i18n_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/i18n"
)

// usedIDs returns the first argument of every call to T in the module's non-test Go files.
// A call whose ID is not a string literal is an error: its ID could not be checked.
func usedIDs(t *testing.T) map[string][]string {
	t.Helper()
	ids := map[string][]string{}
	root := ".."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != root || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			var name string
			switch fn := call.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				if x, ok := fn.X.(*ast.Ident); ok && x.Name == "i18n" {
					name = fn.Sel.Name
				}
			}
			if name != "T" && name != "N" {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: T called with a non-literal ID", fset.Position(call.Pos()))
				return true
			}
			id, err := strconv.Unquote(lit.Value)
			require.NoError(t, err)
			ids[id] = append(ids[id], fset.Position(call.Pos()).String())
			return true
		})
		return nil
	})
	require.NoError(t, err)
	return ids
}

// update rewrites all.en_US.json from the code: go test ./i18n -run TestEnUSMatchesCode -update
var update = flag.Bool("update", false, "rewrite resources/all.en_US.json with the IDs the code uses")

func TestEnUSMatchesCode(t *testing.T) {
	used := usedIDs(t)
	require.NotEmpty(t, used, "the scan found no T() calls: it is broken")
	if *update {
		var out []i18n.Message
		for id := range used {
			out = append(out, i18n.Message{ID: id, Translation: id})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		require.NoError(t, enc.Encode(out))
		require.NoError(t, os.WriteFile(filepath.Join("resources", "all."+i18n.DefaultLocale+".json"), b.Bytes(), 0o644))
		t.Skip("all.en_US.json rewritten; run again without -update")
	}

	messages, err := i18n.Messages(i18n.DefaultLocale)
	require.NoError(t, err)
	have := map[string]bool{}
	for _, m := range messages {
		assert.False(t, have[m.ID], "duplicate ID %q", m.ID)
		have[m.ID] = true
		assert.Equal(t, m.ID, m.Translation, "en_US translations are the IDs themselves")
	}
	var missing, unused []string
	for id, where := range used {
		if !have[id] {
			missing = append(missing, id+"  (used at "+where[0]+")")
		}
	}
	for id := range have {
		if _, ok := used[id]; !ok {
			unused = append(unused, id)
		}
	}
	sort.Strings(missing)
	sort.Strings(unused)
	assert.Empty(t, missing, "IDs used in code but missing from all.en_US.json")
	assert.Empty(t, unused, "IDs in all.en_US.json that no code uses")
}

func TestChoose(t *testing.T) {
	assert.Equal(t, "en_US", i18n.Choose())
	assert.Equal(t, "en_US", i18n.Choose("", "C", "POSIX"))
	assert.Equal(t, "en_US", i18n.Choose("xx_YY", "tlh"))
	assert.Equal(t, "en_US", i18n.Choose("en_GB.UTF-8"), "by language when the region is not shipped")
	assert.Equal(t, "en_US", i18n.Choose("en-us"))
}

func TestTFillsPlaceholdersAndFallsBack(t *testing.T) {
	i18n.Init("en_US")
	got := i18n.T("No IBM Cloud CLI configuration was found at '{{.Path}}'. Log in by running 'ibmcloud login', or 'ibmcloud login --sso' with a federated ID.",
		map[string]any{"Path": "/x/config.json"})
	assert.Contains(t, got, "'/x/config.json'")
	assert.Equal(t, "not an ID {{.X}}", i18n.T("not an ID {{.X}}"), "an unknown ID without args is returned as is")
}

func TestLocalePrecedence(t *testing.T) {
	en, err := fs.ReadFile(os.DirFS("resources"), "all.en_US.json")
	require.NoError(t, err)
	id := "You are not logged in. Log in by running 'ibmcloud login', or 'ibmcloud login --sso' with a federated ID."
	restore := i18n.UseResources(fstest.MapFS{
		"resources/all.en_US.json": {Data: en},
		"resources/all.fr_FR.json": {Data: []byte(`[{"id": "` + id + `", "translation": "Vous n'êtes pas connecté."}]`)},
		"resources/all.de_DE.json": {Data: []byte(`[{"id": "` + id + `", "translation": "Sie sind nicht angemeldet."}]`)},
	})
	defer restore()

	const fr, de = "Vous n'êtes pas connecté.", "Sie sind nicht angemeldet."
	for _, tc := range []struct {
		config, lcAll, lcMessages, lang string
		want                            string
	}{
		{"fr_FR", "de_DE.UTF-8", "de_DE.UTF-8", "de_DE.UTF-8", fr}, // the CLI's setting wins
		{"", "de_DE.UTF-8", "fr_FR.UTF-8", "fr_FR.UTF-8", de},      // then LC_ALL
		{"", "", "de_DE.UTF-8", "fr_FR.UTF-8", de},                 // then LC_MESSAGES
		{"", "", "", "fr_CA.UTF-8", fr},                            // then LANG, by language
		{"", "C", "POSIX", "de_AT.UTF-8", de},                      // C and POSIX name no language
		{"", "C", "", "ja_JP.UTF-8", id},                           // nothing shipped: en_US
		{"", "", "", "", id},
	} {
		t.Setenv("LC_ALL", tc.lcAll)
		t.Setenv("LC_MESSAGES", tc.lcMessages)
		t.Setenv("LANG", tc.lang)
		i18n.Init(tc.config)
		assert.Equal(t, tc.want, i18n.T(id), "%+v", tc)
		assert.Equal(t, "FAILED", i18n.T("FAILED"), "a missing translation falls back to en_US")
	}
}
