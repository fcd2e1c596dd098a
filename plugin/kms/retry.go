package kms

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"

	"github.com/kp-token/kp-token/plugin/httpcall"
)

// firstBackoff is httpcall.FirstBackoff, a variable for tests only.
var firstBackoff = httpcall.FirstBackoff

// get asks for u with the token, until the answer is 200 or a failure another try cannot fix:
// 429, 5xx and connection resets are tried again as httpcall.Retry does (at most 4 tries,
// waiting as Retry-After asks, else firstBackoff doubling) while the context's deadline allows.
func (c *Client) get(ctx context.Context, endpoint, u, ref string) ([]byte, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, httpcall.DefaultTimeout)
		defer cancel()
	}
	var body []byte
	err := httpcall.Retry{
		Trace:        c.Trace,
		Secrets:      []string{c.jwt()},
		FirstBackoff: firstBackoff,
		OutOfTime: func(first bool) error {
			kind := Timeout
			if first {
				kind = NoTimeLeft // the Resource Controller was never asked: it is not to blame
			}
			return &Error{Kind: kind, Ref: ref, Endpoint: endpoint, Bound: c.Bound}
		},
	}.Do(ctx, func(hc *http.Client) (bool, error) {
		status, b, err := c.once(ctx, hc, u)
		if err == nil && status == http.StatusOK {
			body = b
			return false, nil
		}
		e := c.classify(endpoint, ref, status, b, err)
		return httpcall.Again(e.Kind == Unavailable, e.Kind == Unreachable || e.Kind == BadAnswer, err), e
	})
	if err != nil {
		return nil, err
	}
	return body, nil
}

// once makes one request: the status and body of the answer, or why there is none.
func (c *Client) once(ctx context.Context, hc *http.Client, u string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.jwt())
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// classify sorts a failed request into a kind, with the Resource Controller's words cleaned of
// the token.
func (c *Client) classify(endpoint, ref string, status int, body []byte, err error) *Error {
	e := &Error{Ref: ref, Endpoint: endpoint, Bound: c.Bound, Status: status}
	var netErr net.Error
	switch {
	case errors.Is(err, httpcall.ErrAnswerTooLarge):
		e.Kind = BadAnswer
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), errors.As(err, &netErr) && netErr.Timeout():
		e.Kind = Timeout
	case err != nil && status != 0:
		e.Kind = BadAnswer // cut short mid-answer
		e.Err = err
	case err != nil:
		e.Kind = Unreachable
		e.Err = httpcall.Innermost(err)
	default:
		e.Code, e.Message = answerDetail(body, c.jwt())
		e.Kind = byStatus(status)
	}
	return e
}

func byStatus(status int) Kind {
	switch {
	case status < 400:
		return BadAnswer // a redirect, which is not followed, or another answer without records
	case status == http.StatusUnauthorized:
		return Unauthorized
	case status == http.StatusForbidden:
		return Forbidden
	case status == http.StatusNotFound:
		return NotFound
	case status == http.StatusTooManyRequests || status >= 500:
		return Unavailable
	}
	return Refused
}

// answerDetail reads the Resource Controller's error JSON ({"error_code", "message"}, or
// {"errors": [{"code", "message"}]}), without the token if it were echoed.
func answerDetail(body []byte, token string) (code, message string) {
	var a struct {
		ErrorCode string `json:"error_code"`
		Message   string `json:"message"`
		Errors    []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &a) != nil {
		return "", ""
	}
	code, message = a.ErrorCode, a.Message
	if len(a.Errors) > 0 && code == "" && message == "" {
		code, message = a.Errors[0].Code, a.Errors[0].Message
	}
	return httpcall.Hide(code, token), httpcall.Hide(message, token)
}
