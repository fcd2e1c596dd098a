package session

import (
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/kp-token/kp-token/i18n"
)

// Kind names a way of failing to get a token; each has its own message and advice.
type Kind int

// The kinds of failure.
const (
	NotLoggedIn      Kind = iota + 1 // config.json holds no session
	MalformedToken                   // the stored access token is not a JWT
	SessionExpired                   // no refresh token, or IAM says it is invalid or expired
	NoEndpoint                       // nowhere to refresh
	Refused                          // IAM answered 4xx
	Unavailable                      // IAM answered 5xx or 429
	Unreachable                      // no connection to IAM
	Timeout                          // IAM (or a lock holder) did not answer within the bound
	BadAnswer                        // IAM's answer is not a usable token
	ConfigUnwritable                 // refreshed tokens could not be saved
	ConfigChanged                    // config.json changed during the refresh, so it was not saved
	LockTimeout                      // another process held the refresh lock for too long
	KeyRefused                       // IAM refused an API key (4xx)
	AnswerExpired                    // IAM's new token is already expired by the local clock
)

// Error is a failure to get a token. Its text says what went wrong and what to do; it never
// contains a token.
type Error struct {
	Kind     Kind
	Path     string
	Endpoint string
	Bound    time.Duration
	Expiry   time.Time // of the token IAM issued (AnswerExpired)
	Status   int
	Code     string // IAM's errorCode, such as BXNIM0408E
	Message  string // IAM's errorMessage
	Err      error
}

func (e *Error) Error() string {
	T := i18n.T
	switch e.Kind {
	case NotLoggedIn:
		return T("You are not logged in. Log in by running 'ibmcloud login', or 'ibmcloud login --sso' with a federated ID.")
	case MalformedToken:
		return T("The IAM token in '{{.Path}}' is not a well-formed access token, so it was not printed. Log in again by running 'ibmcloud login'.",
			map[string]any{"Path": e.Path})
	case SessionExpired:
		return T("Your IBM Cloud session has expired and cannot be refreshed. Log in again by running 'ibmcloud login', or 'ibmcloud login --sso' with a federated ID.")
	case NoEndpoint:
		return T("The CLI configuration names no IAM endpoint to refresh the token at. Log in again by running 'ibmcloud login'.")
	case Refused:
		return T("IAM refused to refresh the access token: {{.Detail}}. Log in again by running 'ibmcloud login', or 'ibmcloud login --sso' with a federated ID.",
			map[string]any{"Detail": e.detail()})
	case Unavailable:
		return T("IAM at '{{.Endpoint}}' could not issue an access token: {{.Detail}}. Try again later.",
			map[string]any{"Endpoint": e.Endpoint, "Detail": e.detail()})
	case Unreachable:
		return T("Cannot reach IAM at '{{.Endpoint}}': {{.Error}}. Check your network connection and try again.",
			map[string]any{"Endpoint": e.Endpoint, "Error": clean(errText(e.Err))})
	case Timeout:
		return T("IAM at '{{.Endpoint}}' did not answer within {{.Bound}}. Try again later, or raise the limit with 'ibmcloud config --http-timeout SECONDS'.",
			map[string]any{"Endpoint": e.Endpoint, "Bound": e.Bound.String()})
	case BadAnswer:
		return T("IAM at '{{.Endpoint}}' did not answer with a usable access token. Try again later.",
			map[string]any{"Endpoint": e.Endpoint})
	case AnswerExpired:
		return T("IAM at '{{.Endpoint}}' issued a token that expires at {{.Expiry}}, which has already passed by this machine's clock. Check that the system clock is right.",
			map[string]any{"Endpoint": e.Endpoint, "Expiry": e.Expiry.UTC().Format(time.RFC3339)})
	case ConfigUnwritable:
		return T("The refreshed token could not be saved to '{{.Path}}': {{.Error}}. The next command refreshes it again.",
			map[string]any{"Path": e.Path, "Error": clean(errText(e.Err))})
	case ConfigChanged:
		return T("The refreshed token was not saved: '{{.Path}}' changed meanwhile (a login or logout), and that session is kept.",
			map[string]any{"Path": e.Path})
	case KeyRefused:
		if e.Code == "BXNIM0415E" {
			return T("IAM could not find the API key ({{.Detail}}). Check that it is copied whole and was not deleted ('ibmcloud iam api-keys'), or create one with 'ibmcloud iam api-key-create'.",
				map[string]any{"Detail": e.detail()})
		}
		return T("IAM refused the API key: {{.Detail}}. Check that the key, its user or service ID, and its account are active, or create a new key with 'ibmcloud iam api-key-create'.",
			map[string]any{"Detail": e.detail()})
	case LockTimeout:
		return T("Another process refreshing the token held the lock on '{{.Path}}' for longer than {{.Bound}}. Try again.",
			map[string]any{"Path": e.Path, "Bound": e.Bound.String()})
	}
	return T("An unexpected error occurred.")
}

// Unwrap returns the cause, such as the error of a failed save.
func (e *Error) Unwrap() error { return e.Err }

// Is lets callers test the kind with errors.Is(err, &session.Error{Kind: session.Refused}).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind
}

func (e *Error) detail() string {
	parts := []string{"HTTP " + strconv.Itoa(e.Status)}
	if e.Code != "" {
		parts = append(parts, clean(e.Code))
	}
	if e.Message != "" {
		parts = append(parts, clean(e.Message))
	}
	return strings.Join(parts, " ")
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// clean makes text from a server or the OS safe for a terminal: no control characters (so
// no escape sequences), at most 200 characters.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "."))
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}
