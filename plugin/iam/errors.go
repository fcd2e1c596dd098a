package iam

import (
	"strconv"
	"strings"
	"time"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/httpcall"
	"github.com/kp-token/kp-token/plugin/safetext"
)

// Grant is what was traded at IAM; the advice after a failure depends on it.
type Grant int

// The grants kp-token sends.
const (
	GrantRefreshToken    Grant = iota + 1 // the login session's refresh token
	GrantAPIKey                           // an API key
	GrantContainerToken                   // a container's compute-resource token, for a trusted profile
	GrantComputeResource                  // a virtual server's identity, through its metadata service
	GrantAssume                           // an access token, for a trusted profile that trusts its identity (--assume)
)

// BoundBy is what set the limit of a run, so that a timeout says what to change.
type BoundBy int

// What can set the limit.
const (
	BySetting    BoundBy = iota // the CLI's HTTP timeout, or the 30 s default
	ByFlag                      // --timeout
	ByHook                      // the shell hook's limit for one refresh
	ByValidToken                // the token at hand is still valid: it is not waited on for long
)

// Kind names a way IAM failed to issue a token; each has its own message and advice.
type Kind int

// The kinds of failure.
const (
	Ended         Kind = iota + 1 // IAM says the refresh token is invalid, expired or inactive
	Refused                       // IAM answered 4xx
	Unavailable                   // IAM answered 5xx or 429
	Unreachable                   // no connection to IAM
	Timeout                       // IAM did not answer before the deadline
	BadAnswer                     // IAM's answer is not a usable token
	AnswerExpired                 // IAM's new token is already expired by the local clock
	NoTimeLeft                    // the run's time went on waiting before IAM was called
)

// Error is IAM's failure to issue a token. Its text says what went wrong and what to do; it
// never contains a token or a key.
type Error struct {
	Kind     Kind
	Grant    Grant
	Endpoint string
	Bound    time.Duration
	BoundBy  BoundBy
	Expiry   time.Time // of the token IAM issued (AnswerExpired)
	Status   int
	Code     string // IAM's errorCode, such as BXNIM0408E
	Message  string // IAM's errorMessage
	Profile  string // the trusted profile asked for (GrantAssume), as given
	Err      error
}

// UserFacing marks the error as written for the user (commands.UserFacing).
func (*Error) UserFacing() {}

func (e *Error) Error() string {
	T := i18n.T
	switch e.Kind {
	case Ended:
		return T("Your IBM Cloud session has expired and cannot be refreshed. Log in again by running 'ibmcloud login', or 'ibmcloud login --sso' with a federated ID.")
	case Refused:
		switch e.Grant {
		case GrantContainerToken:
			return T("IAM refused the container token for the trusted profile: {{.Detail}}. Check the profile's name, ID or CRN, and that it trusts this compute resource.",
				map[string]any{"Detail": e.detail()})
		case GrantComputeResource:
			return T("The metadata service at '{{.Endpoint}}' refused to issue the trusted profile's token: {{.Detail}}. Log in again by running 'ibmcloud login --vpc-cri', and check that the profile trusts this server.",
				map[string]any{"Endpoint": safetext.Quote(e.Endpoint), "Detail": e.detail()})
		case GrantAssume:
			args := map[string]any{"Profile": safetext.Quote(e.Profile), "Detail": e.detail()}
			if e.notFound() {
				return T("IAM found no trusted profile '{{.Profile}}': {{.Detail}}. Check its ID, CRN or name ('ibmcloud iam trusted-profiles' lists them) and, for a name, the account (--account).", args)
			}
			return T("IAM refused to let you assume the trusted profile '{{.Profile}}': {{.Detail}}. Check that the profile's trust relationship names your user or service ID, or an access group you are in, and that you are logged in as the identity you meant.", args)
		}
		if e.Grant == GrantAPIKey {
			if e.Code == "BXNIM0415E" {
				return T("IAM could not find the API key ({{.Detail}}). Check that it is copied whole and was not deleted ('ibmcloud iam api-keys'), or create one with 'ibmcloud iam api-key-create'.",
					map[string]any{"Detail": e.detail()})
			}
			return T("IAM refused the API key: {{.Detail}}. Check that the key, its user or service ID, and its account are active, or create a new key with 'ibmcloud iam api-key-create'.",
				map[string]any{"Detail": e.detail()})
		}
		return T("IAM refused to refresh the access token: {{.Detail}}. Log in again by running 'ibmcloud login', or 'ibmcloud login --sso' with a federated ID.",
			map[string]any{"Detail": e.detail()})
	case Unavailable:
		if e.Grant == GrantComputeResource {
			return T("The metadata service at '{{.Endpoint}}' could not issue the trusted profile's token: {{.Detail}}. Try again later.",
				map[string]any{"Endpoint": safetext.Quote(e.Endpoint), "Detail": e.detail()})
		}
		return T("IAM at '{{.Endpoint}}' could not issue an access token: {{.Detail}}. Try again later.",
			map[string]any{"Endpoint": safetext.Quote(e.Endpoint), "Detail": e.detail()})
	case Unreachable:
		if e.Grant == GrantComputeResource {
			return T("Cannot reach the metadata service at '{{.Endpoint}}': {{.Error}}. Check that this server's metadata service is enabled, or log in again by running 'ibmcloud login --vpc-cri'.",
				map[string]any{"Endpoint": safetext.Quote(e.Endpoint), "Error": safetext.Clean(httpcall.ErrText(e.Err))})
		}
		return T("Cannot reach IAM at '{{.Endpoint}}': {{.Error}}. Check your network connection and try again.",
			map[string]any{"Endpoint": safetext.Quote(e.Endpoint), "Error": safetext.Clean(httpcall.ErrText(e.Err))})
	case Timeout:
		args := map[string]any{"Endpoint": safetext.Quote(e.Endpoint), "Bound": e.Bound.String()}
		if e.Grant == GrantComputeResource {
			return T("The metadata service at '{{.Endpoint}}' did not answer within {{.Bound}}. Try again later.", args)
		}
		switch e.BoundBy {
		case ByFlag:
			return T("IAM at '{{.Endpoint}}' did not answer within {{.Bound}}, the limit --timeout set. Try again later.", args)
		case ByHook:
			return T("IAM at '{{.Endpoint}}' did not answer within {{.Bound}}, the shell hook's limit for one refresh. The hook tries again in a minute.", args)
		case ByValidToken:
			return T("IAM at '{{.Endpoint}}' did not answer within {{.Bound}}, as long as a refresh may hold up a token that is still valid. Try again later.", args)
		}
		return T("IAM at '{{.Endpoint}}' did not answer within {{.Bound}}. Try again later, or raise the limit with 'ibmcloud config --http-timeout SECONDS'.", args)
	case BadAnswer:
		if e.Grant == GrantComputeResource {
			return T("The metadata service at '{{.Endpoint}}' did not answer with a usable access token. Try again later.",
				map[string]any{"Endpoint": safetext.Quote(e.Endpoint)})
		}
		return T("IAM at '{{.Endpoint}}' did not answer with a usable access token. Try again later.",
			map[string]any{"Endpoint": safetext.Quote(e.Endpoint)})
	case NoTimeLeft:
		if e.Grant == GrantComputeResource {
			return T("The metadata service at '{{.Endpoint}}' was not called: the {{.Bound}} this run had went on waiting, for the IBM Cloud CLI writing its configuration or for another kp-token run refreshing the token. Try again.",
				map[string]any{"Endpoint": safetext.Quote(e.Endpoint), "Bound": e.Bound.String()})
		}
		return T("IAM at '{{.Endpoint}}' was not called: the {{.Bound}} this run had went on waiting, for the IBM Cloud CLI writing its configuration or for another kp-token run refreshing the token. Try again.",
			map[string]any{"Endpoint": safetext.Quote(e.Endpoint), "Bound": e.Bound.String()})
	case AnswerExpired:
		if e.Grant == GrantComputeResource {
			return T("The metadata service at '{{.Endpoint}}' issued a token that expires at {{.Expiry}}, which has already passed by this machine's clock. Check that the system clock is right.",
				map[string]any{"Endpoint": safetext.Quote(e.Endpoint), "Expiry": e.Expiry.UTC().Format(time.RFC3339)})
		}
		return T("IAM at '{{.Endpoint}}' issued a token that expires at {{.Expiry}}, which has already passed by this machine's clock. Check that the system clock is right.",
			map[string]any{"Endpoint": safetext.Quote(e.Endpoint), "Expiry": e.Expiry.UTC().Format(time.RFC3339)})
	}
	return T("An unexpected error occurred.")
}

// Unwrap returns the cause, such as a connection error.
func (e *Error) Unwrap() error { return e.Err }

// Is lets callers test the kind with errors.Is(err, &iam.Error{Kind: iam.Refused}).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind
}

// notFound says IAM refused because it found no such thing: 404, or its words say so (IAM
// answers most refusals of a grant with 400, whatever their cause).
func (e *Error) notFound() bool {
	m := strings.ToLower(e.Message)
	return e.Status == 404 || strings.Contains(m, "not found") || strings.Contains(m, "not be found") || strings.Contains(m, "does not exist")
}

func (e *Error) detail() string {
	parts := []string{"HTTP " + strconv.Itoa(e.Status)}
	if e.Code != "" {
		parts = append(parts, safetext.Clean(e.Code))
	}
	if e.Message != "" {
		parts = append(parts, safetext.Clean(e.Message))
	}
	return strings.Join(parts, " ")
}
