//go:build unix

package source_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/source"
)

// What hook checks before writing a key file's path into a profile is read as a run reads a
// token file: a FIFO is refused without waiting for a writer.
func TestCheckKeyFileRefusesAFIFO(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "key")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	done := make(chan error, 1)
	go func() {
		_, err := source.CheckKeyFile(fifo, false, func(string) {})
		done <- err
	}()
	select {
	case err := <-done:
		require.Error(t, err)
		assert.Contains(t, err.Error(), "not a regular file")
	case <-time.After(10 * time.Second): // would wait forever; no speed bound
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			_ = f.Close()
		}
		t.Fatal("CheckKeyFile waited on a FIFO with no writer")
	}
}
