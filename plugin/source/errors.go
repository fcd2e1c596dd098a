package source

import (
	"time"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/httpcall"
	"github.com/kp-token/kp-token/plugin/iam"
	"github.com/kp-token/kp-token/plugin/safetext"
)

// Kind names a way of failing to get a token other than IAM's (those are iam.Errors).
type Kind int

// The kinds of failure.
const (
	NotLoggedIn          Kind = iota + 1 // config.json holds no session
	MalformedToken                       // the stored access token is not a JWT
	SessionExpired                       // no refresh token, or IAM says it is invalid or expired
	ConfigUnwritable                     // refreshed tokens could not be saved
	ConfigChanged                        // config.json changed during the refresh, so it was not saved
	LockTimeout                          // another process held the refresh lock for too long
	KeyTimeout                           // the API key could not be read before the deadline
	NotCached                            // show: no token for the API key is cached
	NoPrivateEndpoint                    // the CLI uses private endpoints but names no private IAM endpoint
	NoTrustedProfile                     // a compute-resource session whose config names no trusted profile
	NoContainerProfile                   // a container token without a trusted profile to trade it for
	NoContainerToken                     // no container token given, and none at the default paths
	BadAssume                            // --assume (or $KP_TOKEN_ASSUME) is blank, or holds control characters
	NoAssumeAccount                      // --assume names a profile by name, and no account is known to look it up in
	AccountWithoutAssume                 // --account, and no profile to assume
)

// Error is a failure to get a token. Its text says what went wrong and what to do; it never
// contains a token.
type Error struct {
	Kind  Kind
	Path  string // the file concerned (KeyTimeout: or standard input); for NotCached, the credential's source (FromContainer)
	Bound time.Duration
	Err   error
}

// UserFacing marks the error as written for the user (commands.UserFacing).
func (*Error) UserFacing() {}

func (e *Error) Error() string {
	T := i18n.T
	switch e.Kind {
	case NotLoggedIn:
		return T("You are not logged in. Log in by running 'ibmcloud login', or 'ibmcloud login --sso' with a federated ID.")
	case MalformedToken:
		return T("The IAM token in '{{.Path}}' is not a well-formed access token, so it was not printed. Log in again by running 'ibmcloud login'.",
			map[string]any{"Path": safetext.Quote(e.Path)})
	case SessionExpired:
		// IAM's own verdict on a refresh token says the same.
		return (&iam.Error{Kind: iam.Ended}).Error()
	case ConfigUnwritable:
		return T("The refreshed token could not be saved to '{{.Path}}': {{.Error}}. The next command refreshes it again.",
			map[string]any{"Path": safetext.Quote(e.Path), "Error": safetext.Clean(httpcall.ErrText(e.Err))})
	case ConfigChanged:
		return T("The refreshed token was not saved: '{{.Path}}' changed meanwhile (a login or logout), and that session is kept.",
			map[string]any{"Path": safetext.Quote(e.Path)})
	case LockTimeout:
		return T("Another process refreshing the token held the lock on '{{.Path}}' for longer than {{.Bound}}. Try again.",
			map[string]any{"Path": safetext.Quote(e.Path), "Bound": e.Bound.String()})
	case NoContainerProfile:
		return T("A container token is traded for a trusted profile's token: give --profile ID|NAME|CRN, or set IBMCLOUD_CR_PROFILE.")
	case NoContainerToken:
		return T("No container token was given, and none is at {{.Path}}. Give --cr-token @FILE, or set IBMCLOUD_CR_TOKEN.", map[string]any{"Path": e.Path})
	case NoTrustedProfile:
		return T("The CLI's configuration names no trusted profile for this compute-resource session, so its token cannot be renewed. Log in again by running 'ibmcloud login --vpc-cri'.")
	case NoPrivateEndpoint:
		return T("The CLI uses private endpoints but its configuration names no private IAM endpoint. Log in again by running 'ibmcloud login', or set IAM_ENDPOINT.")
	case BadAssume:
		return T("The trusted profile to assume (--assume, or KP_TOKEN_ASSUME) or its account (--account, or KP_TOKEN_ACCOUNT) is blank or holds control characters. Give the profile's ID, CRN or name.")
	case NoAssumeAccount:
		return T("The trusted profile to assume is given by its name, and the token it is assumed with names no account to look it up in. Give --account ACCOUNT_ID (or set KP_TOKEN_ACCOUNT), or the profile's ID or CRN.")
	case AccountWithoutAssume:
		return T("--account names the account of a trusted profile to assume: give --assume PROFILE too, or set KP_TOKEN_ASSUME.")
	case NotCached:
		switch e.Path {
		case FromAssume:
			return T("No token for this trusted profile is cached for you, and show makes no call to IAM. Run 'ibmcloud kp-token env' with --assume first.")
		case FromContainer:
			return T("No token for this container token and trusted profile is cached, and show makes no call to IAM. Run 'ibmcloud kp-token env' with them first.")
		}
		return T("No token for this API key is cached, and show makes no call to IAM. Run 'ibmcloud kp-token env' with the key first.")
	case KeyTimeout:
		return bySource(e.Path,
			T("Cannot read the API key from standard input: nothing came within {{.Bound}}. Keep the key in a regular file.",
				map[string]any{"Bound": e.Bound.String()}), "",
			func(w string) string {
				return T("Cannot read the API key from {{.Where}}: nothing came within {{.Bound}}. Keep the key in a regular file.",
					map[string]any{"Where": w, "Bound": e.Bound.String()})
			})
	}
	return T("An unexpected error occurred.")
}

// Unwrap returns the cause, such as the error of a failed save.
func (e *Error) Unwrap() error { return e.Err }

// Is lets callers test the kind with errors.Is(err, &source.Error{Kind: source.NotLoggedIn}).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind
}
