// Package iamtest provides test doubles of IAM for kp-token's tests: JWTs shaped like IAM's,
// and a loopback HTTP server answering POST /identity/token as IAM does.
package iamtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Claims are the IAM claims the tests set; zero values take user-like defaults.
type Claims struct {
	IAMID     string
	Email     string
	Account   string
	SubType   string // "", "ServiceId" or "Profile"
	IssuedAt  time.Time
	ExpiresAt time.Time
	Override  map[string]any // claims set as given, over the defaults (hostile values, say)
}

// JWT mints an unsigned-but-well-formed IAM-shaped token (header.payload.signature).
func JWT(c Claims) string {
	if c.IAMID == "" {
		c.IAMID = "IBMid-2700012345"
	}
	if c.Email == "" && c.SubType == "" {
		c.Email = "jane.doe@example.com"
	}
	if c.Account == "" {
		c.Account = "0123456789abcdef0123456789abcdef"
	}
	if c.IssuedAt.IsZero() {
		c.IssuedAt = time.Now()
	}
	if c.ExpiresAt.IsZero() {
		c.ExpiresAt = c.IssuedAt.Add(time.Hour)
	}
	header := map[string]any{"kid": "20260101", "alg": "RS256"}
	payload := map[string]any{
		"iam_id": c.IAMID, "id": c.IAMID, "realmid": "IBMid", "sub": subject(c), "email": c.Email,
		"name": "Jane Doe", "given_name": "Jane", "family_name": "Doe",
		"account": map[string]any{"bss": c.Account, "valid": true},
		"iat":     c.IssuedAt.Unix(), "exp": c.ExpiresAt.Unix(),
		"iss": "https://iam.cloud.ibm.com/identity", "grant_type": "password", "scope": "ibm openid",
		"client_id": "bx", "acr": 1, "amr": []string{"pwd"},
	}
	if c.SubType != "" {
		payload["sub_type"] = c.SubType
	}
	for k, v := range c.Override {
		payload[k] = v
	}
	return enc(header) + "." + enc(payload) + "." + base64.RawURLEncoding.EncodeToString([]byte("not-a-real-signature"))
}

// Valid mints a token that expires in d.
func Valid(d time.Duration) string {
	return JWT(Claims{IssuedAt: time.Now().Add(d - time.Hour), ExpiresAt: time.Now().Add(d)})
}

func enc(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Server is a loopback IAM. By default it answers every refresh_token grant with a fresh
// one-hour token (Lifetime chooses another); Handler replaces that behaviour.
type Server struct {
	*httptest.Server
	calls atomic.Int64

	mu       sync.Mutex
	Handler  http.HandlerFunc // nil: answer with a fresh token
	Issued   []string         // access tokens handed out, in order
	Refreshs []string         // refresh tokens received, in order
	APIKeys  map[string]bool  // API keys IAM knows (apikey grant)
	CRTokens []CRToken        // container tokens received (cr-token grant), in order
	Profiles map[string]bool  // trusted profiles (ID, name or CRN) IAM knows for the cr-token grant
	Lifetime time.Duration    // of the access tokens it issues (exp is in whole seconds); 0: an hour, as IAM's
	// Trusted are the trusted profiles the assume grant may assume, and Assumes the assume
	// grants received, in order.
	Trusted []TrustedProfile
	Assumes []Assume
}

// TrustedProfile is a trusted profile IAM knows, and the identities (IAM IDs) it trusts.
type TrustedProfile struct {
	ID, Name, CRN, Account string
	Trusts                 []string
}

// Assume is an assume grant as IAM received it.
type Assume struct {
	AccessToken, ProfileID, ProfileName, ProfileCRN, Account string
	BasicAuth                                                bool // client credentials were sent
}

// CRToken is a cr-token grant as IAM received it.
type CRToken struct {
	Token, ProfileID, ProfileName, ProfileCRN string
}

// NewServer starts a loopback IAM; close it with Close.
func NewServer() *Server {
	s := &Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Calls is how many requests reached the server.
func (s *Server) Calls() int { return int(s.calls.Load()) }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.calls.Add(1)
	s.mu.Lock()
	h := s.Handler
	s.mu.Unlock()
	if h != nil {
		h(w, r)
		return
	}
	s.Refresh(w, r)
}

// Refresh is IAM's happy path: it checks the request's shape and answers with new tokens.
func (s *Server) Refresh(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/identity/token" {
		Error(w, http.StatusNotFound, "BXNIM0001E", "unexpected request "+r.Method+" "+r.URL.Path)
		return
	}
	if err := r.ParseForm(); err != nil {
		Error(w, http.StatusBadRequest, "BXNIM0109E", "Property missing or empty.")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "refresh_token":
		if r.PostForm.Get("refresh_token") == "" {
			Error(w, http.StatusBadRequest, "BXNIM0109E", "Property missing or empty.")
			return
		}
	case "urn:ibm:params:oauth:grant-type:cr-token":
		f := r.PostForm
		s.mu.Lock()
		s.CRTokens = append(s.CRTokens, CRToken{f.Get("cr_token"), f.Get("profile_id"), f.Get("profile_name"), f.Get("profile_crn")})
		known := s.Profiles[f.Get("profile_id")+f.Get("profile_name")+f.Get("profile_crn")]
		s.mu.Unlock()
		if f.Get("cr_token") == "" || !known {
			Error(w, http.StatusBadRequest, "BXNIM0468E", "The compute resource token or profile was not accepted.")
			return
		}
	case "urn:ibm:params:oauth:grant-type:assume":
		s.assume(w, r)
		return
	case "urn:ibm:params:oauth:grant-type:apikey":
		s.mu.Lock()
		known := s.APIKeys[r.PostForm.Get("apikey")]
		s.mu.Unlock()
		if !known {
			Error(w, http.StatusBadRequest, "BXNIM0415E", "Provided API key could not be found.")
			return
		}
	default:
		Error(w, http.StatusBadRequest, "BXNIM0103E", "Unsupported grant type.")
		return
	}
	if user, pass, ok := r.BasicAuth(); !ok || user != "bx" || pass != "bx" {
		Error(w, http.StatusUnauthorized, "BXNIM0308E", "Client authentication failed.")
		return
	}
	now := time.Now()
	s.mu.Lock()
	life := s.Lifetime
	if life == 0 {
		life = time.Hour
	}
	access := JWT(Claims{IssuedAt: now, ExpiresAt: now.Add(life)})
	refresh := fmt.Sprintf("refresh-%d", now.UnixNano())
	s.Issued = append(s.Issued, access)
	s.Refreshs = append(s.Refreshs, r.PostForm.Get("refresh_token"))
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": access, "refresh_token": refresh, "token_type": "Bearer",
		"expires_in": int(life / time.Second), "expiration": now.Add(life).Unix(), "scope": "ibm openid",
	})
}

// assume answers the assume grant as IAM does: the caller's access token must be one IAM
// issued (well formed, not expired), the profile one of Trusted (by ID, CRN, or name in the
// account given), trusting the caller's IAM ID. The answer is the profile's token, without a
// refresh token; its claims name the profile, and authn the caller. The error codes of its
// refusals are this stand-in's (IAM documents none for the grant): 400 for a form that is not
// whole, 400 "not found" for an unknown profile, 403 for a caller the profile does not trust.
func (s *Server) assume(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	user, pass, basic := r.BasicAuth()
	a := Assume{f.Get("access_token"), f.Get("profile_id"), f.Get("profile_name"), f.Get("profile_crn"), f.Get("account"), basic}
	s.mu.Lock()
	s.Assumes = append(s.Assumes, a)
	trusted := append([]TrustedProfile(nil), s.Trusted...)
	life := s.Lifetime
	s.mu.Unlock()
	if basic && (user != "bx" || pass != "bx") {
		Error(w, http.StatusUnauthorized, "BXNIM0308E", "Client authentication failed.")
		return
	}
	caller, ok := Payload(a.AccessToken)
	exp, _ := caller["exp"].(float64)
	callerID, _ := caller["iam_id"].(string)
	if !ok || callerID == "" || time.Unix(int64(exp), 0).Before(time.Now()) {
		Error(w, http.StatusBadRequest, "BXNIM0407E", "Provided user token is not valid.")
		return
	}
	given := 0
	for _, v := range []string{a.ProfileID, a.ProfileCRN, a.ProfileName} {
		if v != "" {
			given++
		}
	}
	if given != 1 || a.ProfileName != "" && a.Account == "" {
		Error(w, http.StatusBadRequest, "BXNIM0109E", "Property missing or empty.")
		return
	}
	var p *TrustedProfile
	for i, t := range trusted {
		if a.ProfileID != "" && t.ID == a.ProfileID || a.ProfileCRN != "" && t.CRN == a.ProfileCRN ||
			a.ProfileName != "" && t.Name == a.ProfileName && t.Account == a.Account {
			p = &trusted[i]
		}
	}
	if p == nil {
		Error(w, http.StatusBadRequest, "BXNIM0532E", "Trusted profile not found.")
		return
	}
	if !slices.Contains(p.Trusts, callerID) {
		Error(w, http.StatusForbidden, "BXNIM0533E", "The identity is not trusted by the trusted profile.")
		return
	}
	if life == 0 {
		life = time.Hour
	}
	now := time.Now()
	authn := map[string]any{"iam_id": callerID, "sub": caller["sub"], "name": caller["name"], "email": caller["email"]}
	access := JWT(Claims{IAMID: "iam-" + p.ID, SubType: "Profile", Account: p.Account, IssuedAt: now, ExpiresAt: now.Add(life),
		Override: map[string]any{"name": p.Name, "given_name": nil, "family_name": nil, "email": nil,
			"grant_type": "urn:ibm:params:oauth:grant-type:assume", "authn": authn,
			"jti": fmt.Sprintf("assume-%d", s.calls.Load())}}) // unique, as IAM's: two in one second differ
	s.mu.Lock()
	s.Issued = append(s.Issued, access)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": access, "token_type": "Bearer",
		"expires_in": int(life / time.Second), "expiration": now.Add(life).Unix(), "scope": "ibm openid",
	})
}

// Payload decodes a JWT's claims; false when it is not one.
func Payload(jwt string) (map[string]any, bool) {
	parts := strings.Split(strings.TrimPrefix(jwt, "Bearer "), ".")
	if len(parts) != 3 {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	var m map[string]any
	if err != nil || json.Unmarshal(b, &m) != nil {
		return nil, false
	}
	return m, true
}

// Assumed is a copy of the assume grants received so far.
func (s *Server) Assumed() []Assume {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Assume(nil), s.Assumes...)
}

// SetTrusted replaces the trusted profiles while the server runs.
func (s *Server) SetTrusted(p ...TrustedProfile) {
	s.mu.Lock()
	s.Trusted = p
	s.mu.Unlock()
}

// Error writes IAM's error JSON.
func Error(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errorCode": code, "errorMessage": message,
		"context": map[string]any{"requestId": "test"},
	})
}

// LastIssued is the newest access token handed out, or "".
func (s *Server) LastIssued() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.Issued) == 0 {
		return ""
	}
	return s.Issued[len(s.Issued)-1]
}

// SetHandler replaces the behaviour while the server runs.
func (s *Server) SetHandler(h http.HandlerFunc) {
	s.mu.Lock()
	s.Handler = h
	s.mu.Unlock()
}

// SetLifetime sets the lifetime of the tokens issued from now on while the server runs.
func (s *Server) SetLifetime(d time.Duration) {
	s.mu.Lock()
	s.Lifetime = d
	s.mu.Unlock()
}

// Config is a config.json in the CLI's format, logged in with the given tokens. It includes a
// field the SDK's struct does not know, which kp-token must keep.
func Config(access, refresh, iamEndpoint string) map[string]any {
	return map[string]any{
		"APIEndpoint":           "https://cloud.ibm.com",
		"IsPrivate":             false,
		"ConsoleEndpoint":       "https://cloud.ibm.com",
		"CloudType":             "public",
		"CloudName":             "bluemix",
		"Region":                "us-south",
		"RegionID":              "us-south",
		"IAMEndpoint":           iamEndpoint,
		"IAMPrivateEndpoint":    "https://private.iam.cloud.ibm.com",
		"IAMToken":              access,
		"IAMRefreshToken":       refresh,
		"Account":               map[string]any{"GUID": "0123456789abcdef0123456789abcdef", "Name": "Jane's Account", "Owner": "jane.doe@example.com"},
		"ResourceGroup":         map[string]any{"GUID": "", "Name": "", "State": "", "Default": false, "QuotaID": ""},
		"LoginAt":               "2026-11-23T09:00:00Z",
		"PluginRepos":           []any{map[string]any{"Name": "IBM Cloud", "URL": "https://plugins.cloud.ibm.com"}},
		"Locale":                "",
		"HTTPTimeout":           0,
		"Trace":                 "",
		"ColorEnabled":          "",
		"LastSessionUpdateTime": 1763888400,
		"FutureCLIField":        map[string]any{"kept": []any{1, "two", true}},
	}
}

// WriteConfig writes cfg as <home>/.bluemix/config.json with mode 0600 and returns its path.
func WriteConfig(home string, cfg map[string]any) (string, error) {
	dir := home + "/.bluemix"
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return "", err
	}
	path := dir + "/config.json"
	return path, os.WriteFile(path, b, 0o600)
}

// Hang never answers: it reads the request (so that the server notices when the client gives
// up and closes the connection) and waits until it does, or a minute at most.
func Hang(_ http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(time.Minute):
	}
}

// subject is the sub claim: the email for a user, the ID without its "iam-" prefix for a
// service ID or a trusted profile, as IAM writes them.
func subject(c Claims) string {
	if c.SubType == "" {
		return c.Email
	}
	return strings.TrimPrefix(c.IAMID, "iam-")
}

// IssuedTokens is a copy of the access tokens handed out so far, in order.
func (s *Server) IssuedTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.Issued...)
}
