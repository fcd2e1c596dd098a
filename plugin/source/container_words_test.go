package source_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/source"
)

// A container-token file that cannot be read (a directory, a missing file) is named as the
// container token, never as an API key (issue 19 item 7).
func TestUnreadableContainerTokenIsNamedSo(t *testing.T) {
	t.Parallel()
	srv := newIAM(t)
	srv.Profiles = map[string]bool{"kp-reader": true}
	dir := t.TempDir()
	for _, path := range []string{dir, filepath.Join(dir, "missing")} {
		env := source.Env{CacheDir: filepath.Join(t.TempDir(), "cache"), Getenv: vars("IAM_ENDPOINT", srv.URL)}
		src, err := source.Open(env, source.Request{CRToken: "@" + path, Profile: "kp-reader", Warn: func(string) {}})
		if err == nil {
			_, err = src.Token(source.Options{})
		}
		require.Error(t, err, path)
		assert.Contains(t, err.Error(), "Cannot read the container token from "+path+":", path)
		assert.NotContains(t, err.Error(), "API key", path)
	}
	assert.Equal(t, 0, srv.Calls())
}
