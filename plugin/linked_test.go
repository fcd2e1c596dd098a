package main

import (
	"debug/buildinfo"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Needs the built binary: what it links. Some modules initialise tables at every start of the
// program, before main runs, and cost a shell start more than all of kp-token's own work: the
// SDK's terminal and trace packages bring go-pretty and go-runewidth (env / sdkfloor went from
// 1.04 to 1.21 in instructions once, from 1.03 to 1.17 another time). `make bench` measures the
// cost; this keeps those modules out by name.
func TestTheBinaryLinksNothingThatSlowsItsStart(t *testing.T) {
	info, err := buildinfo.ReadFile(binary)
	require.NoError(t, err)
	for _, dep := range info.Deps {
		for _, slow := range []string{"github.com/mattn/go-runewidth", "github.com/jedib0t/go-pretty/v6", "github.com/fatih/color"} {
			assert.NotEqual(t, slow, dep.Path, "the plug-in links %s", slow)
		}
	}
}
