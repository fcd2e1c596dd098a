package main

import (
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands/iamtest"
)

// Twenty tmux panes opening at once, an hour after login: every shell holds the same expiring
// token. One of them refreshes; the others wait for it and use its token.
func TestManyShellsStartingAtOnceRefreshOnce(t *testing.T) {
	const n = 50
	s := newSession(t, "Bearer "+iamtest.Valid(time.Minute), "secret-refresh-token")
	s.iam.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond) // a slow IAM widens the window for a storm
		s.iam.Refresh(w, r)
	})

	var wg sync.WaitGroup
	outs := make([]string, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
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

	require.Equal(t, 1, s.iam.Calls(), "exactly one IAM call")
	want := "export ACCESS_TOKEN='Bearer " + s.iam.LastIssued() + "'\n"
	for i := 0; i < n; i++ {
		if assert.NoError(t, errs[i], "process %d", i) {
			assert.Equal(t, want, outs[i], "process %d prints the new token", i)
		}
	}
	cfg := s.readConfig()
	assert.Equal(t, strings.TrimSuffix(strings.TrimPrefix(want, "export ACCESS_TOKEN='"), "'\n"), cfg["IAMToken"])
}
