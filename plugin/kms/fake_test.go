package kms

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

func TestMain(m *testing.M) {
	firstBackoff = 5 * time.Millisecond // the retries' waits, not their number, are shortened
	os.Exit(m.Run())
}

const testAccount = "0123456789abcdef0123456789abcdef"

// The resource_id of Key Protect's catalog entry; HPCS's is made up: nothing here relies on
// resource IDs, only on the CRN's service field.
var resourceIDs = map[string]string{
	KeyProtect:                 "ee41347f-b18e-4ca6-bf80-b5467c63f9a6",
	HPCS:                       "00000000-hpcs-0000-0000-000000000000",
	"cloud-object-storage":     "dff97f5c-bc5e-4455-b470-411c3edbe49c",
	"databases-for-postgresql": "databases-for-postgresql",
}

// record is a Resource Controller record of an instance, shaped as GET /v2/resource_instances
// answers it.
func record(name, service, region, guid string, extensions map[string]any) map[string]any {
	crn := fmt.Sprintf("crn:v1:bluemix:public:%s:%s:a/%s:%s::", service, region, testAccount, guid)
	if extensions == nil {
		extensions = map[string]any{}
	}
	return map[string]any{
		"id": crn, "guid": guid, "crn": crn, "url": "/v2/resource_instances/" + guid,
		"name": name, "region_id": region, "account_id": testAccount,
		"resource_group_id": "rg-" + region, "resource_group_crn": "crn:v1:bluemix:public:resource-controller::a/" + testAccount + "::resource-group:rg-" + region,
		"resource_id": resourceIDs[service], "resource_plan_id": "eedd3585-90c6-4c9d-a7c6-dbfc0e0fbf3b",
		"target_crn": "crn:v1:bluemix:public:globalcatalog::::deployment:x", "state": "active",
		"type": "service_instance", "sub_type": nil, "locked": false, "created_at": "2024-01-02T03:04:05.123Z",
		"extensions": extensions,
	}
}

// hpcsExtensions are the extensions an HPCS instance publishes.
func hpcsExtensions(region string, port int) map[string]any {
	return map[string]any{
		"crypto_units": 2,
		"endpoints": map[string]any{
			"public":  fmt.Sprintf("https://api.%s.hs-crypto.cloud.ibm.com:%d", region, port),
			"private": fmt.Sprintf("https://api.private.%s.hs-crypto.cloud.ibm.com:%d", region, port),
		},
	}
}

// fakeRC is a loopback Resource Controller: GET /v2/resource_instances (with name=, limit= and
// start= paging through next_url) and GET /v2/resource_instances/{guid}, for one token.
type fakeRC struct {
	*httptest.Server
	token string

	mu      sync.Mutex
	records []map[string]any
	page    int // records per page
	reqs    []*http.Request
	// fail, when set, answers a request itself (returning true) before the normal handling.
	fail func(w http.ResponseWriter, r *http.Request, n int) bool
}

func newFakeRC(t *testing.T, records ...map[string]any) *fakeRC {
	f := &fakeRC{token: iamtest.JWT(iamtest.Claims{Account: testAccount}), records: records, page: 2}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeRC) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

func (f *fakeRC) set(records ...map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.records = records
}

func rcError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error_code": code, "message": message, "status_code": status, "transaction_id": "tx-1"})
}

func (f *fakeRC) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.reqs = append(f.reqs, r.Clone(r.Context()))
	n := len(f.reqs)
	fail := f.fail
	records := append([]map[string]any(nil), f.records...)
	page := f.page
	f.mu.Unlock()
	if fail != nil && fail(w, r, n) {
		return
	}
	if r.Method != http.MethodGet {
		rcError(w, 405, "RC-405", "method not allowed")
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		rcError(w, 401, "RC-AuthorizationFailed-401", "The access token is invalid or expired")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if guid, ok := strings.CutPrefix(r.URL.Path, "/v2/resource_instances/"); ok {
		for _, rec := range records {
			if rec["guid"] == guid {
				_ = json.NewEncoder(w).Encode(rec)
				return
			}
		}
		rcError(w, 404, "RC-ServiceInstance-404", "Instance with id "+guid+" not found")
		return
	}
	if r.URL.Path != "/v2/resource_instances" {
		rcError(w, 404, "RC-404", "not found")
		return
	}
	q := r.URL.Query()
	match := []map[string]any{}
	for _, rec := range records {
		if name := q.Get("name"); name == "" || rec["name"] == name {
			match = append(match, rec)
		}
	}
	start, _ := strconv.Atoi(q.Get("start"))
	end := min(start+page, len(match))
	body := map[string]any{"rows_count": end - start, "resources": match[start:end], "next_url": nil}
	if end < len(match) {
		next := url.Values{}
		if name := q.Get("name"); name != "" {
			next.Set("name", name)
		}
		next.Set("limit", q.Get("limit"))
		next.Set("start", strconv.Itoa(end))
		body["next_url"] = "/v2/resource_instances?" + next.Encode()
	}
	_ = json.NewEncoder(w).Encode(body)
}

// client is a Resource Controller client of the fake, found through the override variable.
func (f *fakeRC) client() *Client {
	return &Client{
		Getenv: func(k string) string {
			if k == EnvRCEndpoint {
				return f.URL
			}
			return ""
		},
		Token: "Bearer " + f.token,
	}
}

const (
	guidKP1   = "11111111-aaaa-4bbb-8ccc-000000000001"
	guidKP2   = "11111111-aaaa-4bbb-8ccc-000000000002"
	guidKP3   = "11111111-aaaa-4bbb-8ccc-000000000003"
	guidHPCS  = "22222222-aaaa-4bbb-8ccc-000000000001"
	guidCOS   = "33333333-aaaa-4bbb-8ccc-000000000001"
	guidPG    = "44444444-aaaa-4bbb-8ccc-000000000001"
	guidHPCS2 = "22222222-aaaa-4bbb-8ccc-000000000002"
)

// estate is an account's instances: Key Protect in two regions (one name twice), HPCS with
// its endpoints, and instances of other services, one of them named like a Key Protect one.
func estate() []map[string]any {
	return []map[string]any{
		record("my-kp", KeyProtect, "us-south", guidKP1, nil),
		record("shared", KeyProtect, "eu-de", guidKP2, nil),
		record("bucket", "cloud-object-storage", "global", guidCOS, nil),
		record("shared", KeyProtect, "jp-tok", guidKP3, map[string]any{"endpoints": map[string]any{
			"public": "https://jp-tok.kms.cloud.ibm.com", "private": "https://private.jp-tok.kms.cloud.ibm.com",
		}}),
		record("my-hpcs", HPCS, "us-east", guidHPCS, hpcsExtensions("us-east", 9730)),
		record("my-kp-db", "databases-for-postgresql", "us-south", guidPG, nil),
		record("shared", "databases-for-postgresql", "us-south", "55555555-aaaa-4bbb-8ccc-000000000001", nil),
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
