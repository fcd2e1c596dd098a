//go:build unix

package main

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The hook's runs carry --timeout: a key file that is a FIFO nobody writes to must not hold
// the prompt. Without --timeout a pipe is waited for, as cat would (a password manager may be
// asking for a passphrase).
func TestAPIKeyFromAFIFOWithNoWriterIsBounded(t *testing.T) {
	t.Parallel()
	h := keyHome(t)
	fifo := filepath.Join(h.home, "key.fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	r := h.run("env", "--apikey", "@"+fifo, "--timeout", "1s")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "Cannot read the API key from "+fifo+": nothing came within 1s. Keep the key in a regular file.")
	assert.Less(t, r.took, 20*time.Second)
	assert.Equal(t, 0, h.iam.Calls())

	// The hook itself, run from a profile, refuses it at once: the path goes into every prompt.
	r = h.run("hook", "bash", "--apikey", "@"+fifo)
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "With hook, --apikey takes a regular file; '"+fifo+"' is not one.")
}
