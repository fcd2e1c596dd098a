package i18n

import (
	"encoding/json"
	"io/fs"
)

// UseResources swaps the locale files for a test and returns a function that restores them.
func UseResources(f fs.FS) (restore func()) {
	old := resources
	resources = f
	return func() { resources = old; Init(DefaultLocale) }
}

// Load parses one locale's resource file into a map from ID to translation.
func Load(locale string) (map[string]string, error) {
	c, err := load(locale)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(c))
	for _, e := range c {
		m[e.id] = e.translation
	}
	return m, nil
}

// Messages returns one locale's resource file as it is written, as encoding/json reads it.
func Messages(locale string) ([]Message, error) {
	s, err := file(locale)
	if err != nil {
		return nil, err
	}
	var list []Message
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return nil, err
	}
	return list, nil
}
