package kms

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/safetext"
)

// Resolver finds an instance and its endpoint from a name, a GUID or a CRN: from the CRN alone,
// from the cache, or from the Resource Controller.
type Resolver struct {
	RC *Client // asked only when neither the CRN nor the cache answers
	// Dial makes RC when it is first needed, when RC is nil: working out where the Resource
	// Controller is costs a shell start that the cache answers more than the lookup itself.
	Dial    func() *Client
	Cache   *Cache       // nil: no cache
	Refresh bool         // --refresh: ask the Resource Controller even when the cache answers
	Offline bool         // make no network call: what the CRN and the cache do not answer is NotLearned
	Warn    func(string) // prints a warning on stderr (a stale entry used); nil: dropped
	// Deadline ends the Resource Controller's calls (zero: the context's own). Its timer is made
	// only when they are: the first timer of a process costs a shell start that the cache
	// answers a tenth of its own work.
	Deadline time.Time
}

// Query is what a command asks of an instance lookup.
type Query struct {
	Ref     string // the instance's name, GUID or CRN
	Choice  Choice // which endpoint; the CLI's own choice (CLIPrivate) is filled in by the runtime
	Refresh bool   // ask the Resource Controller even when the cache answers
	Offline bool   // make no network call (show)
}

// Resolution is an instance and the endpoint chosen for it.
type Resolution struct {
	Instance Instance
	URL      string // the endpoint (Instance.Endpoint), without a trailing slash
	Cached   bool   // the instance came from the cache: no network call was made
}

// Resolve finds the instance ref names and its endpoint as choice says.
//
//   - A CRN ("crn:…") names a Key Protect instance with no network call. An HPCS CRN does too
//     when choice.URL is given or the cache knows the instance; else its record is got by GUID
//     (an HPCS endpoint is published only there), and cached.
//   - A GUID (IsGUID) is got from the cache, else from GET /v2/resource_instances/{guid}.
//   - Anything else is a name: from the cache, else from GET /v2/resource_instances?name=…;
//     none is an *Error of Kind NotFound, several of Kind Ambiguous.
//
// A cache entry older than the cache's TTL is asked for again; when the Resource Controller
// cannot answer, an entry less than MaxStale old is used with a warning (not with Refresh).
func (r *Resolver) Resolve(ctx context.Context, ref string, choice Choice) (Resolution, error) {
	inst, cached, err := r.instance(ctx, ref, choice.URL != "")
	var unknown *Error
	if errors.As(err, &unknown) && unknown.Kind == NotLearned {
		unknown.Ref = ref // as the user named it (an HPCS CRN is looked up by its GUID)
	}
	if err != nil {
		return Resolution{}, err
	}
	u, err := inst.Endpoint(choice)
	if err != nil {
		return Resolution{}, err
	}
	return Resolution{Instance: inst, URL: u, Cached: cached}, nil
}

func (r *Resolver) instance(ctx context.Context, ref string, urlGiven bool) (Instance, bool, error) {
	switch {
	case ref == "":
		return Instance{}, false, &Error{Kind: NoRef}
	case strings.HasPrefix(ref, "crn:"):
		inst, err := ParseCRN(ref)
		if err != nil {
			return Instance{}, false, err
		}
		if inst.Service == KeyProtect || urlGiven {
			// The cache may know more (the name, published endpoints); the CRN is enough. Only
			// an entry with this very CRN answers: the same GUID under another CRN is not this.
			if known, age, ok := r.Cache.lookupOK(guidKey(inst.GUID)); ok && known.CRN == inst.CRN && !r.Refresh && age <= r.Cache.ttl() {
				return known, true, nil
			}
			return inst, false, nil
		}
		return r.fetch(ctx, inst.GUID, guidKey(inst.GUID), inst.CRN, func(ctx context.Context) (Instance, error) {
			return r.RC.Get(ctx, inst.GUID)
		})
	case IsGUID(ref):
		guid := strings.ToLower(ref)
		return r.fetch(ctx, ref, guidKey(guid), "", func(ctx context.Context) (Instance, error) {
			return r.RC.Get(ctx, guid)
		})
	}
	return r.fetch(ctx, ref, nameKey(ref), "", func(ctx context.Context) (Instance, error) {
		found, err := r.RC.ByName(ctx, ref)
		switch {
		case err != nil:
			return Instance{}, err
		case len(found) == 0:
			endpoint, _ := r.RC.Endpoint()
			return Instance{}, &Error{Kind: NotFound, Ref: ref, Endpoint: endpoint}
		case len(found) > 1:
			endpoint, _ := r.RC.Endpoint()
			return Instance{}, &Error{Kind: Ambiguous, Ref: ref, Endpoint: endpoint, Matches: found}
		}
		return found[0], nil
	})
}

// fetch answers key from the cache when it holds a fresh entry (with the CRN crn, when not ""),
// else asks ask and caches the answer (under key and under the instance's GUID).
func (r *Resolver) fetch(ctx context.Context, ref, key, crn string, ask func(context.Context) (Instance, error)) (Instance, bool, error) {
	known, age, held := r.Cache.lookupOK(key)
	held = held && (crn == "" || known.CRN == crn)
	if held && !r.Refresh && age <= r.Cache.ttl() {
		return known, true, nil
	}
	if r.Offline {
		return Instance{}, false, &Error{Kind: NotLearned, Ref: ref}
	}
	if r.RC == nil && r.Dial != nil {
		r.RC = r.Dial()
	}
	if r.RC == nil {
		return Instance{}, false, &Error{Kind: NoRCEndpoint}
	}
	if !r.Deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, r.Deadline)
		defer cancel()
	}
	inst, err := ask(ctx)
	if err != nil {
		if held && !r.Refresh && age <= MaxStale && stale(err) {
			r.warn(i18n.T("WARNING: What was learned of the instance '{{.Ref}}' {{.Age}} ago is used, because the Resource Controller could not be asked again. {{.Reason}}",
				map[string]any{"Ref": safetext.Quote(ref), "Age": age.Round(time.Minute).String(), "Reason": err.Error()}))
			return known, true, nil
		}
		return Instance{}, false, err
	}
	if r.Cache != nil {
		r.Cache.store(map[string]Instance{key: inst, guidKey(inst.GUID): inst})
	}
	return inst, false, nil
}

// stale says whether a failure lets a stale entry stand in: the Resource Controller could not
// be asked, not that it said no.
func stale(err error) bool {
	return errors.Is(err, &Error{Kind: Unavailable}) || errors.Is(err, &Error{Kind: Unreachable}) ||
		errors.Is(err, &Error{Kind: Timeout}) || errors.Is(err, &Error{Kind: NoTimeLeft})
}

func (r *Resolver) warn(s string) {
	if r.Warn != nil {
		r.Warn(s)
	}
}

// lookupOK is lookup on a cache that may be nil.
func (c *Cache) lookupOK(key string) (Instance, time.Duration, bool) {
	if c == nil {
		return Instance{}, 0, false
	}
	return c.lookup(key)
}
