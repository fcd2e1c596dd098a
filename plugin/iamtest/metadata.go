package iamtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Metadata is a loopback VPC or Power Virtual Server metadata service, answering as the SDK's
// vpc client calls it: PUT /identity/v1/token (Metadata-Flavor: ibm; VPC adds ?version=) issues
// an instance identity token; POST /identity/v1/iam_tokens (Bearer the identity token, the
// trusted profile in the body; VPC adds ?version=, Power sends Metadata-Flavor) issues the
// profile's IAM token, with expires_at in RFC 3339.
type Metadata struct {
	*httptest.Server
	Power   bool   // Power Virtual Server: no version query, Metadata-Flavor on both calls
	Profile string // the trusted profile ID it serves
	calls   atomic.Int64

	mu      sync.Mutex
	Handler http.HandlerFunc // nil: answer as described
	Issued  []string         // IAM tokens handed out
	Errors  []string         // what was wrong with a request, for the test to report
}

// NewMetadata starts a metadata service for profile; close it with Close.
func NewMetadata(profile string, power bool) *Metadata {
	m := &Metadata{Profile: profile, Power: power}
	m.Server = httptest.NewServer(http.HandlerFunc(m.serve))
	return m
}

// Calls is how many requests reached the service.
func (m *Metadata) Calls() int { return int(m.calls.Load()) }

// SetHandler replaces the behaviour while the server runs.
func (m *Metadata) SetHandler(h http.HandlerFunc) {
	m.mu.Lock()
	m.Handler = h
	m.mu.Unlock()
}

// LastIssued is the newest IAM token handed out, or "".
func (m *Metadata) LastIssued() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.Issued) == 0 {
		return ""
	}
	return m.Issued[len(m.Issued)-1]
}

const identityToken = "instance-identity-token-0123456789"

func (m *Metadata) wrong(w http.ResponseWriter, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	m.mu.Lock()
	m.Errors = append(m.Errors, msg)
	m.mu.Unlock()
	http.Error(w, `{"errors":[{"code":"bad_request","message":`+fmt.Sprintf("%q", msg)+`}]}`, http.StatusBadRequest)
}

func (m *Metadata) serve(w http.ResponseWriter, r *http.Request) {
	m.calls.Add(1)
	m.mu.Lock()
	h := m.Handler
	m.mu.Unlock()
	if h != nil {
		h(w, r)
		return
	}
	version := r.URL.Query().Get("version")
	switch {
	case r.Method == http.MethodPut && r.URL.Path == "/identity/v1/token":
		if r.Header.Get("Metadata-Flavor") != "ibm" {
			m.wrong(w, "no Metadata-Flavor: ibm")
			return
		}
		if !m.Power && version == "" {
			m.wrong(w, "no version query")
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"access_token": identityToken, "created_at": time.Now().UTC().Format(time.RFC3339),
			"expires_at": time.Now().Add(5 * time.Minute).UTC().Format(time.RFC3339), "expires_in": 300,
		})
	case r.Method == http.MethodPost && r.URL.Path == "/identity/v1/iam_tokens":
		if r.Header.Get("Authorization") != "Bearer "+identityToken {
			m.wrong(w, "not the instance identity token: %q", r.Header.Get("Authorization"))
			return
		}
		if m.Power && r.Header.Get("Metadata-Flavor") != "ibm" || !m.Power && version == "" {
			m.wrong(w, "no version query (VPC) or Metadata-Flavor (Power)")
			return
		}
		b, _ := io.ReadAll(r.Body)
		var body struct {
			TrustedProfile struct {
				ID string `json:"id"`
			} `json:"trusted_profile"`
		}
		if json.Unmarshal(b, &body) != nil || body.TrustedProfile.ID != m.Profile {
			m.wrong(w, "not the trusted profile %q: %s", m.Profile, strings.TrimSpace(string(b)))
			return
		}
		now := time.Now()
		jwt := JWT(Claims{IAMID: "iam-" + m.Profile, SubType: "Profile", IssuedAt: now, ExpiresAt: now.Add(time.Hour)})
		m.mu.Lock()
		m.Issued = append(m.Issued, jwt)
		m.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{
			"access_token": jwt, "created_at": now.UTC().Format(time.RFC3339),
			"expires_at": now.Add(time.Hour).UTC().Format(time.RFC3339), "expires_in": 3600,
		})
	default:
		m.wrong(w, "unexpected request %s %s", r.Method, r.URL.Path)
	}
}

// CRIConfig is config.json as the CLI writes it after `ibmcloud login --vpc-cri` (Power: CRIType
// PVS): the access token, no refresh token, the trusted profile.
func CRIConfig(access, kind, profileID string) map[string]any {
	cfg := Config(access, "", "https://iam.cloud.ibm.com")
	cfg["IsLoggedInAsCRI"] = true
	cfg["CRIType"] = kind
	cfg["Profile"] = map[string]any{"ID": profileID, "Name": "kp-reader", "ComputeResource": map[string]any{"Name": "vsi-1", "ID": "0717_abc"}, "User": map[string]any{}}
	return cfg
}
