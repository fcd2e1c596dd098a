package source

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/kp-token/kp-token/plugin/iam"
)

// Processes queued behind a failed holder report its failure word for word.
func TestFailureNoteCarriesEveryDetail(t *testing.T) {
	now := time.Now()
	for _, e := range []*iam.Error{
		{Kind: iam.Unavailable, Grant: iam.GrantRefreshToken, Endpoint: "https://iam.cloud.ibm.com", Bound: 30 * time.Second, Status: 503, Code: "BXNIM9999E", Message: "down"},
		{Kind: iam.AnswerExpired, Grant: iam.GrantAPIKey, Endpoint: "https://iam.cloud.ibm.com", Bound: 5 * time.Second, Expiry: time.Unix(1795400000, 0)},
		{Kind: iam.Timeout, Endpoint: "https://private.iam.cloud.ibm.com", Bound: 2 * time.Second},
		{Kind: iam.Refused, Grant: iam.GrantAPIKey, Status: 400, Code: "BXNIM0415E", Message: "Provided API key could not be found."},
	} {
		got := failureSince(failureNote(e, now, "s"), now, now, "s")
		if assert.NotNil(t, got) {
			assert.Equal(t, e.Error(), got.Error())
		}
	}
	timeout := &iam.Error{Kind: iam.Timeout}
	assert.Nil(t, failureSince(failureNote(timeout, now, "s"), now.Add(time.Nanosecond), now, "s"), "a failure from before this run started is not its own")
	assert.Nil(t, failureSince(failureNote(nil, now, "s"), now, now, "s"), "a success clears the note")
}

// A note is honoured only briefly, never from the future (a clock that was ahead when it was
// written), and only for the same secret and endpoint (a new login, another key: a new try).
func TestFailureNoteIsHonouredOnlyWhereItBelongs(t *testing.T) {
	now := time.Now()
	e := &iam.Error{Kind: iam.Unavailable, Status: 503}
	assert.NotNil(t, failureSince(failureNote(e, now.Add(-time.Second), "s"), now.Add(-2*time.Second), now, "s"))
	assert.Nil(t, failureSince(failureNote(e, now.Add(24*time.Hour), "s"), now, now, "s"), "stamped a day ahead")
	assert.Nil(t, failureSince(failureNote(e, now.Add(-time.Minute), "s"), now.Add(-2*time.Minute), now, "s"), "too old")
	assert.Nil(t, failureSince(failureNote(e, now, "s"), now, now, "another"), "another refresh token, key or endpoint")
	assert.NotEqual(t, Subject("refresh-1", "https://iam.cloud.ibm.com"), Subject("refresh-2", "https://iam.cloud.ibm.com"))
	assert.NotEqual(t, Subject("refresh-1", "https://iam.cloud.ibm.com"), Subject("refresh-1", "https://private.iam.cloud.ibm.com"))
	assert.NotContains(t, string(failureNote(e, now, Subject("secret-refresh", "x"))), "secret-refresh")
}
