package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

// Needs processes: many at once, as many shells starting together run them; make stress adds
// rounds and processes.
// Twenty tmux panes opening at once, an hour after login: every shell holds the same expiring
// token. One of them refreshes; the others wait for it and use its token. `make stress` runs
// it bigger (KP_STRESS_PROCS processes, KP_STRESS_ROUNDS rounds) and prints the figures.
func TestManyShellsStartingAtOnceRefreshOnce(t *testing.T) {
	t.Parallel()
	procs := envInt(t, "KP_STRESS_PROCS", 20)
	rounds := envInt(t, "KP_STRESS_ROUNDS", 1)
	s := newSession(t, "Bearer "+iamtest.Valid(time.Minute), "secret-refresh-token")
	s.iam.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond) // a slow IAM widens the window for a storm
		s.iam.Refresh(w, r)
	})

	var failures, broken, wrong int
	for round := 0; round < rounds; round++ {
		cfg := s.readConfig()
		cfg["IAMToken"] = "Bearer " + iamtest.Valid(time.Minute) // expiring again
		_, err := iamtest.WriteConfig(s.home, cfg)
		require.NoError(t, err)
		callsBefore := s.iam.Calls()

		var wg sync.WaitGroup
		outs := make([]string, procs)
		errs := make([]error, procs)
		start := make(chan struct{})
		for i := 0; i < procs; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				cmd := exec.Command(binary, "env")
				cmd.Env, cmd.Dir = s.env, s.home
				<-start
				out, err := cmd.Output()
				outs[i], errs[i] = string(out), err
			}(i)
		}
		close(start)
		wg.Wait()

		assert.Equal(t, 1, s.iam.Calls()-callsBefore, "round %d: exactly one IAM call", round)
		want := "export ACCESS_TOKEN='Bearer " + s.iam.LastIssued() + "'\n"
		for i := 0; i < procs; i++ {
			switch {
			case errs[i] != nil:
				failures++
				t.Errorf("round %d, process %d: %v", round, i, errs[i])
			case outs[i] != want:
				wrong++
				t.Errorf("round %d, process %d printed another token", round, i)
			}
		}
		b, err := os.ReadFile(s.config)
		require.NoError(t, err)
		var saved map[string]any
		if json.Unmarshal(b, &saved) != nil {
			broken++
			t.Errorf("round %d: config.json does not parse", round)
		} else {
			assert.Equal(t, "Bearer "+s.iam.LastIssued(), saved["IAMToken"])
		}
	}
	summary := fmt.Sprintf("stress: %d rounds x %d processes = %d runs; IAM calls: %d (%.2f per round); failures: %d; wrong tokens: %d; configs that failed to parse: %d",
		rounds, procs, rounds*procs, s.iam.Calls(), float64(s.iam.Calls())/float64(rounds), failures, wrong, broken)
	t.Log(summary)
	if os.Getenv("KP_STRESS_PROCS") != "" {
		fmt.Println(summary) // make stress prints its figures
	}
}
