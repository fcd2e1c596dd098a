package commands_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/i18n"
)

// optionLine is the help line of option flag in `cmd --help`.
func optionLine(t *testing.T, cmd, flag string) string {
	t.Helper()
	got := execute(nil, "", cmd, "--help")
	assert.Equal(t, 0, got.code, got.stderr)
	for _, line := range strings.Split(got.stdout, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == flag {
			return line
		}
	}
	t.Fatalf("%s --help has no %s:\n%s", cmd, flag, got.stdout)
	return ""
}

// Each command's help says what its options do for it: only env, exec and hook set
// KP_INSTANCE_ID and KP_URL; exec puts the token in a variable, it does not print it;
// and the examples carry no English comment that no locale translates.
func TestHelpSaysWhatEachCommandDoes(t *testing.T) {
	for _, cmd := range []string{"env", "exec", "hook"} {
		assert.Contains(t, optionLine(t, cmd, "--instance"), "KP_INSTANCE_ID and KP_URL", cmd)
	}
	for cmd, want := range map[string]string{
		"print": "--output json",
		"show":  "show",
		"curl":  "bluemix-instance",
	} {
		line := optionLine(t, cmd, "--instance")
		assert.NotContains(t, line, "KP_INSTANCE_ID", cmd)
		assert.Contains(t, strings.ToLower(line), want, cmd)
	}
	assert.NotContains(t, optionLine(t, "exec", "--no-bearer"), "Print")
	assert.Contains(t, optionLine(t, "print", "--no-bearer"), "Print")
	got := execute(nil, "", "env", "--help")
	_, examples, _ := strings.Cut(got.stdout, "EXAMPLES:")
	assertCommentsTranslated(t, examples)
}

// assertCommentsTranslated: a comment in examples is a whole line, "  # " and a message every
// locale translates (an ID of all.en_US.json, which the i18n tests hold every locale to).
func assertCommentsTranslated(t *testing.T, examples string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "i18n", "resources", "all."+i18n.DefaultLocale+".json"))
	require.NoError(t, err)
	var msgs []struct{ ID string }
	require.NoError(t, json.Unmarshal(b, &msgs))
	ids := map[string]bool{}
	for _, m := range msgs {
		ids[m.ID] = true
	}
	for _, line := range strings.Split(examples, "\n") {
		if !strings.Contains(line, "#") {
			continue
		}
		text, ok := strings.CutPrefix(line, "  # ")
		assert.True(t, ok && ids[text], "an English comment in the examples, which no locale translates: %q", line)
	}
}
