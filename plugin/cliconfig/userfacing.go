package cliconfig

// UserFacing marks a Problem as written for the user (commands.UserFacing): it says what is
// wrong with config.json and what to do.
func (*Problem) UserFacing() {}
