package session

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Processes queued behind a failed holder report its failure word for word.
func TestFailureNoteCarriesEveryDetail(t *testing.T) {
	now := time.Now()
	for _, e := range []*Error{
		{Kind: Unavailable, Endpoint: "https://iam.cloud.ibm.com", Bound: 30 * time.Second, Status: 503, Code: "BXNIM9999E", Message: "down"},
		{Kind: AnswerExpired, Endpoint: "https://iam.cloud.ibm.com", Bound: 5 * time.Second, Expiry: time.Unix(1795400000, 0)},
		{Kind: Timeout, Endpoint: "https://private.iam.cloud.ibm.com", Bound: 2 * time.Second},
	} {
		got := failureSince(failureNote(e, now), now)
		if assert.NotNil(t, got) {
			assert.Equal(t, e.Error(), got.Error())
		}
	}
	assert.Nil(t, failureSince(failureNote(&Error{Kind: Timeout}, now), now.Add(time.Nanosecond)), "a failure from before this run started is not its own")
	assert.Nil(t, failureSince(failureNote(nil, now), now), "a success clears the note")
}
