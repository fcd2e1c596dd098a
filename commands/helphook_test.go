package commands_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// hook --no-bearer sets the variable without the prefix: it prints no token. exec's examples
// carry no English comment that no locale translates (issue 19 item 12).
func TestHelpOfHookAndExecIsTrue(t *testing.T) {
	line := optionLine(t, "hook", "--no-bearer")
	assert.NotContains(t, line, "Print")
	assert.Contains(t, line, "variable")
	got := execute(nil, "", "exec", "--help")
	_, examples, _ := strings.Cut(got.stdout, "EXAMPLES:")
	assert.NotContains(t, examples, "#", "an English comment in the examples")
}
