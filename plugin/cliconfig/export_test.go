package cliconfig

// ReadWait is how long a read waits for a writer's lock when the run has no deadline.
const ReadWait = readWait
