// Package i18n translates the plug-in's user-facing strings.
//
// Resources follow the IBM Cloud CLI convention: i18n/resources/all.<locale>.json holds a
// list of {"id", "translation"} pairs whose id is the English text. They are embedded into the
// binary (see shipped below), so nothing is generated.
package i18n

import (
	_ "embed" // the resource files, one string each
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"
	"text/template"
)

// DefaultLocale is used when nothing else matches, and is the reference set of IDs.
const DefaultLocale = "en_US"

// The resource files, embedded one string each rather than as an embed.FS: a string is the
// file where the binary holds it, so reading a locale copies nothing, and the translations
// decode returns are slices of it. (embed.FS would copy the file out, and a string conversion
// copy it again: together they cost more than decoding it.) A test holds this list to the
// files in resources/.
var (
	//go:embed resources/all.de_DE.json
	deDE string
	//go:embed resources/all.en_US.json
	enUS string
	//go:embed resources/all.es_ES.json
	esES string
	//go:embed resources/all.fr_FR.json
	frFR string
	//go:embed resources/all.it_IT.json
	itIT string
	//go:embed resources/all.ja_JP.json
	jaJP string
	//go:embed resources/all.ko_KR.json
	koKR string
	//go:embed resources/all.pt_BR.json
	ptBR string
	//go:embed resources/all.zh_Hans.json
	zhHans string
	//go:embed resources/all.zh_Hant.json
	zhHant string
)

// shipped is the embedded locales, in the order Locales lists them.
var shipped = [...]struct{ locale, file string }{
	{"de_DE", deDE}, {"en_US", enUS}, {"es_ES", esES}, {"fr_FR", frFR}, {"it_IT", itIT},
	{"ja_JP", jaJP}, {"ko_KR", koKR}, {"pt_BR", ptBR}, {"zh_Hans", zhHans}, {"zh_Hant", zhHant},
}

// resources, when a test sets it, replaces the embedded files with its own
// resources/all.<locale>.json.
var resources fs.FS

// Message is one entry of a resource file.
type Message struct {
	ID          string `json:"id"`
	Translation string `json:"translation"`
}

var (
	mu       sync.RWMutex
	messages catalog // the chosen locale's translations, once loaded
	chosen   string  // the chosen locale; "" when Init has not run
	loaded   bool    // messages holds chosen's translations
)

// N marks a message for translation without translating it: for text that is translated when it
// is shown (T), such as a command's description, which is built at every run but shown only in
// help. The tests read N's IDs as they read T's.
func N(id string) string { return id }

// Marked translates an ID that N marked, where it is shown (help, the plug-in metadata).
func Marked(id string) string { return lookup(id) }

// T translates id and fills its {{.Field}} placeholders from the optional map.
// An ID missing from the chosen locale falls back to en_US, which is the ID itself.
func T(id string, args ...map[string]any) string {
	text := lookup(id)
	if len(args) == 0 || !strings.Contains(text, "{{") {
		return text
	}
	tmpl, err := template.New("").Option("missingkey=zero").Parse(text)
	if err != nil {
		return text
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, args[0]); err != nil {
		return text
	}
	return b.String()
}

func lookup(id string) string {
	if id == "" {
		return id
	}
	mu.RLock()
	m, ok := messages, loaded
	mu.RUnlock()
	if !ok {
		m = ensureLoaded()
	}
	if s, ok := m.lookup(id); ok && s != "" {
		return s
	}
	// en_US translations are the IDs themselves (a test holds them to it), so the ID is the
	// en_US text: the fallback for a locale that lacks a translation, and en_US itself.
	return id
}

// ensureLoaded loads the chosen locale's translations (choosing one first if Init has not run).
func ensureLoaded() catalog {
	mu.Lock()
	defer mu.Unlock()
	if loaded {
		return messages
	}
	if chosen == "" {
		chosen = choose("")
	}
	m := catalog{} // en_US: nothing to parse (see lookup)
	if chosen != DefaultLocale {
		if l, err := load(chosen); err == nil {
			m = l
		} else {
			// A shipped file that does not parse: en_US, which is the IDs themselves. (A
			// test holds every shipped file to parsing.)
			chosen = DefaultLocale
		}
	}
	messages, loaded = m, true
	return m
}

// Init chooses the locale: the CLI's configured locale when set, then LC_ALL, then
// LC_MESSAGES, then LANG, then en_US. The first of those that names a locale we ship (exactly,
// by its Chinese script or region, or by its language) wins; C, POSIX and empty are skipped.
// The chosen locale's one file is parsed when a message is first translated: a run that shows
// none (env at a shell start, with a valid token) parses nothing.
func Init(configured string) string {
	locale := choose(configured)
	mu.Lock()
	if locale != chosen || !loaded {
		chosen, messages, loaded = locale, nil, false
	}
	mu.Unlock()
	return locale
}

func choose(configured string) string {
	return Choose(configured, os.Getenv("LC_ALL"), os.Getenv("LC_MESSAGES"), os.Getenv("LANG"))
}

// Choose returns the first candidate that matches a shipped locale, or en_US.
func Choose(candidates ...string) string {
	var available []string // listed only when a candidate names a language other than en_US's
	for _, c := range candidates {
		c = normalize(c)
		if c == "" {
			continue
		}
		if c == "en_us" {
			return DefaultLocale // always shipped: no need to list
		}
		if available == nil {
			available = Locales()
		}
		if l := match(c, available); l != "" {
			return l
		}
	}
	return DefaultLocale
}

// normalize turns "fr_FR.UTF-8", "fr-FR" or "fr" into "fr_fr" or "fr", and the locales that
// name no language (C, POSIX) into "". Chinese becomes the script the CLI names its locales
// by: zh_CN, zh_SG and zh become "zh_hans"; zh_TW, zh_HK and zh_MO become "zh_hant"; a script
// given outright (zh-Hant-TW, zh_Hans) wins over the region.
func normalize(candidate string) string {
	c := candidate
	if i := strings.IndexAny(c, ".@"); i >= 0 {
		c = c[:i]
	}
	c = strings.ToLower(strings.ReplaceAll(c, "-", "_"))
	if c == "c" || c == "posix" {
		return ""
	}
	lang, rest, _ := strings.Cut(c, "_")
	if lang != "zh" {
		return c
	}
	for _, sub := range strings.Split(rest, "_") {
		switch sub {
		case "hans":
			return "zh_hans"
		case "hant":
			return "zh_hant"
		}
	}
	for _, sub := range strings.Split(rest, "_") {
		switch sub {
		case "tw", "hk", "mo":
			return "zh_hant"
		}
	}
	return "zh_hans"
}

// match maps a normalized candidate onto a shipped locale such as "fr_FR": exactly, else by
// language alone (de_AT to de_DE, pt to pt_BR).
func match(c string, available []string) string {
	for _, l := range available {
		if strings.ToLower(l) == c {
			return l
		}
	}
	lang, _, _ := strings.Cut(c, "_")
	for _, l := range available {
		if al, _, _ := strings.Cut(strings.ToLower(l), "_"); al == lang {
			return l
		}
	}
	return ""
}

// Locales lists the shipped locales, such as "en_US".
func Locales() []string {
	var out []string
	if resources == nil {
		for _, f := range shipped {
			out = append(out, f.locale)
		}
		return out
	}
	entries, _ := fs.ReadDir(resources, "resources")
	for _, e := range entries {
		name := strings.TrimSuffix(strings.TrimPrefix(e.Name(), "all."), ".json")
		out = append(out, name)
	}
	return out
}

// file returns one locale's resource file.
func file(locale string) (string, error) {
	if resources != nil {
		data, err := fs.ReadFile(resources, path.Join("resources", "all."+locale+".json"))
		return string(data), err
	}
	for _, f := range shipped {
		if f.locale == locale {
			return f.file, nil
		}
	}
	return "", &fs.PathError{Op: "open", Path: "resources/all." + locale + ".json", Err: fs.ErrNotExist}
}

// load parses one locale's resource file into the catalog T reads: one pass over the embedded
// file, which is not copied (see decode).
func load(locale string) (catalog, error) {
	s, err := file(locale)
	if err != nil {
		return nil, err
	}
	return decode(s)
}
