//go:build sdkfloor

// With -tags sdkfloor, this file links the IBM Cloud CLI SDK's plugin package into the program.
// Any binary that calls plugin.Start must link that package, and so pays for the initialisation
// of it and its dependencies (the SDK's i18n package parses its translation bundle,
// Masterminds/semver and go-playground/validator compile regular expressions, and so on) before
// main runs. The program then does exactly what minimal does and pays that cost and nothing
// else, so the gap between it and minimal is the SDK's, and the gap between kp-token env and it
// is kp-token's own.

package main

import _ "github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin" // for its package initialisation only
