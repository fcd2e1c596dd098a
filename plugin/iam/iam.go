// Package iam is kp-token's IAM client: it trades a refresh token or an API key for an access
// token at IAM's token endpoint, with the SDK's own request builders. Around the SDK's client
// it adds what a command run from a shell profile needs: one deadline for every try, retries of
// what another try can fix (honouring Retry-After), a cap on answers, no redirects (a secret is
// never sent elsewhere), the CLI's trace with every secret hidden (all of which plugin/httpcall
// does, for the kms client too), and each failure sorted into a Kind with its advice.
package iam

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/authentication"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/authentication/iam"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/authentication/vpc"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/common/rest"

	"github.com/kp-token/kp-token/plugin/httpcall"
	"github.com/kp-token/kp-token/plugin/token"
)

// DefaultEndpoint is IAM's public endpoint, where tokens are got when nothing else says where.
const DefaultEndpoint = "https://iam.cloud.ibm.com"

// Client asks one IAM endpoint for tokens.
type Client struct {
	Endpoint string
	// Bound is the limit the run's deadline came from, and BoundBy what set it; messages name
	// both.
	Bound   time.Duration
	BoundBy BoundBy
	// Trace is the CLI's trace setting ("true" for stderr, or a file's path); requests and
	// answers are traced with every token and key hidden (plugin/httpcall).
	Trace string
}

// Refresh trades the session's refresh token for a checked access token and the refresh token
// to keep (IAM's new one, or the old one when it sends none).
func (c *Client) Refresh(ctx context.Context, refresh string) (token.Token, string, error) {
	answer, err := c.call(ctx, GrantRefreshToken, iam.RefreshTokenRequest(refresh), refresh)
	if err != nil {
		return token.Token{}, "", err
	}
	t, err := c.check(GrantRefreshToken, answer.AccessToken)
	if err != nil {
		return token.Token{}, "", err
	}
	if answer.RefreshToken != "" {
		refresh = answer.RefreshToken
	}
	return t, refresh, nil
}

// APIKey trades an API key for a checked access token.
func (c *Client) APIKey(ctx context.Context, key string) (token.Token, error) {
	answer, err := c.call(ctx, GrantAPIKey, iam.APIKeyTokenRequest(key), key)
	if err != nil {
		return token.Token{}, err
	}
	return c.check(GrantAPIKey, answer.AccessToken)
}

// ContainerToken trades a compute-resource token (a container's service account token) for a
// checked access token of the trusted profile: IAM's cr-token grant, with the profile as its
// ID ("Profile-…"), CRN ("crn:…") or name, as IBM's container authenticators send it.
func (c *Client) ContainerToken(ctx context.Context, crToken, profile string) (token.Token, error) {
	var id, name, crn string
	switch {
	case strings.HasPrefix(profile, "crn:"):
		crn = profile
	case strings.HasPrefix(profile, "Profile-"):
		id = profile
	default:
		name = profile
	}
	answer, err := c.call(ctx, GrantContainerToken, iam.CRTokenRequestWithCRN(crToken, id, name, crn), crToken)
	if err != nil {
		return token.Token{}, err
	}
	return c.check(GrantContainerToken, answer.AccessToken)
}

// GrantTypeAssume is IAM's grant that trades an identity's access token for the token of a
// trusted profile that trusts it (go-sdk-core's IamAssumeAuthenticator sends it; the CLI SDK
// names no such grant).
const GrantTypeAssume authentication.GrantType = "urn:ibm:params:oauth:grant-type:assume"

// Assume trades the caller's access token (without Bearer) for a checked access token of the
// trusted profile, given as its ID ("Profile-…"), CRN ("crn:…") or name; a name is looked up in
// account. The form is the one go-sdk-core's IamAssumeAuthenticator sends: one of profile_crn,
// profile_id, or profile_name with account. IAM sends no refresh token for it.
func (c *Client) Assume(ctx context.Context, caller, profile, account string) (token.Token, error) {
	req := authentication.NewTokenRequest(GrantTypeAssume)
	req.SetTokenParam("access_token", caller)
	switch {
	case strings.HasPrefix(profile, "crn:"):
		req.SetTokenParam("profile_crn", profile)
	case strings.HasPrefix(profile, "Profile-"):
		req.SetTokenParam("profile_id", profile)
	default:
		req.SetTokenParam("profile_name", profile)
		req.SetTokenParam("account", account)
	}
	answer, err := c.call(ctx, GrantAssume, req, caller)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Profile = profile
		}
		return token.Token{}, err
	}
	return c.check(GrantAssume, answer.AccessToken)
}

// ComputeResource gets a trusted profile's access token for the VPC or Power virtual server
// this runs on, as `ibmcloud` renews an `ibmcloud login --vpc-cri` session: the server's
// metadata service (at metadataURL) issues an instance identity token, then exchanges it for
// the profile's IAM token, through the SDK's own vpc client.
func (c *Client) ComputeResource(ctx context.Context, power bool, metadataURL, profileID string) (token.Token, error) {
	config := vpc.DefaultConfig(metadataURL, vpc.DefaultMetadataServiceVersion)
	if power {
		config = vpc.PVSConfig(metadataURL, vpc.DefaultMetadataServiceVersion)
	}
	var identity *vpc.InstanceIdentityToken
	err := c.retry(ctx, GrantComputeResource, metadataURL, "", func(rc *rest.Client) error {
		var err error
		identity, err = vpc.NewClient(config, rc).GetInstanceIdentityToken()
		return err
	})
	if err != nil {
		return token.Token{}, err
	}
	req, err := vpc.NewIAMAccessTokenRequest(profileID, "", identity.AccessToken)
	if err != nil {
		return token.Token{}, err
	}
	var answer *iam.Token
	err = c.retry(ctx, GrantComputeResource, metadataURL, identity.AccessToken, func(rc *rest.Client) error {
		var err error
		answer, err = vpc.NewClient(config, rc).GetIAMAccessToken(req)
		return err
	})
	if err != nil {
		return token.Token{}, err
	}
	saved := c.Endpoint
	c.Endpoint = metadataURL // for the messages of check
	defer func() { c.Endpoint = saved }()
	return c.check(GrantComputeResource, answer.AccessToken)
}

// check checks the access token IAM issued: a JWT that says when it expires, and not already
// expired. Printed, one without an expiry would be refreshed at every run; one that looks
// expired on arrival means this machine's clock is wrong, which the user must hear.
func (c *Client) check(g Grant, access string) (token.Token, error) {
	t, err := token.Parse(access)
	if err != nil || t.Expiry.IsZero() || t.Expiry.Year() > 9999 {
		// Beyond the year 9999 is no real expiry (and past time's range it wraps into the past).
		return token.Token{}, &Error{Kind: BadAnswer, Grant: g, Endpoint: c.Endpoint}
	}
	if !t.Expiry.After(time.Now()) {
		return token.Token{}, &Error{Kind: AnswerExpired, Grant: g, Endpoint: c.Endpoint, Expiry: t.Expiry}
	}
	return t, nil
}

// classify turns what the SDK's IAM client returned into one of our kinds. The SDK decodes
// IAM's error JSON into typed errors for the codes it knows and ServerError for the rest.
func (c *Client) classify(g Grant, endpoint string, err error, secret string) *Error {
	e := &Error{Grant: g, Endpoint: endpoint, Bound: c.Bound, BoundBy: c.BoundBy}
	var (
		invalid  *authentication.InvalidTokenError
		expired  *authentication.RefreshTokenExpiryError
		inactive *authentication.SessionInactiveError
		external authentication.ExternalAuthenticationError
		server   *authentication.ServerError
		resp     *rest.ErrorResponse
		netErr   net.Error
	)
	switch {
	case errors.As(err, &invalid), errors.As(err, &expired), errors.As(err, &inactive), errors.As(err, &external):
		e.Kind = Ended
	case errors.As(err, &server):
		// IAM's words go into messages and failure notes: never with the secret sent in them.
		// Hidden as the trace hides them: by value in every spelling, and by shape.
		e.Status, e.Code, e.Message = server.StatusCode, httpcall.Redact(httpcall.Hide(server.ErrorCode, secret)), httpcall.Redact(httpcall.Hide(server.Description, secret))
		e.Kind = byStatus(g, server.StatusCode)
	case errors.As(err, &resp):
		e.Status = resp.StatusCode
		e.Kind = byStatus(g, resp.StatusCode)
	case errors.As(err, &netErr) && netErr.Timeout():
		e.Kind = Timeout
	case errors.As(err, &netErr):
		e.Kind = Unreachable
		e.Err = httpcall.Innermost(err)
	default:
		// A 2xx whose body is not a token response, cut short, or not JSON.
		e.Kind = BadAnswer
	}
	return e
}

func byStatus(g Grant, status int) Kind {
	switch {
	case g == GrantAssume && status == http.StatusNotFound:
		return Refused // no such trusted profile: another try finds none either
	case status < 400:
		return BadAnswer // a redirect, which is not followed, or another answer without a token
	case status == http.StatusTooManyRequests || status >= 500:
		return Unavailable
	case status == http.StatusBadRequest || status == http.StatusUnauthorized || status == http.StatusForbidden:
		return Refused
	default:
		return Unavailable
	}
}
