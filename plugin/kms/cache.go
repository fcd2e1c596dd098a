package kms

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/kp-token/kp-token/plugin/jsonfields"
)

// DefaultTTL is how long a cache entry is used without asking the Resource Controller again. An
// instance's GUID, region and service never change; its name can (renamed, or deleted and made
// again), and a day bounds how long an old answer can last. --refresh asks at once.
const DefaultTTL = 24 * time.Hour

// MaxStale is how old an entry may be and still be used, with a warning, when the Resource
// Controller cannot be asked (unavailable, unreachable or timed out): a shell start during an
// outage keeps its instance. Older entries are dropped when the file is next written.
const MaxStale = 7 * 24 * time.Hour

// maxEntries bounds the cache file: the newest entries are kept.
const maxEntries = 64

// maxCacheFile bounds what is read of a cache file.
const maxCacheFile = 256 << 10

// Cache keeps resolutions per account and per Resource Controller: <Dir>/<Account>.json, mode
// 0600, in a directory made private, each entry carrying the endpoint it was learned from and
// used only when that endpoint is asked again (what a test's or a hostile
// EnvRCEndpoint answered is never an answer of the CLI's own Resource Controller). Nothing
// secret is in it.
type Cache struct {
	Dir     string // absolute, such as <CLI config dir>/plugins/kp-token/instances
	Account string // the token's account ID
	// Endpoint is the Resource Controller whose answers the cache keeps, by its URL
	// (ResourceControllerEndpoint: EnvRCEndpoint's when it is set, else the CLI's cloud's);
	// "": no cache.
	Endpoint string
	TTL      time.Duration    // 0: DefaultTTL
	Now      func() time.Time // nil: time.Now
	Files    Files            // nil: defaultFiles, and with none of those no cache
}

// Files keeps the cache's file: plugin/disk's private files (disk.Private), never read or
// written through a link, in a directory others can write to, or of another user. It is passed
// in by the runtime so that what knows instances (and the commands that use it) need not know
// the disk.
type Files interface {
	CheckPrivate(dir string) error // the directory is the user's alone, or the error says why
	MakePrivate(dir string) error  // makes the directory, or makes it private
	ReadPrivate(path string, limit int64) ([]byte, error)
	WriteAtomic(path string, data []byte, mode os.FileMode) error
}

// defaultFiles stands in for a Cache's Files when it has none (this package's tests set it).
var defaultFiles Files

func (c *Cache) files() Files {
	if c.Files != nil {
		return c.Files
	}
	return defaultFiles
}

// Path is the cache file, or "" when there is none: no Dir, a Dir that is not absolute (never one
// relative to the working directory), an account ID that is not one (letters, digits, '-'
// and '_'), or no Resource Controller's endpoint.
func (c *Cache) Path() string {
	if c == nil || c.files() == nil || !filepath.IsAbs(c.Dir) || !accountID(c.Account) || c.Endpoint == "" {
		return ""
	}
	return filepath.Join(c.Dir, c.Account+".json")
}

func accountID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Cache) ttl() time.Duration {
	if c.TTL > 0 {
		return c.TTL
	}
	return DefaultTTL
}

// The file is one JSON document, {"entries": [entry, …]}, newest first, written with one entry
// per line so that a lookup finds its line and decodes that entry alone: env runs at every
// shell start, and decoding a full cache would cost more than the rest of a warm run. A file
// laid out otherwise (edited by hand, or written before entries carried their endpoint) is still
// read whole when it is next written; its lookups miss until then.
type cacheFile struct {
	Entries []cacheEntry `json:"entries"`
}

type cacheEntry struct {
	Key      string   `json:"key"` // what was asked: "name:" + the name, or "guid:" + the GUID
	RC       string   `json:"rc"`  // the Resource Controller's endpoint that answered
	At       int64    `json:"at"`  // when it was learned, in Unix seconds
	Instance Instance `json:"instance"`
}

func nameKey(name string) string { return "name:" + name }
func guidKey(guid string) string { return "guid:" + strings.ToLower(guid) }

// read returns the file's bytes and path; a missing, unreadable or unsafe file (another user's,
// a link, in a directory others can write to) has none. With create, the directory is made (or
// made private) for a store to follow; without, a missing directory is only missing.
func (c *Cache) read(create bool) ([]byte, string) {
	path := c.Path()
	if path == "" {
		return nil, ""
	}
	private := c.files().CheckPrivate
	if create {
		private = c.files().MakePrivate
	}
	if private(filepath.Dir(path)) != nil {
		return nil, ""
	}
	b, err := c.files().ReadPrivate(path, maxCacheFile)
	if err != nil {
		return nil, path
	}
	return b, path
}

// lookup returns the entry for key, checked, and its age; ok is false when there is none, it
// does not decode or check out, or it is from the future.
func (c *Cache) lookup(key string) (inst Instance, age time.Duration, ok bool) {
	data, _ := c.read(false)
	k, err := json.Marshal(key)
	rc, rcErr := json.Marshal(c.Endpoint)
	if len(data) == 0 || err != nil || rcErr != nil {
		return Instance{}, 0, false
	}
	prefix := append(append(append(append([]byte("\n{\"key\":"), k...), ",\"rc\":"...), rc...), ',')
	i := bytes.Index(data, prefix)
	if i < 0 {
		return Instance{}, 0, false
	}
	line := data[i+1:]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	e, decoded := decodeEntry(bytes.TrimSuffix(line, []byte(",")))
	if !decoded || e.Key != key || e.RC != c.Endpoint || !e.Instance.valid() {
		return Instance{}, 0, false
	}
	age = c.now().Sub(time.Unix(e.At, 0))
	if age < -time.Minute {
		return Instance{}, 0, false
	}
	return e.Instance, max(age, 0), true
}

// decodeEntry reads one entry's line without reflection (jsonfields): a warm shell start decodes
// one entry, and encoding/json's first decode of these types would cost more than the rest of the
// run. What does not decode as the writer wrote it is a miss.
func decodeEntry(line []byte) (e cacheEntry, ok bool) {
	ok = true
	str := func(raw []byte, v *string) {
		var err error
		if *v, err = jsonfields.String(raw); err != nil {
			ok = false
		}
	}
	walk := func(members func([]byte, func(string, []byte) bool) error, raw []byte, member func(key string, raw []byte)) {
		if raw[0] != '{' || members(raw, func(key string, raw []byte) bool {
			member(key, raw)
			return ok
		}) != nil {
			ok = false
		}
	}
	object := func(raw []byte, member func(key string, raw []byte)) { walk(jsonfields.Nested, raw, member) } // checked with the line
	if len(line) == 0 {
		return e, false
	}
	walk(jsonfields.Members, line, func(key string, raw []byte) {
		switch key {
		case "key":
			str(raw, &e.Key)
		case "rc":
			str(raw, &e.RC)
		case "at":
			var err error
			if e.At, err = jsonfields.Int64(raw); err != nil {
				ok = false
			}
		case "instance":
			i := &e.Instance
			object(raw, func(key string, raw []byte) {
				switch key {
				case "name":
					str(raw, &i.Name)
				case "guid":
					str(raw, &i.GUID)
				case "crn":
					str(raw, &i.CRN)
				case "service":
					str(raw, &i.Service)
				case "region":
					str(raw, &i.Region)
				case "resource_group_id":
					str(raw, &i.ResourceGroupID)
				case "endpoints":
					object(raw, func(key string, raw []byte) {
						switch key {
						case "public":
							str(raw, &i.Endpoints.Public)
						case "private":
							str(raw, &i.Endpoints.Private)
						}
					})
				}
			})
		}
	})
	return e, ok
}

// store adds entries learned now, drops those older than MaxStale and the oldest beyond
// maxEntries. It fails silently: a cache that cannot be written costs the next run a call.
func (c *Cache) store(add map[string]Instance) {
	data, path := c.read(true)
	if path == "" {
		return
	}
	now := c.now()
	var f cacheFile
	_ = json.Unmarshal(data, &f)       // a corrupt file is replaced
	keep := map[[2]string]cacheEntry{} // by endpoint and key
	for _, e := range f.Entries {
		if age := now.Sub(time.Unix(e.At, 0)); age <= MaxStale && age >= -time.Minute && e.RC != "" && e.Instance.valid() {
			if old, dup := keep[[2]string{e.RC, e.Key}]; !dup || old.At < e.At {
				keep[[2]string{e.RC, e.Key}] = e
			}
		}
	}
	for k, inst := range add {
		keep[[2]string{c.Endpoint, k}] = cacheEntry{Key: k, RC: c.Endpoint, At: now.Unix(), Instance: inst}
	}
	entries := make([]cacheEntry, 0, len(keep))
	for _, e := range keep {
		entries = append(entries, e)
	}
	sort.Slice(entries, func(a, b int) bool {
		if entries[a].At != entries[b].At {
			return entries[a].At > entries[b].At
		}
		if entries[a].Key != entries[b].Key {
			return entries[a].Key < entries[b].Key
		}
		return entries[a].RC < entries[b].RC
	})
	if len(entries) > maxEntries {
		entries = entries[:maxEntries]
	}
	var b bytes.Buffer
	b.WriteString("{\"entries\":[\n")
	for n, e := range entries {
		line, err := json.Marshal(e)
		if err != nil {
			return
		}
		b.Write(line)
		if n < len(entries)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]}\n")
	_ = c.files().WriteAtomic(path, b.Bytes(), 0o600)
}

// valid checks an instance read back from the cache as one from the Resource Controller is
// checked: its CRN, GUID, service, region and endpoints.
func (i Instance) valid() bool {
	c, ok := parseCRN(i.CRN)
	return ok && (c.service == KeyProtect || c.service == HPCS) && c.service == i.Service && c.guid == i.GUID &&
		validRegion(i.Region) && publishedURL(i.Endpoints.Public) == i.Endpoints.Public &&
		publishedURL(i.Endpoints.Private) == i.Endpoints.Private
}
