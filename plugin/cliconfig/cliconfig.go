// Package cliconfig reads and updates the IBM Cloud CLI's config.json without the SDK's
// hazards: the SDK creates a missing config.json, replaces one that fails to parse with an
// empty one, and writes with a plain truncate-and-write. Here the file is read once and
// checked, the SDK's config code runs over those checked bytes (Snapshot) and never touches
// the disk, and an update is written to a temporary file, synced and renamed over the
// original, so a crash at any instant leaves the old file or the new one.
package cliconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kp-token/kp-token/plugin/safetext"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/configuration"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/configuration/config_helpers"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/configuration/core_config"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/disk"
	"github.com/kp-token/kp-token/plugin/jsonfields"
)

// Path is where the CLI keeps its config: $IBMCLOUD_CONFIG_HOME, else ~/.ibmcloud if it exists,
// else ~/.bluemix, where ~ is $IBMCLOUD_HOME or $HOME. The SDK's own rule, so we read what the
// CLI writes.
func Path() string { return config_helpers.ConfigFilePath() }

// Snapshot is config.json as read once and checked. It answers the session's tokens, locale,
// private-endpoint setting, HTTP timeout and cloud (cloudFields) itself, from the few fields every run needs
// (decodeSession); everything else (the IAM endpoint the CLI targets, the region, the trace, a
// compute resource's profile) is answered by the SDK's own config code (core_config) over the
// same bytes, decoded into the SDK's struct only when first asked: that decode costs a fifth of
// a millisecond that a shell start with a valid token does not need. It never writes.
type Snapshot struct {
	Path    string
	data    []byte
	session sessionFields
	timeout httpTimeout
	cloud   cloudFields

	once sync.Once
	full *core_config.BXConfigData
	repo core_config.Repository
	err  error // why the SDK's struct could not be decoded
}

// sessionFields are what every run reads: decoded at once (decodeSession), with the SDK's field
// names.
type sessionFields struct {
	IAMToken        string
	IAMRefreshToken string
	Locale          string
	IsPrivate       bool // what the SDK's IsPrivateEndpointEnabled answers
}

// httpTimeout is the CLI's HTTP timeout as config.json holds it, which every run's deadline needs:
// read with the session's fields, but apart, since a value the SDK cannot decode only costs a
// refresh (the SDK's decode reports it then), not a valid token.
type httpTimeout struct {
	seconds int
	ok      bool // decoded: absent, null or a number the SDK takes
}

// cloudFields are the SDK's fields that say which cloud and network the CLI targets, which the
// instance cache's key needs at every warm lookup (the Resource Controller's endpoint): the SDK's
// CloudName, CloudType, CurrentRegion().Name and IsAccessFromVPC are these fields as they are.
// Read apart from the session's, as httpTimeout is: a value the SDK cannot decode leaves them to
// the SDK's decode, which reports it, and costs no valid token.
type cloudFields struct {
	Name, Type, Region string
	VPC                bool
	ok                 bool // decoded: each absent, null or of the SDK's type
}

// decodeSession decodes the session's fields of data as encoding/json decodes them into
// sessionFields (names matched regardless of case, the last of a name winning, null leaving a
// field alone, the first mistyped field the error), without its reflection: a shell start pays
// for nothing else of config.json (jsonfields). Only a document that is no object at all is
// left to encoding/json, for its own words.
func decodeSession(data []byte) (sessionFields, httpTimeout, cloudFields, error) {
	var f sessionFields
	timeout := httpTimeout{ok: true}
	cloud := cloudFields{ok: true}
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' {
		err := json.Unmarshal(data, &f)
		return f, timeout, cloud, err
	}
	var err error
	walkErr := jsonfields.Members(data, func(key string, raw []byte) bool {
		if jsonfields.Null(raw) {
			return true
		}
		var field string
		switch {
		case strings.EqualFold(key, "IAMToken"):
			field = "IAMToken"
			f.IAMToken, err = jsonfields.String(raw)
		case strings.EqualFold(key, "IAMRefreshToken"):
			field = "IAMRefreshToken"
			f.IAMRefreshToken, err = jsonfields.String(raw)
		case strings.EqualFold(key, "Locale"):
			field = "Locale"
			f.Locale, err = jsonfields.String(raw)
		case strings.EqualFold(key, "IsPrivate"):
			field = "IsPrivate"
			f.IsPrivate, err = jsonfields.Bool(raw)
		case strings.EqualFold(key, "HTTPTimeout") && timeout.ok:
			n, timeoutErr := jsonfields.Int64(raw)
			timeout = httpTimeout{seconds: int(n), ok: timeoutErr == nil}
		case cloud.ok && strings.EqualFold(key, "CloudName"):
			cloud.Name, cloud.ok = cloudString(raw)
		case cloud.ok && strings.EqualFold(key, "CloudType"):
			cloud.Type, cloud.ok = cloudString(raw)
		case cloud.ok && strings.EqualFold(key, "Region"):
			cloud.Region, cloud.ok = cloudString(raw)
		case cloud.ok && strings.EqualFold(key, "IsAccessFromVPC"):
			var vpcErr error
			cloud.VPC, vpcErr = jsonfields.Bool(raw)
			cloud.ok = vpcErr == nil
		}
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			typ.Field = field
		}
		return err == nil
	})
	if walkErr != nil {
		return f, timeout, cloud, walkErr
	}
	return f, timeout, cloud, err
}

// cloudString is a string field of cloudFields, false when it is not a string.
func cloudString(raw []byte) (string, bool) {
	v, err := jsonfields.String(raw)
	return v, err == nil
}

// Load reads path and decodes the session's fields, reporting what does not parse instead of
// replacing it (as the SDK would).
//
// A writer whose lock the read sees (the SDK saving) is waited for, never read around; one that
// holds it past the deadline makes Load say the CLI is busy writing its configuration (Busy).
// A config that is empty or does not parse is still read again for a moment before it is
// reported: a writer whose lock the read cannot see (the SDK rewriting a config.json that a
// kp-token refresh has just renamed into place, having locked the old file; an editor; any
// writer on a file system without locks) leaves it so for an instant only.
//
// The read never waits past deadline (zero: no deadline of the run's own, and the wait for a
// lock is bounded instead): not for a writer's lock, not for a second look. What is not a
// regular file, or is larger than MaxSize, is refused before it is read.
func Load(path string, deadline time.Time) (*Snapshot, error) {
	if !filepath.IsAbs(path) {
		// Without HOME (and IBMCLOUD_HOME), the SDK's rule names a path relative to the working
		// directory, where anyone may have put a config.json.
		return nil, &Problem{Kind: NoHome, Path: path}
	}
	lookAgain := time.Now().Add(lookAgainFor)
	if !deadline.IsZero() && deadline.Before(lookAgain) {
		lookAgain = deadline
	}
	for {
		data, err := readFile(path, deadline)
		if err != nil {
			return nil, classify(path, err)
		}
		s := &Snapshot{Path: path, data: data}
		s.session, s.timeout, s.cloud, err = parseSession(path, data)
		if err == nil {
			return s, nil
		}
		if time.Now().After(lookAgain) {
			return nil, err
		}
		time.Sleep(disk.RetryLock)
	}
}

// MaxSize is the largest config.json read: a real one is a few kilobytes.
const MaxSize = 4 << 20

// lookAgainFor is how long a broken-looking config is read again: far longer than any write
// of a few kilobytes, short enough not to matter where the file really is broken.
const lookAgainFor = 250 * time.Millisecond

// IAMToken is the session's access token as config.json holds it ("Bearer <jwt>").
func (s *Snapshot) IAMToken() string { return s.session.IAMToken }

// IAMRefreshToken is the session's refresh token.
func (s *Snapshot) IAMRefreshToken() string { return s.session.IAMRefreshToken }

// Locale is the CLI's language setting.
func (s *Snapshot) Locale() string { return s.session.Locale }

// IAMEndpoint is the IAM endpoint the CLI targets, as the SDK chooses it.
func (s *Snapshot) IAMEndpoint() string { return s.Repository().IAMEndpoint() }

// IsPrivateEndpointEnabled says whether the CLI uses private endpoints: config.json's IsPrivate,
// which is all the SDK reads for it (an instance's endpoint is chosen by it at every shell start).
func (s *Snapshot) IsPrivateEndpointEnabled() bool { return s.session.IsPrivate }

// CurrentRegion is the targeted region: config.json's Region, all the SDK reads for it.
func (s *Snapshot) CurrentRegion() models.Region {
	if s.cloud.ok {
		return models.Region{Name: s.cloud.Region}
	}
	return s.Repository().CurrentRegion()
}

// HTTPTimeout is the CLI's HTTP timeout in seconds, 0 when unset.
func (s *Snapshot) HTTPTimeout() int {
	if s.timeout.ok {
		return s.timeout.seconds
	}
	return s.Repository().HTTPTimeout() // what the SDK makes of it: 0, with Problem saying why
}

// IsLoggedInAsCRI says the session is a compute resource's (`ibmcloud login --vpc-cri`).
func (s *Snapshot) IsLoggedInAsCRI() bool { return s.Repository().IsLoggedInAsCRI() }

// CRIType is the compute resource's kind: VPC or PVS (Power Virtual Server).
func (s *Snapshot) CRIType() string { return s.Repository().CRIType() }

// CurrentProfile is the trusted profile of a compute-resource session.
func (s *Snapshot) CurrentProfile() models.Profile { return s.Repository().CurrentProfile() }

// VPCCRITokenURL is the VPC metadata service: $IBMCLOUD_CR_VPC_URL, else the SDK's default.
func (s *Snapshot) VPCCRITokenURL() string { return s.Repository().VPCCRITokenURL() }

// PVSCRITokenURL is the Power metadata service: $IBMCLOUD_CR_PVS_URL, else the SDK's default.
func (s *Snapshot) PVSCRITokenURL() string { return s.Repository().PVSCRITokenURL() }

// CloudName, CloudType, IsAccessFromVPC: which cloud and network the CLI targets (for the
// Resource Controller's endpoint), config.json's fields of those names, all the SDK reads for
// them (cloudFields).
func (s *Snapshot) CloudName() string {
	if s.cloud.ok {
		return s.cloud.Name
	}
	return s.Repository().CloudName()
}

// CloudType is the CLI's cloud type, such as public.
func (s *Snapshot) CloudType() string {
	if s.cloud.ok {
		return s.cloud.Type
	}
	return s.Repository().CloudType()
}

// IsAccessFromVPC says the CLI reaches private endpoints from a VPC.
func (s *Snapshot) IsAccessFromVPC() bool {
	if s.cloud.ok {
		return s.cloud.VPC
	}
	return s.Repository().IsAccessFromVPC()
}

// Trace is the CLI's trace setting.
func (s *Snapshot) Trace() string { return s.Repository().Trace() }

// Problem says why the SDK could not decode config.json (a field of the wrong type, say), or
// nil. The SDK would replace such a file with an empty one; it is reported instead.
func (s *Snapshot) Problem() error {
	s.Repository()
	return s.err
}

// Repository is the SDK's config repository over the snapshot; it answers zero values when the
// SDK cannot decode the file (Problem says why).
func (s *Snapshot) Repository() core_config.Repository {
	s.once.Do(func() {
		s.full = core_config.NewBXConfigData()
		if err := parse(s.Path, s.data, s.full); err != nil {
			s.full, s.err = core_config.NewBXConfigData(), err
		}
		s.repo = core_config.NewCoreConfigFromPersistor(s, func(error) {})
	})
	return s.repo
}

// Exists implements configuration.Persistor.
func (s *Snapshot) Exists() bool { return true }

// Load implements configuration.Persistor with the checked bytes: the SDK's config struct gets
// a copy of the one already decoded.
func (s *Snapshot) Load(d configuration.DataInterface) error {
	if bx, ok := d.(*core_config.BXConfigData); ok {
		*bx = *s.full
		return nil
	}
	return d.Unmarshal(s.data)
}

// Save implements configuration.Persistor: a snapshot is never written back.
func (s *Snapshot) Save(configuration.DataInterface) error { return errReadOnly }

var errReadOnly = errors.New("read-only snapshot")

// Tokens are the session's tokens as config.json holds them.
type Tokens struct {
	Access  string // "Bearer <jwt>"
	Refresh string
}

// ReadTokens reads the tokens as they are on disk now: another process may have written them
// since this one started.
func ReadTokens(path string, deadline time.Time) (Tokens, error) {
	s, err := Load(path, deadline)
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{Access: s.session.IAMToken, Refresh: s.session.IAMRefreshToken}, nil
}

// parse decodes data into v with encoding/json, as the SDK does (its BXConfigData.Unmarshal also
// decodes a map of the raw fields, which only its writes use).
func parse(path string, data []byte, v any) error {
	if len(data) == 0 {
		return &Problem{Kind: Empty, Path: path}
	}
	if err := json.Unmarshal(data, v); err != nil {
		return &Problem{Kind: Corrupt, Path: path, Detail: describeJSONError(err)}
	}
	return nil
}

// parseSession is parse for the session's fields (decodeSession).
func parseSession(path string, data []byte) (sessionFields, httpTimeout, cloudFields, error) {
	if len(data) == 0 {
		return sessionFields{}, httpTimeout{}, cloudFields{}, &Problem{Kind: Empty, Path: path}
	}
	f, timeout, cloud, err := decodeSession(data)
	if err != nil {
		return sessionFields{}, httpTimeout{}, cloudFields{}, &Problem{Kind: Corrupt, Path: path, Detail: describeJSONError(err)}
	}
	return f, timeout, cloud, nil
}

// describeJSONError keeps the position of a syntax error or the name of a mistyped field, but
// not the text around it, which could be part of a token.
func describeJSONError(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return i18n.T("invalid JSON at byte {{.Offset}}", map[string]any{"Offset": syn.Offset})
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return i18n.T("the field {{.Field}} holds a JSON {{.Type}}", map[string]any{"Field": typ.Field, "Type": typ.Value})
	}
	return i18n.T("invalid JSON")
}

// ErrChanged means config.json no longer holds the tokens this process refreshed: someone
// logged out or in meanwhile, and their session wins.
var ErrChanged = errors.New("config.json changed during the refresh")

// SaveTokens writes next into config.json in place of expected, keeping every other field,
// under the same flock the SDK takes on config.json. When the file no longer holds expected it
// writes nothing and returns ErrChanged. A symlinked config.json is updated at its target.
func SaveTokens(ctx context.Context, path string, expected, next Tokens, now time.Time) error {
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	l, err := disk.LockFile(ctx, path)
	if err != nil {
		return err
	}
	defer l.Unlock()

	data, err := os.ReadFile(path)
	if err != nil {
		return classify(path, err)
	}
	cfg, _, _, err := parseSession(path, data)
	if err != nil {
		return err
	}
	if cfg.IAMToken != expected.Access || cfg.IAMRefreshToken != expected.Refresh {
		return ErrChanged
	}
	// A map of raw values keeps the fields the SDK's struct does not know, as they are. The
	// keys come out sorted, as they do when the SDK saves tokens itself (its writeRaw).
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return &Problem{Kind: Corrupt, Path: path, Detail: describeJSONError(err)}
	}
	for key, value := range map[string]string{"IAMToken": next.Access, "IAMRefreshToken": next.Refresh} {
		raw, _ := json.Marshal(value)
		fields[key] = raw
	}
	// The SDK stamps every refresh; the CLI uses it for its session bookkeeping.
	fields["LastSessionUpdateTime"] = json.RawMessage(strconv.FormatInt(now.Unix(), 10))

	out, err := json.MarshalIndent(fields, "", "  ")
	if err != nil {
		return err
	}
	return disk.WriteAtomic(path, out, 0o600)
}

// Problem is a config.json that cannot be used. Its text says what is wrong and what to do;
// it never holds the file's content.
type Problem struct {
	Kind   ProblemKind
	Path   string
	Detail string
}

// ProblemKind says why a config.json cannot be used.
type ProblemKind int

// The ways a config.json can be unusable.
const (
	Missing ProblemKind = iota + 1
	Unreadable
	IsDirectory
	Empty
	Corrupt
	NotAFile // a FIFO, a device, a socket: nothing a config is read from
	TooLarge // over MaxSize
	NoHome   // HOME is not set, so the path is relative
	Busy     // a writer (the CLI saving it) held its lock past the run's deadline
)

func classify(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &Problem{Kind: Missing, Path: path}
	case errors.Is(err, fs.ErrPermission):
		return &Problem{Kind: Unreadable, Path: path, Detail: i18n.T("permission denied")}
	}
	if info, statErr := os.Stat(path); statErr == nil && info.IsDir() {
		return &Problem{Kind: IsDirectory, Path: path}
	}
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &Problem{Kind: Unreadable, Path: path, Detail: err.Error()}
}

func (p *Problem) Error() string {
	args := map[string]any{"Path": safetext.Quote(p.Path), "Detail": p.Detail}
	switch p.Kind {
	case Missing:
		return i18n.T("No IBM Cloud CLI configuration was found at '{{.Path}}'. Log in by running 'ibmcloud login', or 'ibmcloud login --sso' with a federated ID.", args)
	case IsDirectory:
		return i18n.T("'{{.Path}}' is a directory, not the IBM Cloud CLI configuration file. Move it aside, then log in by running 'ibmcloud login'.", args)
	case Empty:
		return i18n.T("The IBM Cloud CLI configuration '{{.Path}}' is empty. Log in by running 'ibmcloud login'.", args)
	case Corrupt:
		return i18n.T("The IBM Cloud CLI configuration '{{.Path}}' cannot be parsed ({{.Detail}}). It was left unchanged. Fix it, or move it aside and log in again by running 'ibmcloud login'.", args)
	case NotAFile:
		return i18n.T("The IBM Cloud CLI configuration '{{.Path}}' is not a regular file, so it was not read. Move it aside, then log in by running 'ibmcloud login'.", args)
	case TooLarge:
		return i18n.T("The IBM Cloud CLI configuration '{{.Path}}' is larger than 4 MiB, far more than a configuration holds, so it was not read. Move it aside, then log in by running 'ibmcloud login'.", args)
	case Busy:
		return i18n.T("The IBM Cloud CLI is writing its configuration at '{{.Path}}', and it did not finish in time. Try again.", args)
	case NoHome:
		return i18n.T("HOME is not set, so the IBM Cloud CLI configuration cannot be found (a relative '{{.Path}}' is not read). Set HOME or IBMCLOUD_HOME.", args)
	default:
		return i18n.T("The IBM Cloud CLI configuration '{{.Path}}' cannot be read ({{.Detail}}). Check that it belongs to you and that you can read it.", args)
	}
}
