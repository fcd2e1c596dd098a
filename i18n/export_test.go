package i18n

import "io/fs"

// UseResources swaps the locale files for a test and returns a function that restores them.
func UseResources(f fs.FS) (restore func()) {
	old := resources
	resources = f
	return func() { resources = old; Init(DefaultLocale) }
}
