package iam

import (
	"context"
	"net/http"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/authentication"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/authentication/iam"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/common/rest"

	"github.com/kp-token/kp-token/plugin/httpcall"
)

// call asks IAM's token endpoint for a token with the SDK's client, as retry tries.
func (c *Client) call(ctx context.Context, g Grant, req *authentication.TokenRequest, secret string) (*iam.Token, error) {
	var answer *iam.Token
	err := c.retry(ctx, g, c.Endpoint, secret, func(rc *rest.Client) error {
		var err error
		answer, err = iam.NewClient(iam.DefaultConfig(c.Endpoint), rc).GetToken(req)
		return err
	})
	return answer, err
}

// retry runs try with a REST client of httpcall's (every request ends by the deadline, goes
// through the answer limit and the trace with secret hidden, and follows no redirect). It tries
// again what another try can fix (5xx, 429, a connection reset) as httpcall.Retry does; it never
// retries a refusal. endpoint is where try goes, for messages.
func (c *Client) retry(ctx context.Context, g Grant, endpoint, secret string, try func(*rest.Client) error) error {
	return httpcall.Retry{
		Trace:   c.Trace,
		Secrets: []string{secret},
		OutOfTime: func(first bool) error {
			kind := Timeout
			if first {
				kind = NoTimeLeft // the server was never asked: it is not to blame
			}
			return &Error{Kind: kind, Grant: g, Endpoint: endpoint, Bound: c.Bound, BoundBy: c.BoundBy}
		},
	}.Do(ctx, func(hc *http.Client) (bool, error) {
		err := try(&rest.Client{HTTPClient: hc, DefaultHeader: make(http.Header)})
		if err == nil {
			return false, nil
		}
		e := c.classify(g, endpoint, err, secret)
		return httpcall.Again(e.Kind == Unavailable, e.Kind == Unreachable || e.Kind == BadAnswer, err), e
	})
}
