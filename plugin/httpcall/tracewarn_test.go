package httpcall

import (
	"bytes"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// An unusable trace path is said once in a run, however many clients the run makes, and the
// calls go untraced. Not parallel: it swaps where the warning goes.
func TestUnusableTracePathWarnsOnce(t *testing.T) {
	var got bytes.Buffer
	saved := warnTo
	warnTo = &got
	t.Cleanup(func() { warnTo = saved })
	dir := t.TempDir() // a directory is no trace file, on every system
	for range 3 {
		assert.Equal(t, http.DefaultTransport, newTracer(http.DefaultTransport, dir))
	}
	assert.Equal(t, 1, strings.Count(got.String(), "\n"), "%q", got.String())
	assert.Contains(t, got.String(), "Cannot write the trace to '"+filepath.Clean(dir)+"'")
	assert.Contains(t, got.String(), "No trace is written.")
}
