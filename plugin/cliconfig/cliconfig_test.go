package cliconfig_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/configuration/core_config"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"
	"github.com/gofrs/flock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/cliconfig"
	"github.com/kp-token/kp-token/plugin/iamtest"
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

// A writer that holds the lock past the run's deadline: the read says the CLI is busy writing
// its config, by the deadline (not the longer bound of a run without one), and never reads the
// half-written file nor tells the user to log in.
func TestLoadSaysTheCLIIsWritingWhenItsLockOutlastsTheDeadline(t *testing.T) {
	for _, within := range []time.Duration{50 * time.Millisecond, -time.Second} {
		path := filepath.Join(t.TempDir(), "config.json")
		full := []byte(`{"IAMToken":"Bearer a.b.c","IAMRefreshToken":"r","Region":"eu-de"}`)
		require.NoError(t, os.WriteFile(path, full, 0o600))
		sdk := flock.New(path)
		require.NoError(t, sdk.Lock())
		require.NoError(t, os.WriteFile(path, full[:10], 0o600)) // halfway through the SDK's save

		start := time.Now()
		_, err := cliconfig.Load(path, start.Add(within))
		took := time.Since(start)
		var p *cliconfig.Problem
		require.ErrorAs(t, err, &p, "deadline in %v", within)
		assert.Equal(t, cliconfig.Busy, p.Kind, "deadline in %v: %v", within, err)
		assert.Less(t, took, cliconfig.ReadWait, "deadline in %v: it ends at the run's deadline", within)
		assert.Equal(t, "The IBM Cloud CLI is writing its configuration at '"+path+"', and it did not finish in time. Try again.", err.Error())
		assert.NotContains(t, strings.ToLower(err.Error()), "log in")

		// The wait given up on lets go of the file once it has the lock: the SDK's next save
		// is not held up by it.
		require.NoError(t, sdk.Unlock())
		require.Eventually(t, func() bool {
			ok, err := sdk.TryLock()
			return err == nil && ok
		}, 10*time.Second, time.Millisecond)
		require.NoError(t, sdk.Unlock())
	}
}

// Without a deadline of the run's own, the wait for a writer's lock is bounded too, and what
// follows is the same: the CLI is busy, not the config empty or broken.
func TestLoadWithoutADeadlineSaysTheCLIIsWritingAfterItsBound(t *testing.T) {
	full := []byte(`{"IAMToken":"Bearer a.b.c","IAMRefreshToken":"r","Region":"eu-de"}`)
	for name, partial := range map[string][]byte{"truncated": nil, "cut short": full[:10]} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "config.json")
			require.NoError(t, os.WriteFile(path, full, 0o600))
			sdk := flock.New(path)
			require.NoError(t, sdk.Lock())
			defer func() { _ = sdk.Unlock() }()
			require.NoError(t, os.WriteFile(path, partial, 0o600))

			_, err := cliconfig.Load(path, time.Time{})
			var p *cliconfig.Problem
			require.ErrorAs(t, err, &p)
			assert.Equal(t, cliconfig.Busy, p.Kind, "%v", err)
		})
	}
}

// The SDK saving config.json over and over (the CLI busy in another terminal), with its own
// code, as fast as it can: every read waits its turn and gets the whole file, never an empty
// or cut-short one, and never gives up. Each read starts once the writer has saved again since
// the last one, so every read meets the writer at work (a read that wins the lock makes the
// SDK's next save wait 100 ms, its retry interval: back-to-back reads would meet it idle).
func TestLoadBesideTheSDKSavingInATightLoop(t *testing.T) {
	access := "Bearer " + iamtest.Valid(time.Hour)
	path, err := iamtest.WriteConfig(t.TempDir(), iamtest.Config(access, "secret-refresh-token", "https://iam.cloud.ibm.com"))
	require.NoError(t, err)
	repo := core_config.NewCoreConfigFromPath(path, func(err error) { t.Error(err) })
	var saves atomic.Int64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for regions := []string{"us-south", "eu-de"}; ; saves.Add(1) {
			select {
			case <-stop:
				return
			default:
			}
			repo.SetRegion(models.Region{Name: regions[saves.Load()%2]}) // a save through DiskPersistor
		}
	}()
	loads := 200
	if testing.Short() {
		loads = 50
	}
	kinds := map[string]int{}
	for i, seen := 0, int64(0); i < loads; i++ {
		for saves.Load() == seen {
			time.Sleep(50 * time.Microsecond)
		}
		seen = saves.Load()
		snap, err := cliconfig.Load(path, time.Time{})
		var p *cliconfig.Problem
		switch {
		case err == nil && snap.IAMToken() == access:
			kinds["token"]++
		case errors.As(err, &p):
			kinds[p.Error()]++
		case err != nil:
			kinds[err.Error()]++
		default:
			kinds["another token"]++
		}
	}
	close(stop)
	<-done
	t.Logf("%d loads while the SDK saved config.json %d times: %v", loads, saves.Load(), kinds)
	assert.Equal(t, map[string]int{"token": loads}, kinds)
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
