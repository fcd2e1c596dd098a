package kms

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kp-token/kp-token/plugin/httpcall"
)

// Client looks up Key Protect and HPCS instances at the Resource Controller with an access
// token. Its calls end at the context's deadline (httpcall.DefaultTimeout when it has none).
type Client struct {
	Cloud  Cloud               // the CLI's cloud and network: where the Resource Controller is
	Getenv func(string) string // nil: os.Getenv; EnvRCEndpoint overrides the endpoint
	Token  string              // the IAM access token, with or without "Bearer "
	Bound  time.Duration       // the run's limit, named by a timeout's message; 0 when unknown
	Trace  string              // the CLI's trace setting: "true" (stderr), a file's path, or ""
}

// Endpoint is the Resource Controller's endpoint the client asks (ResourceControllerEndpoint).
func (c *Client) Endpoint() (string, error) {
	getenv := c.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	return ResourceControllerEndpoint(c.Cloud, getenv)
}

func (c *Client) jwt() string {
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(c.Token), "Bearer "))
}

// pageSize is asked of the Resource Controller for each page of a list.
const pageSize = 100

// maxPages bounds a listing: 100 pages of 100 instances, far more than an account holds, and an
// end to a next_url that never ends.
const maxPages = 100

// Get looks up the instance with the GUID: GET /v2/resource_instances/{guid}. An instance of
// another service is an *Error of Kind NotKMS, one being deleted of Kind Deleted, an unknown
// GUID of Kind NotFound.
func (c *Client) Get(ctx context.Context, guid string) (Instance, error) {
	endpoint, err := c.Endpoint()
	if err != nil {
		return Instance{}, err
	}
	if !IsGUID(guid) {
		return Instance{}, &Error{Kind: NotFound, Ref: guid, Endpoint: endpoint, Status: 404}
	}
	guid = strings.ToLower(guid)
	body, err := c.get(ctx, endpoint, endpoint+"/v2/resource_instances/"+guid, guid)
	if err != nil {
		return Instance{}, err
	}
	var r rcInstance
	if json.Unmarshal(body, &r) != nil {
		return Instance{}, &Error{Kind: BadAnswer, Ref: guid, Endpoint: endpoint, Status: 200}
	}
	inst, cr, ok := r.instance()
	switch {
	case cr.guid != "" && cr.guid != guid:
		return Instance{}, &Error{Kind: BadAnswer, Ref: guid, Endpoint: endpoint, Status: 200}
	case !ok && cr.service != "" && cr.service != KeyProtect && cr.service != HPCS:
		return Instance{}, &Error{Kind: NotKMS, Ref: guid, Service: cr.service, Endpoint: endpoint}
	case !ok:
		return Instance{}, &Error{Kind: BadAnswer, Ref: guid, Endpoint: endpoint, Status: 200}
	case r.deleted():
		return Instance{}, &Error{Kind: Deleted, Ref: guid, State: r.State, Endpoint: endpoint}
	}
	return inst, nil
}

// ByName returns the kms and hs-crypto instances named exactly name (GET
// /v2/resource_instances?name=NAME, every page), sorted; none is no error, unless instances of
// other services have the name: then it is an *Error of Kind NotKMS naming their services.
func (c *Client) ByName(ctx context.Context, name string) ([]Instance, error) {
	var out []Instance
	others := map[string]bool{}
	err := c.list(ctx, name, func(i Instance) {
		if i.Name == name {
			out = append(out, i)
		}
	}, func(r *rcInstance, service string) {
		if r.Name == name {
			others[service] = true
		}
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 && len(others) > 0 {
		services := make([]string, 0, len(others))
		for s := range others {
			services = append(services, s)
		}
		sort.Strings(services)
		endpoint, _ := c.Endpoint()
		return nil, &Error{Kind: NotKMS, Ref: name, Service: strings.Join(services, ", "), Endpoint: endpoint}
	}
	sortInstances(out)
	return out, nil
}

// List returns every kms and hs-crypto instance the token can see (GET
// /v2/resource_instances, every page), sorted by name, then region, then GUID.
func (c *Client) List(ctx context.Context) ([]Instance, error) {
	var out []Instance
	err := c.list(ctx, "", func(i Instance) { out = append(out, i) }, nil)
	if err != nil {
		return nil, err
	}
	sortInstances(out)
	return out, nil
}

func sortInstances(s []Instance) {
	sort.Slice(s, func(a, b int) bool {
		x, y := s[a], s[b]
		if x.Name != y.Name {
			return x.Name < y.Name
		}
		if x.Region != y.Region {
			return x.Region < y.Region
		}
		return x.GUID < y.GUID
	})
}

// list follows the pages of GET /v2/resource_instances (with ?name= when name is given) and
// hands each live kms or hs-crypto instance to each, and each live instance of another service
// to other (when not nil) with its service. A next_url is followed only on the same scheme and
// host: the token is never sent anywhere else.
func (c *Client) list(ctx context.Context, name string, each func(Instance), other func(r *rcInstance, service string)) error {
	endpoint, err := c.Endpoint()
	if err != nil {
		return err
	}
	base, err := url.Parse(endpoint)
	if err != nil {
		return &Error{Kind: BadURL, URL: endpoint}
	}
	q := url.Values{}
	if name != "" {
		q.Set("name", name)
	}
	q.Set("limit", strconv.Itoa(pageSize))
	next := endpoint + "/v2/resource_instances?" + q.Encode()
	seen := map[string]bool{}
	for page := 0; next != ""; page++ {
		bad := &Error{Kind: BadAnswer, Ref: name, Endpoint: endpoint, Status: 200}
		if page == maxPages || seen[next] {
			return bad
		}
		seen[next] = true
		body, err := c.get(ctx, endpoint, next, name)
		if errors.Is(err, &Error{Kind: NotFound}) {
			return bad // the list itself is not there: not the Resource Controller
		}
		if err != nil {
			return err
		}
		var p struct {
			NextURL   *string       `json:"next_url"`
			Resources *[]rcInstance `json:"resources"`
		}
		if json.Unmarshal(body, &p) != nil || p.Resources == nil {
			return bad
		}
		for _, r := range *p.Resources {
			inst, cr, ok := r.instance()
			switch {
			case r.deleted():
			case ok:
				each(inst)
			case other != nil && cr.service != "" && cr.service != KeyProtect && cr.service != HPCS:
				other(&r, cr.service)
			}
		}
		next = ""
		if p.NextURL != nil && *p.NextURL != "" {
			if next = follow(base, *p.NextURL); next == "" {
				return bad
			}
		}
	}
	return nil
}

// follow resolves a next_url against the endpoint: a path (the Resource Controller's form,
// "/v2/resource_instances?start=…&limit=100") keeps the endpoint's scheme, host and any path
// prefix; an absolute URL must have the endpoint's scheme and host. Anything else gives "".
func follow(base *url.URL, next string) string {
	ref, err := url.Parse(next)
	if err != nil || ref.User != nil || ref.Fragment != "" {
		return ""
	}
	if ref.Scheme == "" && ref.Host == "" {
		if !strings.HasPrefix(ref.Path, "/") {
			return ""
		}
		prefix := strings.TrimRight(base.Path, "/")
		p := ref.Path
		if prefix != "" && !strings.HasPrefix(p, prefix+"/") {
			p = prefix + p
		}
		u := url.URL{Scheme: base.Scheme, Host: base.Host, Path: p, RawQuery: ref.RawQuery}
		return u.String()
	}
	if ref.Scheme != base.Scheme || ref.Host != base.Host {
		return ""
	}
	return ref.String()
}

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
