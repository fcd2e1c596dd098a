package source

import (
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/i18n"
)

// wide is a space between two Chinese or Japanese characters (Korean spaces its words): a
// word composed into a sentence, as in "来自 命令行 的".
var wide = regexp.MustCompile(`[\p{Han}\p{Hiragana}\p{Katakana}] [\p{Han}\p{Hiragana}\p{Katakana}]`)

// TestKeySourcesAreWholeSentences: a key or token from standard input or the command line is
// named in a sentence of its own in every language, never composed around a translated
// "standard input" (pt_BR "A chave de API de entrada padrão", it_IT "da input standard", ja
// and zh with spaces around the word) (issue 19 item 15). Not parallel: it switches the locale.
func TestKeySourcesAreWholeSentences(t *testing.T) {
	defer i18n.Init("")
	noWarn := func(string) {}
	cases := map[string]func() error{
		"stdin empty": func() error { _, err := readKey("@-", strings.NewReader(" \n"), noWarn); return err },
		"stdin spaces": func() error {
			_, err := readKey("@-", strings.NewReader("a b"), noWarn)
			return err
		},
		"stdin JSON": func() error { _, err := readKey("@-", strings.NewReader(`{"x":1}`), noWarn); return err },
		"stdin unreadable": func() error {
			_, err := readKey("@-", errReader{}, noWarn)
			return err
		},
		"stdin timeout": func() error {
			r, w := io.Pipe() // nobody writes: the deadline, already past, ends the read
			defer w.Close()
			_, err := readAPIKey(Request{APIKey: "@-", Stdin: r, Timeout: time.Second}, time.Now())
			return err
		},
		"command line spaces": func() error { _, err := readKey("a\x01b", nil, noWarn); return err },
		"container token empty": func() error {
			_, err := checkContainerToken(" ", fromCommandLine)
			return err
		},
		"container token spaces": func() error {
			_, err := checkContainerToken("a b", fromCommandLine)
			return err
		},
	}
	for _, l := range i18n.Locales() {
		i18n.Init(l)
		for name, f := range cases {
			err := f()
			require.Error(t, err, "%s %s", l, name)
			msg := err.Error()
			assert.NotContains(t, msg, "\x00", "%s %s", l, name)
			assert.Empty(t, wide.FindAllString(msg, -1), "%s %s: %s", l, name, msg)
			for _, bad := range []string{"de entrada padrão", "da input", "de linha de comandos", "da riga di comando", "Check that it exists"} {
				if name == "stdin unreadable" || !strings.HasPrefix(bad, "Check") {
					assert.NotContains(t, msg, bad, "%s %s", l, name)
				}
			}
		}
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("broken pipe") }
