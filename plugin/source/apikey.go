package source

import (
	"context"

	"github.com/kp-token/kp-token/plugin/token"
)

// apiKey is the source for an API key: exchanged at IAM, cached.
func (r *run) apiKey(key string, req Request) Source {
	r.keyOnly = true
	a := &exchanged{run: r, source: FromAPIKey, identity: key}
	a.get = func(ctx context.Context) (token.Token, error) { return a.iam.APIKey(ctx, key) }
	if !req.NoCache {
		a.cacheDir = r.env.CacheDir
	}
	return a
}
