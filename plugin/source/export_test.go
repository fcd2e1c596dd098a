package source

// Limit is limit, for the external tests: the 30 s default is checked here, never waited for.
var Limit = limit
