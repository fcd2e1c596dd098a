// Package i18n translates the plug-in's user-facing strings.
//
// Resources follow the IBM Cloud CLI convention: i18n/resources/all.<locale>.json holds a
// list of {"id", "translation"} pairs whose id is the English text. They are embedded into the
// binary (see the embed directive below), so nothing is generated.
package i18n

import (
	"embed"
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"
	"text/template"
)

// DefaultLocale is used when nothing else matches, and is the reference set of IDs.
const DefaultLocale = "en_US"

//go:embed resources/all.*.json
var embedded embed.FS

// resources is where locales are read from: the embedded files, or a test's own.
var resources fs.FS = embedded

// Message is one entry of a resource file.
type Message struct {
	ID          string `json:"id"`
	Translation string `json:"translation"`
}

var (
	mu       sync.RWMutex
	messages map[string]string // the chosen locale's translations; nil means not chosen yet
)

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
	mu.RLock()
	m := messages
	mu.RUnlock()
	if m == nil {
		Init("")
		mu.RLock()
		m = messages
		mu.RUnlock()
	}
	if s, ok := m[id]; ok && s != "" {
		return s
	}
	// en_US translations are the IDs themselves (a test holds them to it), so the ID is the
	// en_US text: the fallback for a locale that lacks a translation, and en_US itself.
	return id
}

// Init chooses the locale: the CLI's configured locale when set, then LC_ALL, then LANG, then
// en_US. The first of those that names a locale we ship (exactly, or by its language) wins.
func Init(configured string) string {
	locale := Choose(configured, os.Getenv("LC_ALL"), os.Getenv("LANG"))
	if locale == DefaultLocale {
		// Nothing to parse for en_US (see lookup): env runs at every shell start.
		mu.Lock()
		messages = map[string]string{}
		mu.Unlock()
		return locale
	}
	m, err := Load(locale)
	if err != nil {
		locale = DefaultLocale
		m, _ = Load(locale)
	}
	mu.Lock()
	messages = m
	mu.Unlock()
	return locale
}

// Choose returns the first candidate that matches a shipped locale, or en_US.
func Choose(candidates ...string) string {
	var available []string // listed only when a candidate names a language: not at most shell starts
	for _, c := range candidates {
		c = normalize(c)
		if c == "" {
			continue
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
// name no language (C, POSIX) into "".
func normalize(candidate string) string {
	c := candidate
	if i := strings.IndexAny(c, ".@"); i >= 0 {
		c = c[:i]
	}
	c = strings.ToLower(strings.ReplaceAll(c, "-", "_"))
	if c == "c" || c == "posix" {
		return ""
	}
	return c
}

// match maps a normalized candidate onto a shipped locale such as "fr_FR".
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
	entries, _ := fs.ReadDir(resources, "resources")
	var out []string
	for _, e := range entries {
		name := strings.TrimSuffix(strings.TrimPrefix(e.Name(), "all."), ".json")
		out = append(out, name)
	}
	return out
}

// Load parses one locale's resource file into a map from ID to translation.
func Load(locale string) (map[string]string, error) {
	list, err := Messages(locale)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(list))
	for _, msg := range list {
		m[msg.ID] = msg.Translation
	}
	return m, nil
}

// Messages returns one locale's resource file as it is written.
func Messages(locale string) ([]Message, error) {
	data, err := fs.ReadFile(resources, path.Join("resources", "all."+locale+".json"))
	if err != nil {
		return nil, err
	}
	var list []Message
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, err
	}
	return list, nil
}
