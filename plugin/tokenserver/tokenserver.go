// Package tokenserver is exec --serve's loopback endpoint: it answers IAM's API-key grant
// (POST /identity/token, grant_type=urn:ibm:params:oauth:grant-type:apikey) as IAM does, with
// the session's token, for the one program that was given the per-run key. IBM's SDK cores
// (go-sdk-core's IamAuthenticator and its Python, Node and Java peers) read <SERVICE>_APIKEY and
// <SERVICE>_AUTH_URL from their environment and come back for a new token before theirs falls
// due, so a program that outlives one token renews from the user's login without a credential
// of its own (aws-vault's --ecs-server is the model).
//
// It knows HTTP, the grant, the key and Host checks, body bounds and IAM-shaped answers; the
// tokens come from the function it is given. The key and the tokens appear in no message.
package tokenserver

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/kp-token/kp-token/plugin/token"
)

// Path is where IAM answers the grant, and where the SDKs post it under their AUTH_URL.
const Path = "/identity/token"

// GrantAPIKey is the one grant served: the one IBM's SDKs send with an API key.
const GrantAPIKey = "urn:ibm:params:oauth:grant-type:apikey"

// MaxBody bounds a request's body: the SDKs' grant is under 200 bytes.
const MaxBody = 16 << 10

// keyBytes is the per-run key's randomness: 256 bits.
const keyBytes = 32

// Error codes of the answers, IAM's own where IAM has one for the case.
const (
	CodeKeyNotFound     = "BXNIM0415E" // IAM: "Provided API key could not be found."
	CodeUnsupportedType = "BXNIM0103E" // IAM: the grant type is not supported
	CodeNoToken         = "KPTOKEN0001E"
	CodeRefused         = "KPTOKEN0002E"
)

// Fetch gets a token from the session as it is now, valid for the server's MinValidity when
// it can be refreshed; a token still valid when its refresh failed; or the error, in words
// for the user (no secret in them).
type Fetch func() (token.Token, error)

// Server is one run's endpoint, on 127.0.0.1 at a port the kernel picked.
type Server struct {
	fetch Fetch
	min   time.Duration
	key   string
	host  string // 127.0.0.1:PORT, the one Host header served
	srv   *http.Server
	now   func() time.Time

	mu      sync.Mutex
	last    token.Token // the last token fetched: handed out while valid for min
	retryAt time.Time   // a refresh failed and last was handed out instead: no fetch before this
	flight  *flight     // the fetch under way, which concurrent requests wait for
	waiting int         // requests waiting for a flight (tests)
}

// RetryAfter is how long a token still valid whose refresh failed is handed out before the
// refresh is tried again (as the shell hook waits a minute): an outage costs one attempt, and
// one line on stderr, a minute, not one for every request a busy client makes.
const RetryAfter = time.Minute

// flight is one fetch; done closes when tok and err are set.
type flight struct {
	done chan struct{}
	tok  token.Token
	err  error
}

// Start listens on the loopback address and serves until Close. Tokens come from fetch; one
// valid for longer than minValidity is handed out again without a fetch; first (zero: none)
// is the token the run began with.
func Start(fetch Fetch, minValidity time.Duration, first token.Token) (*Server, error) {
	raw := make([]byte, keyBytes)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{fetch: fetch, min: minValidity, key: hex.EncodeToString(raw), host: ln.Addr().String(), now: time.Now, last: first}
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       20 * time.Second,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    MaxBody,
		ErrorLog:          log.New(io.Discard, "", 0), // nothing of a request reaches stderr
	}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// URL is what the SDKs take as their AUTH_URL: http://127.0.0.1:PORT.
func (s *Server) URL() string { return "http://" + s.host }

// Key is the per-run key, 64 hex digits, for the child's environment only.
func (s *Server) Key() string { return s.key }

// Close closes the listener and every connection at once: no request is answered after it.
func (s *Server) Close() error { return s.srv.Close() }

// Token is the token to hand out: the last one while it is valid for longer than the minimum,
// else one fetch's, which requests that come while it runs share.
func (s *Server) Token() (token.Token, error) {
	s.mu.Lock()
	if now := s.now(); s.last.ValidFor(s.min, now) || now.Before(s.retryAt) && s.last.ValidFor(0, now) {
		t := s.last
		s.mu.Unlock()
		return t, nil
	}
	if f := s.flight; f != nil {
		s.waiting++
		s.mu.Unlock()
		<-f.done
		s.mu.Lock()
		s.waiting--
		s.mu.Unlock()
		return f.tok, f.err
	}
	f := &flight{done: make(chan struct{})}
	s.flight = f
	s.mu.Unlock()

	f.tok, f.err = s.fetch()
	if f.err == nil && !f.tok.ValidFor(0, s.now()) {
		f.tok, f.err = token.Token{}, errExpired
	}
	s.mu.Lock()
	if f.err == nil {
		s.last, s.retryAt = f.tok, time.Time{}
		if !f.tok.ValidFor(s.min, s.now()) {
			s.retryAt = s.now().Add(RetryAfter) // the refresh failed; the token at hand was handed out
		}
	}
	s.flight = nil
	s.mu.Unlock()
	close(f.done)
	return f.tok, f.err
}

var errExpired = errors.New("the session's token has expired: run 'ibmcloud login'")

// ServeHTTP answers the API-key grant with the key it holds, and refuses anything else
// before it looks at a token.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// A page in a browser that made a name resolve to 127.0.0.1 (DNS rebinding) sends its own
	// name as Host, and a browser always sends Origin with a cross-site POST: neither is served.
	if r.Host != s.host || r.Header.Get("Origin") != "" || !loopback(r.RemoteAddr) {
		answerError(w, http.StatusForbidden, CodeRefused, "This endpoint serves only the program kp-token started, at "+s.URL()+".")
		return
	}
	if r.URL.Path != Path {
		answerError(w, http.StatusNotFound, CodeRefused, "Only "+Path+" is served here.")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		answerError(w, http.StatusMethodNotAllowed, CodeRefused, "Only POST is served here.")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		answerError(w, http.StatusBadRequest, CodeUnsupportedType, "The grant must be a form (application/x-www-form-urlencoded).")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			answerError(w, http.StatusRequestEntityTooLarge, CodeRefused, "The request is too large.")
			return
		}
		answerError(w, http.StatusBadRequest, CodeUnsupportedType, "The grant could not be read.")
		return
	}
	if r.PostForm.Get("grant_type") != GrantAPIKey {
		answerError(w, http.StatusBadRequest, CodeUnsupportedType, "Only the API-key grant ("+GrantAPIKey+") is served here.")
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("apikey")), []byte(s.key)) != 1 {
		answerError(w, http.StatusBadRequest, CodeKeyNotFound, "Provided API key could not be found.")
		return
	}
	t, err := s.Token()
	if err != nil {
		answerError(w, http.StatusBadRequest, CodeNoToken, err.Error())
		return
	}
	now := s.now()
	answer(w, http.StatusOK, map[string]any{
		"access_token": t.JWT,
		// The session's refresh token never leaves kp-token; IAM answers the API-key grant so.
		"refresh_token": "not_supported",
		"token_type":    "Bearer",
		// The truth about the token handed out: the SDK comes back once 80% of it has passed.
		"expires_in": int64(t.Expiry.Sub(now) / time.Second),
		"expiration": t.Expiry.Unix(),
		"scope":      "ibm openid",
	})
}

// loopback says whether a peer's address is a loopback one (the listener takes no other).
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	return err == nil && ip != nil && ip.IsLoopback()
}

// answerError writes IAM's error shape.
func answerError(w http.ResponseWriter, status int, code, message string) {
	answer(w, status, map[string]any{"errorCode": code, "errorMessage": message, "context": map[string]any{"requestType": "kp-token exec --serve"}})
}

func answer(w http.ResponseWriter, status int, body map[string]any) {
	b, _ := json.Marshal(body)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
