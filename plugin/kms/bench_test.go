package kms

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkWarmResolve is env --instance NAME on a warm cache (a usual one, and one full to
// maxEntries): one small file read, one entry decoded, no network call.
func BenchmarkWarmResolve(b *testing.B) {
	for _, entries := range []int{2, maxEntries} {
		b.Run(fmt.Sprintf("entries=%d", entries), func(b *testing.B) {
			now := time.Now()
			c := &Cache{Dir: b.TempDir(), Account: testAccount, Endpoint: "https://resource-controller.cloud.ibm.com", Now: func() time.Time { return now }}
			add := map[string]Instance{}
			for i := range entries / 2 {
				guid := fmt.Sprintf("77777777-aaaa-4bbb-8ccc-%012d", i)
				inst := Instance{Name: fmt.Sprintf("kp-%d", i), GUID: guid, Service: HPCS, Region: "us-south", ResourceGroupID: "0123456789abcdef0123456789abcdef",
					CRN:       "crn:v1:bluemix:public:hs-crypto:us-south:a/" + testAccount + ":" + guid + "::",
					Endpoints: Endpoints{Public: "https://api.us-south.hs-crypto.cloud.ibm.com:9730", Private: "https://api.private.us-south.hs-crypto.cloud.ibm.com:9730"}}
				add[nameKey(inst.Name)], add[guidKey(guid)] = inst, inst
			}
			c.store(add)
			r := &Resolver{Cache: c}
			ctx := b.Context()
			for b.Loop() {
				res, err := r.Resolve(ctx, "kp-0", Choice{})
				if err != nil || !res.Cached {
					b.Fatal(err)
				}
			}
		})
	}
}
