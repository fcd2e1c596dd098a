package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

// An XDG_RUNTIME_DIR that cannot hold kp-token's directory (here a file) is passed over for the
// cache directory: the hook is printed, its stamp there. With neither usable, the hook stops
// with a sentence that says what to do, and prints nothing for the shell to run.
func TestHookStampDirFallsBack(t *testing.T) {
	t.Parallel()
	s := newSession(t, "Bearer "+iamtest.Valid(time.Hour), "secret-refresh-token")
	notDir := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(notDir, nil, 0o600))

	cache := t.TempDir()
	r := s.runIn("", []string{"XDG_RUNTIME_DIR=" + notDir, "XDG_CACHE_HOME=" + cache}, "hook", "bash", "--quiet")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stderr)
	assert.Contains(t, r.stdout, "__kp_token_stamp='"+filepath.Join(cache, "kp-token", "hook-"))
	info, err := os.Stat(filepath.Join(cache, "kp-token"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm())

	r = s.runIn("", []string{"XDG_RUNTIME_DIR=" + notDir, "XDG_CACHE_HOME=" + notDir}, "hook", "bash", "--quiet")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Regexp(t, regexp.MustCompile(`^FAILED\n[A-Z][^\n]*XDG_RUNTIME_DIR[^\n]*\.\n$`), r.stderr)
}
