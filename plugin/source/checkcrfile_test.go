package source_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/source"
)

// hook --cr-token @FILE checks a container-token file in a container token's words: a missing
// file or a ~user path is the container token's, and a file others may read (as Kubernetes
// projects its tokens, mode 0644) gets no API key's warning.
func TestCheckKeyFileSpeaksOfTheContainerToken(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, path := range []string{filepath.Join(dir, "missing"), "~nobody/token"} {
		_, err := source.CheckKeyFile(path, true, func(string) {})
		require.Error(t, err, path)
		assert.Contains(t, err.Error(), "container token", path)
		assert.NotContains(t, err.Error(), "API key", path)
	}
	if runtime.GOOS == "windows" {
		return
	}
	shared := filepath.Join(dir, "token")
	require.NoError(t, os.WriteFile(shared, []byte("t"), 0o600))
	require.NoError(t, os.Chmod(shared, 0o644))
	var warned []string
	abs, err := source.CheckKeyFile(shared, true, func(w string) { warned = append(warned, w) })
	require.NoError(t, err)
	assert.Equal(t, shared, abs)
	assert.Empty(t, warned, "a container token is not an API key")

	// The API key keeps its words and its warning.
	_, err = source.CheckKeyFile(filepath.Join(dir, "missing"), false, func(string) {})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "API key")
	_, err = source.CheckKeyFile(shared, false, func(w string) { warned = append(warned, w) })
	require.NoError(t, err)
	assert.Len(t, warned, 1)
}
