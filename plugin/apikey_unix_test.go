//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Needs a process: the run's reader stays blocked in open(2) on the FIFO when the deadline
// ends the run (only the process's exit ends it), and the bound is measured on the process.
// The hook's runs carry --timeout: a key file that is a FIFO nobody writes to must not hold
// the prompt. Without --timeout a pipe is waited for, as cat would (a password manager may be
// asking for a passphrase). The hook's own refusal of a FIFO is commands/apikey_unix_test.go's
// TestHookRefusesAKeyFileThatIsAFIFO, in-process.
func TestAPIKeyFromAFIFOWithNoWriterIsBounded(t *testing.T) {
	t.Parallel()
	h := keyHome(t)
	fifo := filepath.Join(h.home, "key.fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	r := h.run("env", "--apikey", "@"+fifo, "--timeout", "1s")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "Cannot read the API key from "+fifo+": nothing came within 1s. Keep the key in a regular file.")
	assert.GreaterOrEqual(t, r.took, time.Second, "it waited out its limit, as its message says")
	assert.Less(t, r.took, time.Second+slowStart, "and no longer")
	assert.Equal(t, 0, h.iam.Calls())
}

// openLocks are the lock files (named *.lock) process pid holds open, as /proc shows them.
func openLocks(pid int) []string {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, _ := os.ReadDir(dir)
	var locks []string
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && strings.HasSuffix(target, ".lock") {
			locks = append(locks, target)
		}
	}
	return locks
}
