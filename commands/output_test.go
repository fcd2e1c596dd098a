package commands

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The CLI's colours, as its own terminal package writes them: forced on and off by
// IBMCLOUD_COLOR, else only for a terminal (a buffer is none).
func TestPaint(t *testing.T) {
	var b bytes.Buffer
	t.Setenv("IBMCLOUD_COLOR", "true")
	Failed(&b, "No.")
	assert.Equal(t, "\x1b[1;31mFAILED\x1b[0m\nNo.\n", b.String())
	b.Reset()
	warn(&b, "Careful.")
	assert.Equal(t, "\x1b[1;35mCareful.\x1b[0m\n", b.String())

	for _, v := range []string{"false", ""} {
		t.Setenv("IBMCLOUD_COLOR", v)
		b.Reset()
		Failed(&b, "No.")
		assert.Equal(t, "FAILED\nNo.\n", b.String(), "IBMCLOUD_COLOR=%q", v)
	}
}
