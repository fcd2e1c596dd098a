package commands

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every field the Resource Controller returns is escaped in the table: a newline in a resource
// group ID forges no row, and ESC[8m hides nothing that follows (issue 19, item 5).
func TestInstancesTableEscapesEveryField(t *testing.T) {
	t.Setenv("IBMCLOUD_COLOR", "false")
	var b strings.Builder
	require.NoError(t, writeInstances(&b, []*InstanceJSON{{
		Name: "kp", Service: "kms", Region: "us-south\x1b[8m", GUID: "0a1b2c3d-0000-4000-8000-00000000a001",
		URL: "https://us-south.kms.cloud.ibm.com", ResourceGroupID: "rg-1\nforged   row\x1b[8m",
	}}))
	out := b.String()
	assert.NotContains(t, out, "\x1b")
	assert.Equal(t, 2, strings.Count(out, "\n"), out)
	assert.Contains(t, out, `rg-1\nforged   row\x1b[8m`)
	assert.Contains(t, out, `us-south\x1b[8m`)
}
