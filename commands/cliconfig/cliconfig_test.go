package cliconfig_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"
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

func TestSnapshotAnswersThroughTheSDKRepository(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"IAMToken":"Bearer a.b.c","IAMRefreshToken":"r",
		"IsPrivate":true,"IAMEndpoint":"https://iam.cloud.ibm.com","IAMPrivateEndpoint":"https://private.iam.cloud.ibm.com",
		"Region":"eu-de","HTTPTimeout":7,"Locale":"de_DE","Future":{"x":1}}`), 0o600))
	before, err := os.ReadFile(path)
	require.NoError(t, err)

	snap, err := cliconfig.Load(path)
	require.NoError(t, err)
	repo := snap.Repository()
	assert.Equal(t, "Bearer a.b.c", repo.IAMToken())
	assert.Equal(t, "r", repo.IAMRefreshToken())
	assert.Equal(t, "https://private.iam.cloud.ibm.com", repo.IAMEndpoint(), "the SDK's private-endpoint rule")
	assert.Equal(t, "eu-de", repo.CurrentRegion().Name)
	assert.Equal(t, 7, repo.HTTPTimeout())
	assert.Equal(t, "de_DE", repo.Locale())

	repo.SetRegion(models.Region{Name: "us-south"}) // the SDK's writes go nowhere
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, before, after)
}
