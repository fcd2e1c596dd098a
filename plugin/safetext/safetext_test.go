package safetext_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/safetext"
)

func TestTerminalEscapesWhatActsOnATerminal(t *testing.T) {
	for in, want := range map[string]string{
		"Jane Doe":                "Jane Doe",
		"J\x1b[2Jane":             `J\x1b[2Jane`,
		"csi\u009b31m":            `csi\u009b31m`,
		"del\x7f, bell\x07, nl\n": `del\x7f, bell\a, nl\n`,
		"evil\u202egpj.exe":       `evil\u202egpj.exe`,
		"isolate\u2066x\u2069":    `isolate\u2066x\u2069`,
		"日本語 ñ":                   "日本語 ñ",
	} {
		assert.Equal(t, want, safetext.Terminal(in), "%q", in)
	}
}

func TestJSONEscapesWhatEncodingJSONLeaves(t *testing.T) {
	for _, in := range []string{"a\u009bb", "del\x7f", "x\u202ey", "plain", "esc\x1b"} {
		raw, err := json.MarshalIndent(map[string]string{"name": in}, "", "  ")
		require.NoError(t, err)
		out := safetext.JSON(raw)
		for _, r := range string(out) {
			assert.False(t, r == 0x7f || r >= 0x80 && r < 0xa0 || r == 0x202e || r < 0x20 && r != '\n', "%q left %U in %s", in, r, out)
		}
		var back map[string]string
		require.NoError(t, json.Unmarshal(out, &back))
		assert.Equal(t, in, back["name"], "the same string for a JSON reader")
	}
}
