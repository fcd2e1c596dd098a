package commands_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands"
)

// `kp-token version` and `kp-token --version` say what the metadata tells the CLI, need no
// session, and open no token source.
func TestVersion(t *testing.T) {
	want := "kp-token " + commands.Metadata().Version.String() + "\n"
	require.Equal(t, "kp-token "+commands.Version.String()+"\n", want)
	for _, args := range [][]string{{"version"}, {"--version"}} {
		t.Run(args[0], func(t *testing.T) {
			rt := &fakeRuntime{openErr: userFacing("no session")}
			got := execute(rt, "", args...)
			assert.Equal(t, 0, got.code, got.stderr)
			assert.Equal(t, want, got.stdout)
			assert.Empty(t, got.stderr)
			assert.Empty(t, rt.opened, "no token source")

			got = execute(nil, "", args...)
			assert.Equal(t, 0, got.code, got.stderr)
			assert.Equal(t, want, got.stdout, "without any runtime")
		})
	}

	got := execute(nil, "", "version", "--help")
	assert.Equal(t, 0, got.code)
	assert.Contains(t, got.stdout, "NAME:\n  version - Show the version of the kp-token plug-in.")
	assert.Contains(t, got.stdout, "USAGE:\n  ibmcloud kp-token version")
	assert.Empty(t, got.stderr)

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"version", "now"}, "Incorrect Usage: 'now' is not an argument this command takes."},
		{[]string{"version", "--short"}, "Incorrect Usage: '--short' is not an option of this command."},
	} {
		got := execute(nil, "", tc.args...)
		assert.Equal(t, 1, got.code, tc.args)
		assert.Empty(t, got.stdout, tc.args)
		assert.True(t, strings.HasPrefix(got.stderr, "FAILED\n"), got.stderr)
		assert.Contains(t, got.stderr, tc.want)
	}
}
