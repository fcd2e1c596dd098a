// Package kms finds the Key Protect or Hyper Protect Crypto Services (HPCS) instance a Key
// Protect request goes to: its GUID (the bluemix-instance header) and its endpoint, from a name,
// a GUID or a CRN, through the Resource Controller and a per-account cache. It prints nothing
// and reads no flags: the commands do that, with the API below.
//
// # Wiring --instance (env, print, exec, show, hook)
//
//	token := …                               // the checked access token the command prints
//	account := …                             // the token's account ID (core_config.IAMTokenInfo.Accounts.AccountID)
//	cfg := snapshot.Repository()             // or the plug-in context: anything with CloudName, CloudType, CurrentRegion, IsPrivateEndpointEnabled, IsAccessFromVPC
//	cloud := kms.CloudOf(cfg)                // nil config (an API key without a CLI config): IBM Cloud's public endpoints
//	r := &kms.Resolver{
//		Dial:    func() *kms.Client { return &kms.Client{Cloud: cloud, Token: token.JWT, Bound: limit, Trace: trace} },
//		Cache:   &kms.Cache{Dir: filepath.Join(pluginDir, "instances"), Account: account, Endpoint: rcURL, Files: disk.Private{}}, // rcURL, _ := kms.ResourceControllerEndpoint(cloud, os.Getenv)
//		Refresh: refreshFlag,            // --refresh: ask the Resource Controller again
//		Warn:    warn,                   // a stale entry stood in during an outage
//	}
//	net := kms.Auto                          // --public: kms.Public, --private: kms.Private
//	res, err := r.Resolve(ctx, instanceFlag, kms.Choice{Network: net, CLIPrivate: cloud.Private, URL: urlFlag})
//	// res.Instance.GUID → KP_INSTANCE_ID, res.URL → KP_URL (kms.EnvInstanceID, kms.EnvURL);
//	// res.Cached says no network call was made.
//
//	// instances:
//	list, err := r.RC.List(ctx)              // sorted; each one's endpoint: list[i].Endpoint(choice)
//
// Resolve takes a CRN with no network call (a Key Protect CRN always; an HPCS CRN when --url is
// given or the cache knows the instance, since an HPCS endpoint is published only in the
// Resource Controller's record), a GUID (36-character UUID form, any case) with GET
// /v2/resource_instances/{guid}, and anything else as a name with GET
// /v2/resource_instances?name=NAME (every page, through next_url). Only instances whose CRN names
// the service kms or hs-crypto count; instances being deleted (state pending_reclamation or
// removed) do not. A name that matches several is an *Error of Kind Ambiguous whose text lists
// each (name, region, resource group ID, GUID) and whose Matches holds them.
//
// The endpoint (Choice): --url as given (http or https); else the instance's own
// extensions.endpoints (public or private); else, for a Key Protect instance on IBM Cloud
// (crn:v1:bluemix:public:kms:…), https://<region>.kms.cloud.ibm.com, or
// https://private.<region>.kms.cloud.ibm.com when private. Network Auto means private when the
// CLI uses private endpoints (Choice.CLIPrivate), Public and Private are --public and --private.
// An HPCS instance without published endpoints, or a private endpoint asked of an HPCS instance
// that publishes none, is an *Error of Kind NoEndpoint telling the user to give --url.
//
// The Resource Controller's endpoint is $IBMCLOUD_RESOURCE_CONTROLLER_API_ENDPOINT when set,
// else the SDK's (bluemix/endpoints) for the CLI's cloud: public, private (CSE, which needs a
// targeted region) or private from a VPC, as the CLI uses them (Client.Endpoint).
//
// # extensions.endpoints
//
// The Resource Controller's record of a kms or hs-crypto instance may carry
// "extensions": {"endpoints": {"public": URL, "private": URL}}: HPCS always does, with the
// instance's port (https://api.<region>.hs-crypto.cloud.ibm.com:<port>,
// https://api.private.<region>.hs-crypto.cloud.ibm.com:<port>), and Key Protect instances may
// (Terraform's provider reads the same two fields for both services). Accepted: those two
// string fields, a value without a scheme (https:// is added), or the same two fields nested in
// "endpoints": {"kms": {…}}. Other fields (EP11, UKO, VPC variants) are not the key management
// API and are ignored; a value that is not an https URL of a host (userinfo, query or fragment
// refused) is ignored too.
//
// # The cache
//
// Resolutions are kept per account in <Cache.Dir>/<account>.json (mode 0600, in a directory made
// private through Cache.Files, which the runtime fills with disk.Private: never through a link,
// never another user's file), keyed by what was asked ("name:" + the name, "guid:" + the GUID; a name's answer
// is stored under its GUID too) and by the Resource Controller that answered (Cache.Endpoint:
// ResourceControllerEndpoint's URL: EnvRCEndpoint's, or the CLI's cloud's, region's and
// network's own; an entry of another, such as an older file's "cli", is a miss): what one answered is never
// another's answer, fresh or stale, and an entry without one (an older file) is a miss. A CRN is
// answered from the cache only by an entry with that very CRN. An entry holds the instance's name, GUID, CRN, service, region,
// resource group ID and published endpoints, and when it was learned: nothing secret. The file
// is one JSON document, {"entries": [...]}, newest first, one entry per line, so that a lookup
// decodes only its own entry; at most maxEntries entries are kept.
//
// An entry is used for DefaultTTL after it was learned; after that the Resource
// Controller is asked again, and the stale entry is used (with a warning through
// Resolver.Warn) only if the Resource Controller cannot be asked (unavailable, unreachable,
// timed out) and the entry is less than MaxStale old. Resolver.Refresh (--refresh)
// skips the cache and the stale fallback, and stores the fresh answer. An entry that does not
// decode or check out (CRN, GUID, service, region, endpoints) is a miss, and the file is
// rewritten at the next store; a cache file or directory that is not the user's is not used,
// silently (as the API-key token cache). Two runs storing at once may lose one's entry: the
// next run asks again. A warm resolution reads one small file and makes no network call;
// BenchmarkWarmResolve (bench_test.go) measures it with two entries and with a full file
// (go test -run '^$' -bench WarmResolve ./plugin/kms), and make bench (bin/bench.sh,
// env-instance) the whole command on a warm cache.
//
// # instances
//
// Client.List returns every kms and hs-crypto instance the token can see, sorted by name (then
// region, then GUID); Instance.Endpoint(choice) gives each one's endpoint, or an error for an
// HPCS instance that publishes none. Instance has JSON tags for --output json.
//
// # env --format sdk, curl
//
// SDKVars(service) names IBM's SDK variables (go-sdk-core's external configuration) for a
// service name: SDKVars(DefaultSDKService) gives IBM_KEY_PROTECT_API_AUTH_TYPE (set it to
// AuthTypeBearerToken), IBM_KEY_PROTECT_API_BEARER_TOKEN (the JWT, no "Bearer ") and
// IBM_KEY_PROTECT_API_URL. HeaderInstance is the header that carries the GUID.
//
// # Failures
//
// Every failure is an *Error with a Kind (test with errors.Is(err, &kms.Error{Kind: kms.NotFound}))
// and a text that says what to do. No text, error or trace line holds the token: requests
// carry it in the Authorization header only, traces hide it, and the Resource Controller's own
// words are cleaned of it before they are quoted. Calls to the Resource Controller share the
// context's deadline (httpcall.DefaultTimeout when it has none), are retried on 429, 5xx and
// connection resets as httpcall.Retry does (Retry-After honoured; at most httpcall.MaxAttempts
// tries, backoff from httpcall.FirstBackoff), read at most httpcall.MaxAnswer per answer, and
// never follow a redirect or a next_url to another host.
package kms
