//go:build unix

package commands_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands"
	"github.com/kp-token/kp-token/plugin/wiring"
)

// hookWith is hook run on the real plug-in over s with the variables vs added.
func hookWith(t *testing.T, s *session, vs map[string]string, args ...string) outcome {
	t.Helper()
	env := map[string]string{}
	for k, v := range s.vars {
		env[k] = v
	}
	for k, v := range vs {
		env[k] = v
	}
	rt := hookSession{wiring.Disk(s.config, commands.Namespace).WithGetenv(func(k string) string { return env[k] }), t.TempDir()}
	done := make(chan outcome, 1)
	go func() { done <- execute(rt, "", append([]string{"hook"}, args...)...) }()
	select {
	case r := <-done:
		return r
	case <-time.After(20 * time.Second): // would wait forever; no speed bound
		t.Fatal("hook waited")
		return outcome{}
	}
}

// The hook refuses a container-token file that is a FIFO when it is set up, whether --cr-token
// or $IBMCLOUD_CR_TOKEN names it: every prompt would read it (issue 19 item 1). The environment's
// is refused only when a run would use it: $IBMCLOUD_API_KEY comes first, but not before
// --profile. --cr-token's words are its own, not --apikey's or the API key's (item 7).
func TestHookRefusesAContainerTokenFIFO(t *testing.T) {
	t.Parallel()
	s := newSession(t, "", "")
	dir := t.TempDir()
	fifo := filepath.Join(dir, "token.fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	t.Cleanup(func() { // frees a reader, should one wait
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			_ = w.Close()
		}
	})
	notRegular := "With hook, --cr-token takes a regular file; '" + fifo + "' is not one."
	envFIFO := "IBMCLOUD_CR_TOKEN names '" + fifo + "', which is not a regular file"

	r := hookWith(t, s, nil, "bash", "--cr-token", "@"+fifo, "--profile", "p")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, notRegular)

	r = hookWith(t, s, nil, "zsh", "--cr-token", "@"+dir, "--profile", "p")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	msg, _, _ := strings.Cut(r.stderr, "\n\n") // the usage follows
	assert.Contains(t, msg, "--cr-token")
	assert.NotContains(t, msg, "API key")
	assert.NotContains(t, msg, "--apikey")

	for _, vs := range []map[string]string{
		{"IBMCLOUD_CR_TOKEN": "@" + fifo, "IBMCLOUD_CR_PROFILE": "p"},
		{"IBMCLOUD_CR_TOKEN": "@" + fifo},
	} {
		r = hookWith(t, s, vs, "bash")
		assert.Equal(t, 1, r.code, vs)
		assert.Empty(t, r.stdout, vs)
		assert.Contains(t, r.stderr, envFIFO, vs)
	}
	r = hookWith(t, s, map[string]string{"IBMCLOUD_CR_TOKEN": "@" + fifo, "IBMCLOUD_API_KEY": "k"}, "bash", "--profile", "p")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, envFIFO)

	// An API key in the environment is used first: the container token is not read.
	r = hookWith(t, s, map[string]string{"IBMCLOUD_CR_TOKEN": "@" + fifo, "IBMCLOUD_API_KEY": "k"}, "bash")
	assert.Equal(t, 0, r.code, r.stderr)
	// A container token in the variable itself is no file.
	r = hookWith(t, s, map[string]string{"IBMCLOUD_CR_TOKEN": "eyJ.token", "IBMCLOUD_CR_PROFILE": "p"}, "fish")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 0, s.iam.Calls())
}
