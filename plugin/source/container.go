package source

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/safetext"
	"github.com/kp-token/kp-token/plugin/token"
)

// ContainerTokenPaths are where IBM's container authenticators look for a compute-resource
// token when none is given, in this order: a vault-injected token, a Kubernetes service
// account token projected for IAM, Code Engine's.
var ContainerTokenPaths = []string{
	"/var/run/secrets/tokens/vault-token",
	"/var/run/secrets/tokens/sa-token",
	"/var/run/secrets/codeengine.cloud.ibm.com/compute-resource-token/token",
}

// container is the source for a workload in a container (IKS, OpenShift, Code Engine): its
// compute-resource token, from crToken (the token, or @FILE read again at every exchange, as
// Kubernetes rotates it; "" for the default paths), traded at IAM for profile's token; cached
// like an API key's.
func (r *run) container(crToken, profile string, req Request) (Source, error) {
	if profile == "" {
		return nil, &Error{Kind: NoContainerProfile}
	}
	r.keyOnly = true
	from := "paths:" + strings.Join(ContainerTokenPaths, ":")
	read := func(ctx context.Context) (string, error) { return readContainerToken(ctx, ContainerTokenPaths) }
	switch {
	case strings.HasPrefix(crToken, "@"):
		path, err := expandHome(crToken[1:], true)
		if err == nil {
			// One file, one credential (and one cache entry), however the path was written.
			path, err = filepath.Abs(path)
		}
		if err != nil {
			return nil, err
		}
		from, read = "file:"+path, func(ctx context.Context) (string, error) { return readContainerToken(ctx, []string{path}) }
	case crToken != "":
		if req.CRToken != "" {
			req.Warn(i18n.T("WARNING: A container token given on the command line is visible to other users in the process list. Use --cr-token @FILE or IBMCLOUD_CR_TOKEN instead."))
		}
		if _, err := checkContainerToken(crToken, fromCommandLine); err != nil {
			return nil, err
		}
		from, read = "token:"+crToken, func(context.Context) (string, error) { return crToken, nil }
	}
	a := &exchanged{run: r, source: FromContainer, identity: "container\x00" + profile + "\x00" + from}
	a.get = func(ctx context.Context) (token.Token, error) {
		cr, err := read(ctx)
		if err != nil {
			return token.Token{}, err
		}
		return a.iam.ContainerToken(ctx, cr, profile)
	}
	if !req.NoCache {
		a.cacheDir = r.env.CacheDir
	}
	return a, nil
}

// readContainerToken reads the first of paths that exists: the token, without the blanks around
// it, checked as a key is (printable, no spaces), never repeated in an error. Only a regular
// file, read by ctx's deadline: the read holds the single-flight lock, and a FIFO must not.
func readContainerToken(ctx context.Context, paths []string) (string, error) {
	for _, path := range paths {
		data, err := readRegular(ctx, path)
		if errors.Is(err, fs.ErrNotExist) && len(paths) > 1 {
			continue
		}
		if err != nil {
			return "", unreadableToken(path, err)
		}
		return checkContainerToken(string(data), path)
	}
	return "", &Error{Kind: NoContainerToken, Path: strings.Join(paths, ", ")}
}

// checkContainerToken refuses what cannot be a token (printable ASCII without spaces), without
// repeating it.
func checkContainerToken(t, where string) (string, error) {
	t = string(bytes.TrimSpace([]byte(t)))
	if t == "" {
		return "", keyErrorf(bySource(where, "", i18n.T("The container token given on the command line is empty."),
			func(w string) string {
				return i18n.T("The container token from {{.Where}} is empty.", map[string]any{"Where": w})
			}))
	}
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' || t[i] >= 0x7f {
			return "", keyErrorf(bySource(where, "", i18n.T("The container token given on the command line holds spaces or characters a token does not have."),
				func(w string) string {
					return i18n.T("The container token from {{.Where}} holds spaces or characters a token does not have.", map[string]any{"Where": w})
				}))
		}
	}
	return t, nil
}

// unreadableToken says that the container-token file at where cannot be read, and why.
func unreadableToken(where string, err error) error {
	return keyErrorf(i18n.T("Cannot read the container token from {{.Where}}: {{.Error}}. Check that it exists and that you can read it.",
		map[string]any{"Where": safetext.Quote(where), "Error": safetext.OSError(err)}))
}
