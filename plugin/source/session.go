package source

import (
	"errors"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"

	"github.com/kp-token/kp-token/plugin/cliconfig"
	"github.com/kp-token/kp-token/plugin/iam"
	"github.com/kp-token/kp-token/plugin/token"
)

// session hands out the login session's access token: the one the CLI's config holds and, only
// when that one expires too soon, a new one got at IAM with the session's refresh token and
// saved with it to config.json, keeping every other field, as `ibmcloud` itself would.
type session struct {
	*run
	cfg  Config
	path string // config.json, where refreshed tokens go
}

func (s *session) Describe() (Info, error) {
	err := s.settle()
	info := s.info
	info.Source, info.RefreshToken = FromSession, s.cfg.IAMRefreshToken() != ""
	if cr, ok := s.computeResource(); ok {
		info.ComputeResource, info.RenewsAt = cr.kind, cr.url
	} else if !info.RefreshToken {
		info.RenewsAt = ""
	}
	return info, err
}

// criConfig is what the SDK's config says of a compute-resource login (`ibmcloud login
// --vpc-cri`, and Power Virtual Server's): the kind, the trusted profile, the metadata service's
// URL ($IBMCLOUD_CR_VPC_URL, $IBMCLOUD_CR_PVS_URL, else the SDK's defaults).
type criConfig interface {
	IsLoggedInAsCRI() bool
	CRIType() string
	CurrentProfile() models.Profile
	VPCCRITokenURL() string
	PVSCRITokenURL() string
}

// computeResource is a session the CLI renews through the server's metadata service: no refresh
// token, a trusted profile instead.
type computeResource struct {
	kind    string // "VPC" or "PVS"
	url     string // the metadata service
	profile string // the trusted profile's ID
}

func (s *session) computeResource() (computeResource, bool) {
	c, ok := s.cfg.(criConfig)
	if !ok || !c.IsLoggedInAsCRI() {
		return computeResource{}, false
	}
	switch kind := c.CRIType(); kind {
	case "VPC":
		return computeResource{kind, c.VPCCRITokenURL(), c.CurrentProfile().ID}, true
	case "PVS":
		return computeResource{kind, c.PVSCRITokenURL(), c.CurrentProfile().ID}, true
	}
	return computeResource{}, false
}

func (s *session) Token(o Options) (token.Token, error) {
	access, refresh := s.cfg.IAMToken(), s.cfg.IAMRefreshToken()
	if access == "" && refresh == "" {
		return token.Token{}, &Error{Kind: NotLoggedIn}
	}
	var seen token.Token
	if access != "" {
		t, err := token.Parse(access)
		if err != nil {
			return token.Token{}, &Error{Kind: MalformedToken, Path: s.path}
		}
		if o.Peek || !o.Force && t.ValidFor(o.MinValidity, s.clock()) {
			return t, nil
		}
		seen = t
	}
	if o.Peek {
		return token.Token{}, &Error{Kind: SessionExpired}
	}
	var err error
	if _, cri := s.computeResource(); refresh == "" && !cri {
		err = &Error{Kind: SessionExpired}
	} else {
		var t token.Token
		if t, err = s.refresh(seen, o); err == nil {
			return t, nil
		}
		if errors.Is(err, &iam.Error{Kind: iam.Ended}) {
			err = &Error{Kind: SessionExpired}
		}
	}
	return s.fallback(seen, o, err)
}

// refresh gets a new token once for every process that wants one at the same moment: whoever
// holds the lock beside config.json calls IAM; the others find the new token on disk.
func (s *session) refresh(seen token.Token, o Options) (token.Token, error) {
	ctx, cancel, err := s.context(seen.ValidFor(0, s.clock()))
	if err != nil {
		return token.Token{}, err
	}
	defer cancel()
	start := s.clock()
	cr, cri := s.computeResource()
	subject := Subject(s.cfg.IAMRefreshToken(), s.iam.Endpoint)
	if cri {
		if cr.profile == "" {
			return token.Token{}, &Error{Kind: NoTrustedProfile}
		}
		subject = Subject("trusted profile "+cr.profile, cr.url)
	}
	var onDisk cliconfig.Tokens
	return s.flight(ctx, s.path, start, subject, o.Force, func() (token.Token, bool, error) {
		var err error
		deadline, _ := ctx.Deadline()
		if onDisk, err = cliconfig.ReadTokens(s.path, deadline); err != nil {
			return token.Token{}, false, err
		}
		if onDisk.Access != seen.Bearer() && onDisk.Access != "" {
			// Someone refreshed while we waited. A token minted since we started is as good
			// as a new one of ours, even for --refresh; otherwise it must be valid for long
			// enough.
			if t, err := token.Parse(onDisk.Access); err == nil &&
				(t.IssuedAt.After(start.Add(-time.Minute)) || !o.Force && t.ValidFor(o.MinValidity, s.clock())) {
				return t, true, nil
			}
		}
		if onDisk.Refresh == "" && !cri {
			return token.Token{}, false, &Error{Kind: SessionExpired}
		}
		return token.Token{}, false, nil
	}, func() (token.Token, error) {
		var fresh token.Token
		var newRefresh string
		var err error
		if cri {
			// Renewed as `ibmcloud` renews it; the refresh token stays empty.
			fresh, err = s.iam.ComputeResource(ctx, cr.kind == "PVS", cr.url, cr.profile)
		} else {
			fresh, newRefresh, err = s.iam.Refresh(ctx, onDisk.Refresh)
		}
		if err != nil {
			return token.Token{}, err
		}
		saveErr := cliconfig.SaveTokens(ctx, s.path, onDisk, cliconfig.Tokens{Access: fresh.Bearer(), Refresh: newRefresh}, s.clock())
		if saveErr != nil {
			// The token is good; only the next run loses it. Say so once and carry on.
			kind := ConfigUnwritable
			if errors.Is(saveErr, cliconfig.ErrChanged) {
				kind = ConfigChanged
			}
			s.warn((&Error{Kind: kind, Path: s.path, Err: saveErr}).Error())
		}
		return fresh, nil
	})
}
