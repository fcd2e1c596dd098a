package shell_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kp-token/kp-token/commands/shell"
)

func TestValidName(t *testing.T) {
	for _, ok := range []string{"ACCESS_TOKEN", "a", "_", "_x1", "KP_TOKEN_2", "camelCase"} {
		assert.True(t, shell.ValidName(ok), ok)
	}
	for _, bad := range []string{"", "1X", "A-B", "A B", "A;B", "A=B", "$A", "A\n", "É", "a.b", "A$(id)"} {
		assert.False(t, shell.ValidName(bad), "%q", bad)
	}
}

func TestQuote(t *testing.T) {
	assert.Equal(t, `''`, shell.Quote(""))
	assert.Equal(t, `'Bearer a.b.c'`, shell.Quote("Bearer a.b.c"))
	assert.Equal(t, `'it'\''s'`, shell.Quote("it's"))
	assert.Equal(t, `'$(x) `+"`y`"+` \n'`, shell.Quote("$(x) `y` \\n"))
	assert.Equal(t, `export ACCESS_TOKEN='v'`, shell.Export("ACCESS_TOKEN", "v"))
	assert.Equal(t, `unset ACCESS_TOKEN`, shell.Unset("ACCESS_TOKEN"))
}
