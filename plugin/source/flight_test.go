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
		got := failureSince(failureNote(e, now), now)
		if assert.NotNil(t, got) {
			assert.Equal(t, e.Error(), got.Error())
		}
	}
	assert.Nil(t, failureSince(failureNote(&iam.Error{Kind: iam.Timeout}, now), now.Add(time.Nanosecond)), "a failure from before this run started is not its own")
	assert.Nil(t, failureSince(failureNote(nil, now), now), "a success clears the note")
}
