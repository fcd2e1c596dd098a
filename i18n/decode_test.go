package i18n

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// viaJSON is what encoding/json makes of a resource file, the answer decode must give.
func viaJSON(data []byte) (map[string]string, error) {
	var list []Message
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, err
	}
	m := make(map[string]string, len(list))
	for _, msg := range list {
		m[msg.ID] = msg.Translation
	}
	return m, nil
}

// TestEmbeddedAreTheResourceFiles: shipped embeds every resources/all.<locale>.json, each as
// it is on disk, and nothing else.
func TestEmbeddedAreTheResourceFiles(t *testing.T) {
	names, err := filepath.Glob(filepath.Join("resources", "all.*.json"))
	require.NoError(t, err)
	var onDisk []string
	for _, name := range names {
		onDisk = append(onDisk, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(name), "all."), ".json"))
	}
	var embeddedLocales []string
	for _, f := range shipped {
		embeddedLocales = append(embeddedLocales, f.locale)
		data, err := os.ReadFile(filepath.Join("resources", "all."+f.locale+".json"))
		if assert.NoError(t, err, "%s is embedded but not in resources/", f.locale) {
			assert.Equal(t, string(data), f.file, "%s: the embedded file is another one", f.locale)
		}
	}
	slices.Sort(onDisk)
	assert.Equal(t, onDisk, embeddedLocales, "a file in resources/ that shipped does not embed (add it there, in order), or the reverse")
}

// asMap is a catalog as a map from ID to translation.
func asMap(c catalog) map[string]string {
	m := make(map[string]string, len(c))
	for _, e := range c {
		m[e.id] = e.translation
	}
	return m
}

// TestDecodeReadsEveryShippedFileInOnePass: every shipped file is valid UTF-8 (decode does not
// check), of the shape decode reads itself, with its IDs in order, and decode reads it as
// encoding/json does.
func TestDecodeReadsEveryShippedFileInOnePass(t *testing.T) {
	for _, f := range shipped {
		assert.True(t, utf8.ValidString(f.file), "%s: not UTF-8", f.locale)
		c, sorted, ok := scan(f.file)
		assert.True(t, ok, "%s: the one-pass reader gave up on it (encoding/json read it instead)", f.locale)
		assert.True(t, sorted, "%s: the IDs are not in all.en_US.json's order (sorted), so every start-up sorts them", f.locale)
		want, err := viaJSON([]byte(f.file))
		require.NoError(t, err, f.locale)
		assert.Equal(t, want, asMap(c), f.locale)
	}
}

func TestCatalogLookup(t *testing.T) {
	c, err := decode(`[{"id":"b","translation":"B"},{"id":"a","translation":"A1"},{"id":"c","translation":"C"},{"id":"a","translation":"A2"}]`)
	require.NoError(t, err)
	assert.Equal(t, catalog{{"a", "A2"}, {"b", "B"}, {"c", "C"}}, c, "sorted, the last of an ID kept")
	for id, want := range map[string]string{"a": "A2", "b": "B", "c": "C"} {
		got, ok := c.lookup(id)
		assert.True(t, ok, id)
		assert.Equal(t, want, got, id)
	}
	for _, id := range []string{"", "0", "aa", "d"} {
		_, ok := c.lookup(id)
		assert.False(t, ok, id)
	}
	_, ok := catalog(nil).lookup("a")
	assert.False(t, ok)
}

// decodeCases are inputs of every shape: decode must answer as encoding/json does.
var decodeCases = []string{
	`[]`,
	` [ ] `,
	`[{"id":"a","translation":"b"}]`,
	"[\n  {\n    \"id\": \"a\",\n    \"translation\": \"b\"\n  }\n]\n",
	"[\r\n\t{\"translation\" : \"b\" , \"id\" : \"a\"} ,{\"id\":\"c\",\"translation\":\"d\"}\r\n]",
	`[{"id":"a","translation":"b"},{"id":"a","translation":"c"}]`, // the last wins
	`[{"id":"b","translation":"1"},{"id":"a","translation":"2"},{"id":"b","translation":"3"}]`,
	`[{"id":"a","id":"x","translation":"b"}]`,
	`[{"id":"q\"uote","translation":"back\\slash \/ \n \t \u00e9 \ud83d\ude00 {{.X}}"}]`,
	`[{"id":"a\u0027b","translation":"\u65e5\u672c"}]`,
	`[{"id":"日本語","translation":"한국어 中文 Français"}]`,
	`[{"id":"a","translation":"bad escape \x"}]`,
	`[{"id":"a","translation":"lone surrogate \ud800"}]`,
	"[{\"id\":\"a\",\"translation\":\"raw\nnewline\"}]", // kept as it is (see decode)
	"[{\"id\":\"a\",\"translation\":\"raw\ttab\"}]",     // idem
	"[{\"id\":\"a\",\"translation\":\"raw\nnewline, escaped \\\" quote\"}]",
	"[{\"id\":\"a\",\"translation\":\"bad utf-8 \xff\xfe\"}]",       // kept as it is (see decode)
	"[{\"id\":\"a\",\"translation\":\"truncated utf-8 \xe6\x97\"}]", // idem
	"[{\"id\":\"a\",\"translation\":\"bad utf-8 \xff\", \"x\": 1}]", // encoding/json decides
	"[\xff]",
	`[{"ID":"a","Translation":"b"}]`, // encoding/json matches keys case-insensitively
	`[{"id":"a","translation":"b","modified":false}]`,
	`[{"id":"a"}]`,
	`[{"translation":"b"}]`,
	`[{}]`,
	`[{"id":null,"translation":"b"}]`,
	`[{"id":1,"translation":"b"}]`,
	`[null]`,
	`[{"id":"a","translation":"b"}`,
	`[{"id":"a","translation":"b"}]x`,
	`[{"id":"a","translation":"b"},]`,
	`[{"id":"a","translation":"b",}]`,
	`[{"id":"a" "translation":"b"}]`,
	`[{"id":"a","translation":"b}]`,
	`[{"id":"a\`,
	`{"id":"a","translation":"b"}`,
	`null`,
	``,
	`"`,
}

// sameAsJSON holds decode's answer for in to encoding/json's: the same error or none, and the
// same messages, but for the two things decode keeps as they are (see decode): a control
// character in a string without escapes, and bytes that are not UTF-8.
func sameAsJSON(t *testing.T, in string) {
	t.Helper()
	c, gotErr := decode(in)
	want, wantErr := viaJSON([]byte(in))
	if wantErr != nil && gotErr == nil && strings.ContainsFunc(in, func(r rune) bool { return r < 0x20 }) {
		// encoding/json refuses a control character that decode may keep: the same once the
		// control characters are escaped.
		want, wantErr = viaJSON([]byte(escapeControls(in)))
	}
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("%q: decode's error %v, encoding/json's %v", in, gotErr, wantErr)
	}
	if wantErr != nil {
		return
	}
	assert.True(t, slices.IsSortedFunc(c, func(a, b entry) int { return strings.Compare(a.id, b.id) }), "%q: not sorted", in)
	got := asMap(c)
	assert.Len(t, c, len(got), "%q: an ID twice", in)
	if utf8.ValidString(in) {
		assert.Equal(t, want, got, "%q", in)
		return
	}
	assert.Len(t, got, len(want), "%q", in)
	for id, tr := range got {
		assert.Equal(t, want[replaceBadBytes(id)], replaceBadBytes(tr), "%q", in)
	}
}

// escapeControls escapes the control characters inside in's strings, as JSON wants them.
func escapeControls(in string) string {
	var b strings.Builder
	inString, escaped := false, false
	for i := 0; i < len(in); i++ {
		c := in[i]
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString && c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// replaceBadBytes does what encoding/json does to a string that is not UTF-8: each byte that
// is not part of a character becomes U+FFFD.
func replaceBadBytes(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r) // ranging over a string yields U+FFFD for each such byte
	}
	return b.String()
}

func TestDecodeAnswersAsEncodingJSON(t *testing.T) {
	for _, in := range decodeCases {
		sameAsJSON(t, in)
	}
	got, err := decode("[{\"id\":\"a\",\"translation\":\"bad \xff\"}]")
	require.NoError(t, err)
	assert.Equal(t, "bad \xff", asMap(got)["a"], "bytes that are not UTF-8 are kept as they are")
	got, err = decode("[{\"id\":\"a\",\"translation\":\"raw\nnewline\"}]")
	require.NoError(t, err)
	assert.Equal(t, "raw\nnewline", asMap(got)["a"], "a control character is kept as it is")
}

func FuzzDecode(f *testing.F) {
	for _, in := range decodeCases {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) { sameAsJSON(t, in) })
}

func BenchmarkDecode(b *testing.B) {
	for _, l := range []string{"de_DE", "ja_JP", "zh_Hant"} {
		data, err := file(l)
		require.NoError(b, err)
		b.Run(l, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				_, _ = decode(data)
			}
		})
		b.Run(l+"/encoding-json", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				_, _ = viaJSON([]byte(data))
			}
		})
	}
}
