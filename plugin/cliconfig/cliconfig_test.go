package cliconfig_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"
	"github.com/gofrs/flock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/cliconfig"
)

func TestSnapshotAnswersThroughTheSDKRepository(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"IAMToken":"Bearer a.b.c","IAMRefreshToken":"r",
		"IsPrivate":true,"IAMEndpoint":"https://iam.cloud.ibm.com","IAMPrivateEndpoint":"https://private.iam.cloud.ibm.com",
		"Region":"eu-de","HTTPTimeout":7,"Locale":"de_DE","Future":{"x":1}}`), 0o600))
	before, err := os.ReadFile(path)
	require.NoError(t, err)

	snap, err := cliconfig.Load(path, time.Time{})
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

// The SDK saves config.json by truncating and rewriting it under an exclusive flock on the
// file. A read during that save must wait for it, not report an empty or cut-short config
// (and tell the user to log in again).
func TestLoadWaitsForTheSDKsSave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	full := []byte(`{"IAMToken":"Bearer a.b.c","IAMRefreshToken":"r","Region":"eu-de"}`)
	require.NoError(t, os.WriteFile(path, full, 0o600))

	// What the SDK's DiskPersistor.lockedWrite does, paused halfway through os.WriteFile.
	sdk := flock.New(path)
	require.NoError(t, sdk.Lock())
	require.NoError(t, os.WriteFile(path, full[:10], 0o600))

	type loaded struct {
		snap *cliconfig.Snapshot
		err  error
	}
	done := make(chan loaded, 1)
	go func() {
		snap, err := cliconfig.Load(path, time.Time{})
		done <- loaded{snap, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("Load returned during the save: %v", r.err)
	case <-time.After(300 * time.Millisecond):
	}
	require.NoError(t, os.WriteFile(path, full, 0o600))
	require.NoError(t, sdk.Unlock())

	r := <-done
	require.NoError(t, r.err)
	assert.Equal(t, "Bearer a.b.c", r.snap.IAMToken())
}

func TestLoadNeverCreatesAMissingConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	_, err := cliconfig.Load(path, time.Time{})
	var p *cliconfig.Problem
	require.ErrorAs(t, err, &p)
	assert.Equal(t, cliconfig.Missing, p.Kind)
	assert.NoFileExists(t, path)
}

// A writer that holds no lock we can see (the SDK rewriting a config.json that kp-token has
// just replaced by rename, whose old file it had locked; an editor) leaves it empty or cut
// short for an instant: Load looks again before calling it broken.
func TestLoadRidesOutAWriterWithoutTheLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	full := []byte(`{"IAMToken":"Bearer a.b.c","IAMRefreshToken":"r","Region":"eu-de"}`)
	for _, partial := range [][]byte{nil, full[:10]} {
		require.NoError(t, os.WriteFile(path, partial, 0o600))
		go func() {
			time.Sleep(50 * time.Millisecond)
			_ = os.WriteFile(path, full, 0o600)
		}()
		snap, err := cliconfig.Load(path, time.Time{})
		require.NoError(t, err)
		assert.Equal(t, "Bearer a.b.c", snap.IAMToken())
	}
}

func TestLoadReportsABrokenConfigAfterLookingAgain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"IAMToken":`), 0o600))
	_, err := cliconfig.Load(path, time.Time{})
	var p *cliconfig.Problem
	require.ErrorAs(t, err, &p)
	assert.Equal(t, cliconfig.Corrupt, p.Kind)
	after, _ := os.ReadFile(path)
	assert.Equal(t, `{"IAMToken":`, string(after), "left as it was")
}
