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
)

// A hooked prompt's run (as the bash hook runs it) with IBMCLOUD_CR_TOKEN=@FIFO: it fails at
// once, on one line, with stdout empty, rather than holding the shell's start for a writer.
func TestHookRunRefusesAContainerTokenFIFOFromTheEnvironment(t *testing.T) {
	t.Parallel()
	s := newSession(t, "", "")
	fifo := filepath.Join(t.TempDir(), "token")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	s.vars["IBMCLOUD_CR_TOKEN"] = "@" + fifo
	s.vars["IBMCLOUD_CR_PROFILE"] = "kp-reader"
	done := make(chan outcome, 1)
	go func() {
		done <- s.run("env", "--shell", "bash", "--with-expiry", "--name", "IBMCLOUD_TOKEN", "--min-validity", "300s", "--timeout", "5s", "--hook")
	}()
	select {
	case r := <-done:
		assert.NotEqual(t, 0, r.code)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "not a regular file")
		assert.Equal(t, 0, s.iam.Calls())
		assert.Equal(t, 1, strings.Count(strings.TrimSuffix(r.stderr, "\n"), "\n")+1, "one line under the prompt: %q", r.stderr)
	case <-time.After(20 * time.Second): // would wait forever; no speed bound
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			_ = f.Close()
		}
		t.Fatal("the hooked run waited on a FIFO with no writer")
	}
}
