package cliconfig_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands/cliconfig"
)

func TestWriteAtomicReplacesTheFileAndSweepsOldLeftovers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"old":true}`), 0o644))
	stale := filepath.Join(dir, ".config.json.tmp-111")
	young := filepath.Join(dir, ".config.json.tmp-222")
	require.NoError(t, os.WriteFile(stale, []byte("tokens"), 0o600))
	require.NoError(t, os.WriteFile(young, []byte("tokens"), 0o600))
	old := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(stale, old, old))

	require.NoError(t, cliconfig.WriteAtomic(path, []byte(`{"new":true}`), 0o600))

	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, `{"new":true}`, string(b))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	assert.NoFileExists(t, stale, "a killed writer's leftover is removed")
	assert.FileExists(t, young, "a file another writer may still be using is kept")
}
