// Command platform is lendkit's reference lending platform: one binary whose
// subcommands wire the library's packages together.
//
//	platform serve     JSON HTTP API and agents' dashboard
//	platform demo      the P2P scenario end to end
//	platform simulate  a loan schedule and its APR from the command line
//	platform verify    ledger and invariants check of a database
//	platform migrate   apply the database migrations
//
// Run "platform <command> -h" for a command's flags. main.go only dispatches:
// each command lives in its own file as a function of the commandFunc shape,
// which takes its writers as arguments so tests run it in-process.
package main
