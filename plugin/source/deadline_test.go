package source_test

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin/pluginfakes"

	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/source"
)

// The run's one deadline, which the Resource Controller after the token shares: --timeout from
// Open; else the CLI's HTTP timeout (else 30 s) from when the key was read. Times are compared
// with bounds observed around the calls, so a slow machine changes nothing.
func TestTheRunsDeadline(t *testing.T) {
	t.Parallel()
	jwt := "Bearer " + iamtest.Valid(time.Hour)
	for _, tc := range []struct {
		name        string
		httpTimeout int
		timeout     time.Duration
		want        time.Duration
	}{
		{"the CLI's HTTP timeout", 7, 0, 7 * time.Second},
		{"no setting: 30 s", 0, 0, source.DefaultTimeout},
		{"--timeout wins", 7, 2 * time.Second, 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fakeConfig(jwt, "refresh", "https://iam.cloud.ibm.com")
			cfg.HTTPTimeoutReturns(tc.httpTimeout)
			before := time.Now()
			src, err := source.Open(source.Env{Config: source.Loaded(cfg), Getenv: vars()}, source.Request{Timeout: tc.timeout})
			require.NoError(t, err)
			after := time.Now()
			deadline, bound := src.Deadline()
			assert.Equal(t, tc.want, bound)
			assert.False(t, deadline.Before(before.Add(tc.want)), "%v", deadline)
			assert.False(t, deadline.After(after.Add(tc.want)), "%v", deadline)
		})
	}
}

// A key typed at @- is a person, not the network: the CLI's limit counts from when the key was
// read, --timeout from Open. The key comes a second after Open began reading it (firstRead), so
// after Open began, however late.
func TestTheDeadlineCountsFromTheKeyUnlessTimeoutIsGiven(t *testing.T) {
	t.Parallel()
	for _, timeout := range []time.Duration{0, time.Hour} {
		t.Run(timeout.String(), func(t *testing.T) {
			t.Parallel()
			r, w := io.Pipe()
			reading := make(chan struct{})
			beforeWrite := make(chan time.Time, 1)
			go func() {
				<-reading
				time.Sleep(time.Second)
				beforeWrite <- time.Now()
				_, _ = io.WriteString(w, "Key0123456789")
				_ = w.Close()
			}()
			stdin := &firstRead{r: r, first: reading}
			cfg := fakeConfig("", "", "https://iam.cloud.ibm.com")
			cfg.HTTPTimeoutReturns(60)
			start := time.Now()
			src, err := source.Open(source.Env{Config: source.Loaded(cfg), Getenv: vars()}, source.Request{APIKey: "@-", Stdin: stdin, Timeout: timeout})
			require.NoError(t, err)
			read := time.Now()
			written := <-beforeWrite
			deadline, bound := src.Deadline()
			if timeout > 0 {
				assert.Equal(t, timeout, bound)
				assert.False(t, deadline.Before(start.Add(timeout)))
				assert.True(t, deadline.Before(written.Add(timeout)), "--timeout counts from Open, not from the key")
				return
			}
			assert.Equal(t, 60*time.Second, bound)
			assert.False(t, deadline.Before(written.Add(bound)), "the CLI's limit counts from the key")
			assert.False(t, deadline.After(read.Add(bound)))
		})
	}
}

// problemConfig is a config the SDK cannot decode in full (Problem), whose HTTP timeout reads.
type problemConfig struct{ *pluginfakes.FakePluginContext }

func (problemConfig) Problem() error { return errors.New("the field Region holds a JSON number") }

// An API key's run lends nothing from a config the SDK cannot decode, but the CLI's HTTP timeout
// where it reads: the run's deadline and IAM's bound, named in the message, are one limit. A
// timeout of more than a day is no limit to wait out (and would overflow): 30 s.
func TestTheLimitIsOneForTheDeadlineAndIAM(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		httpTimeout int
		want        time.Duration
	}{
		{"the CLI's timeout", 1, time.Second},
		{"more than a day", 10000000000, source.DefaultTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newIAM(t)
			srv.SetHandler(iamtest.Hang)
			cfg := fakeConfig("", "", srv.URL)
			cfg.HTTPTimeoutReturns(tc.httpTimeout)
			src, err := source.Open(source.Env{Config: source.Loaded(problemConfig{cfg}), Getenv: vars("IAM_ENDPOINT", srv.URL)},
				source.Request{APIKey: "Key0123456789", NoCache: true})
			require.NoError(t, err)
			_, bound := src.Deadline()
			assert.Equal(t, tc.want, bound)
			if tc.want > 2*time.Second {
				return // the message's bound is the same field; waiting 30 s proves no more
			}
			_, err = src.Token(source.Options{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "did not answer within "+tc.want.String())
		})
	}
}
