package disk_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/disk"
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

	require.NoError(t, disk.WriteAtomic(path, []byte(`{"new":true}`), 0o600))

	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, `{"new":true}`, string(b))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	assert.NoFileExists(t, stale, "a killed writer's leftover is removed")
	assert.FileExists(t, young, "a file another writer may still be using is kept")
}

// A config.json reached through a symlink (a dotfiles repository) and through its target
// (IBMCLOUD_CONFIG_HOME pointing there) is one config: one refresh lock.
func TestLockIsOneWhateverThePath(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "dotfiles", "config.json")
	require.NoError(t, os.MkdirAll(filepath.Dir(target), 0o700))
	require.NoError(t, os.WriteFile(target, []byte(`{}`), 0o600))
	link := filepath.Join(dir, "home", ".bluemix", "config.json")
	require.NoError(t, os.MkdirAll(filepath.Dir(link), 0o700))
	require.NoError(t, os.Symlink(target, link))

	held, err := disk.LockFor(context.Background(), link)
	require.NoError(t, err)
	defer held.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = disk.LockFor(ctx, target)
	assert.ErrorIs(t, err, disk.ErrLockTimeout, "the lock through the symlink is the target's lock")
}
