package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Needs a process: `ibmcloud plugin install` runs the binary with the single argument
// SendMetadata, and plugin.Start answers it (filling the SDK version) on the process's stdout.
func TestSendMetadataPassesTheSDKChecker(t *testing.T) {
	t.Parallel()
	s := newSession(t, "", "")
	r := s.run("SendMetadata")
	require.Equal(t, 0, r.code, r.stderr)
	var md plugin.PluginMetadata
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &md))

	assert.Equal(t, "kp-token", md.Name)
	assert.Equal(t, plugin.VersionType{Major: 0, Minor: 1, Build: 0}, md.Version)
	assert.Equal(t, plugin.VersionType{Major: 2, Minor: 0, Build: 0}, md.MinCliVersion)
	assert.True(t, md.PrivateEndpointSupported)
	assert.True(t, md.IsCobraPlugin)
	assert.NotZero(t, md.SDKVersion, "plugin.Start fills the SDK version")
	require.Len(t, md.Namespaces, 1)
	assert.Equal(t, "kp-token", md.Namespaces[0].Name)

	byName := map[string]plugin.Command{}
	for _, c := range md.Commands {
		byName[c.Name] = c
	}
	var names []string
	for _, c := range md.Commands {
		names = append(names, c.Name)
		assert.NotEmpty(t, c.Description)
		assert.True(t, strings.HasPrefix(c.Usage, "ibmcloud kp-token "+c.Name), c.Usage)
	}
	assert.ElementsMatch(t, []string{"env", "print", "show", "exec", "hook", "instances", "curl", "version"}, names)
	assert.Equal(t, "ibmcloud kp-token hook [--name NAME] [--no-bearer] [--min-validity DURATION] [--apikey @FILE] [--cr-token @FILE] [--profile PROFILE] [--assume PROFILE] [--account ACCOUNT_ID] [--instance INSTANCE] [--private] [--public] [--url URL] [--quiet] SHELL", byName["hook"].Usage)
	assert.Equal(t, "ibmcloud kp-token exec [--name NAME] [--no-bearer] [--min-validity DURATION] [--refresh] [--apikey KEY] [--cr-token TOKEN] [--profile PROFILE] [--assume PROFILE] [--account ACCOUNT_ID] [--no-cache] [--timeout DURATION] [--instance INSTANCE] [--private] [--public] [--url URL] [--serve] [--service NAME] -- COMMAND [ARG...]", byName["exec"].Usage)
	assert.Equal(t, "ibmcloud kp-token print [--no-bearer] [--output FORMAT] [--min-validity DURATION] [--refresh] [--apikey KEY] [--cr-token TOKEN] [--profile PROFILE] [--assume PROFILE] [--account ACCOUNT_ID] [--no-cache] [--timeout DURATION] [--instance INSTANCE] [--private] [--public] [--url URL]", byName["print"].Usage)
	assert.Equal(t, "ibmcloud kp-token show [--output FORMAT] [--apikey KEY] [--cr-token TOKEN] [--profile PROFILE] [--assume PROFILE] [--account ACCOUNT_ID] [--instance INSTANCE] [--private] [--public] [--url URL]", byName["show"].Usage)
	env, ok := byName["env"]
	require.True(t, ok)
	assert.Equal(t, "ibmcloud kp-token env [--no-bearer] [--name NAME] [--shell SHELL] [--no-export] [--with-expiry] [--min-validity DURATION] [--refresh] [--apikey KEY] [--cr-token TOKEN] [--profile PROFILE] [--assume PROFILE] [--account ACCOUNT_ID] [--no-cache] [--timeout DURATION] [--instance INSTANCE] [--private] [--public] [--url URL] [--format FORMAT] [--service NAME] [--unset]", env.Usage)
	var flags []string
	for _, f := range env.Flags {
		flags = append(flags, fmt.Sprintf("%s:%v", f.Name, f.HasValue))
		assert.NotEmpty(t, f.Description)
	}
	assert.Equal(t, []string{"no-bearer:false", "name:true", "shell:true", "no-export:false", "with-expiry:false", "min-validity:true", "refresh:false", "apikey:true", "cr-token:true", "profile:true", "assume:true", "account:true", "no-cache:false", "timeout:true", "instance:true", "private:false", "public:false", "url:true", "format:true", "service:true", "unset:false", "hook:false"}, flags)

	for name, errs := range plugin.NewPluginMetadataValidator().Errors([]plugin.PluginMetadata{md}) {
		for _, e := range errs {
			if e.Priority == plugin.PriorityError || e.Priority == plugin.PriorityWarning {
				t.Errorf("%s: %s %s: %s (%s)", name, e.Priority, e.CommandName, e.Error, e.Remediation)
			}
		}
	}
	assert.NoFileExists(t, s.home+"/.bluemix/plugins/kp-token/config.json", "metadata touches no config")
}

// The README's Usage block is each command's usage as the CLI shows it (the metadata, from
// cobra's flags), so that a new flag cannot be left out of it.
func TestREADMEUsageIsTheMetadatas(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	readme := strings.ReplaceAll(string(b), "]...", "]") // a repeatable flag, marked for the reader
	s := newSession(t, "", "")
	r := s.run("SendMetadata")
	require.Equal(t, 0, r.code, r.stderr)
	var md plugin.PluginMetadata
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &md))
	for _, c := range md.Commands {
		assert.Contains(t, readme, "\n    "+c.Usage, "the README's Usage line of %s", c.Name)
	}
}
