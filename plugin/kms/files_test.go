package kms

import "github.com/kp-token/kp-token/plugin/disk"

// The tests' caches keep their files as the plug-in's do.
func init() { defaultFiles = disk.Private{} }
