package iam

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// A timeout names what set the limit, so the advice fits: the CLI's setting, --timeout, the
// shell hook, or the short wait for a refresh of a token still valid.
func TestTimeoutNamesItsLimit(t *testing.T) {
	for by, want := range map[BoundBy]string{
		BySetting:    "within 5s. Try again later, or raise the limit with 'ibmcloud config --http-timeout SECONDS'.",
		ByFlag:       "within 5s, the limit --timeout set. Try again later.",
		ByHook:       "within 5s, the shell hook's limit for one refresh. The hook tries again in a minute.",
		ByValidToken: "within 5s, as long as a refresh may hold up a token that is still valid.",
	} {
		e := &Error{Kind: Timeout, Endpoint: "https://iam.cloud.ibm.com", Bound: 5 * time.Second, BoundBy: by}
		assert.Contains(t, e.Error(), want)
	}
}
