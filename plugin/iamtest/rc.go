package iamtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// RCInstance is a Resource Controller record of a service instance.
type RCInstance struct {
	Name, GUID, Service, Region, ResourceGroupID string
	Endpoints                                    map[string]string // extensions.endpoints: public, private
}

// CRN is the instance's CRN, as the Resource Controller writes it.
func (i RCInstance) CRN() string {
	return "crn:v1:bluemix:public:" + i.Service + ":" + i.Region + ":a/0123456789abcdef0123456789abcdef:" + i.GUID + "::"
}

// ResourceController is a loopback Resource Controller: GET /v2/resource_instances (by name,
// paged one record a page through next_url) and GET /v2/resource_instances/{guid}, answering
// 401 to a request without a well-formed bearer token.
type ResourceController struct {
	*httptest.Server
	Instances []RCInstance
	calls     atomic.Int64
	mu        sync.Mutex
	bearers   []string // the tokens requests came with, in order
}

// Bearers are the tokens the requests came with so far (without Bearer), in order.
func (rc *ResourceController) Bearers() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.bearers...)
}

// NewResourceController starts one with instances; close it with Close.
func NewResourceController(instances ...RCInstance) *ResourceController {
	rc := &ResourceController{Instances: instances}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serve))
	return rc
}

// Calls is how many requests reached it.
func (rc *ResourceController) Calls() int { return int(rc.calls.Load()) }

func (rc *ResourceController) record(i RCInstance) map[string]any {
	ext := map[string]any{}
	if len(i.Endpoints) > 0 {
		ext["endpoints"] = i.Endpoints
	}
	return map[string]any{
		"id": i.CRN(), "guid": i.GUID, "crn": i.CRN(), "name": i.Name, "region_id": i.Region,
		"resource_group_id": i.ResourceGroupID, "resource_id": "resource-of-" + i.Service,
		"state": "active", "extensions": ext,
	}
}

func (rc *ResourceController) serve(w http.ResponseWriter, r *http.Request) {
	rc.calls.Add(1)
	w.Header().Set("Content-Type", "application/json")
	auth := r.Header.Get("Authorization")
	rc.mu.Lock()
	rc.bearers = append(rc.bearers, strings.TrimPrefix(auth, "Bearer "))
	rc.mu.Unlock()
	if !strings.HasPrefix(auth, "Bearer ") || strings.Count(auth, ".") != 2 {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"message":"Unauthorized","status_code":401}`))
		return
	}
	if guid, ok := strings.CutPrefix(r.URL.Path, "/v2/resource_instances/"); ok {
		for _, i := range rc.Instances {
			if i.GUID == guid {
				_ = json.NewEncoder(w).Encode(rc.record(i))
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"message":"Instance not found","status_code":404}`))
		return
	}
	if r.URL.Path != "/v2/resource_instances" {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	var match []RCInstance
	for _, i := range rc.Instances {
		if n := r.URL.Query().Get("name"); n == "" || n == i.Name {
			match = append(match, i)
		}
	}
	start, _ := strconv.Atoi(r.URL.Query().Get("start"))
	page := map[string]any{"rows_count": 0, "resources": []any{}}
	if start < len(match) {
		page["rows_count"] = 1
		page["resources"] = []any{rc.record(match[start])}
		if start+1 < len(match) {
			q := r.URL.Query()
			q.Set("start", strconv.Itoa(start+1))
			page["next_url"] = "/v2/resource_instances?" + q.Encode()
		}
	}
	_ = json.NewEncoder(w).Encode(page)
}
