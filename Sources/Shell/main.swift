// toolshell entry point: `toolshell SUBCOMMAND ...` runs a one-shot command;
// with no subcommand (or `chat`) it starts the interactive shell.
import Foundation

exit(CommandLineInterface.main(Array(CommandLine.arguments.dropFirst())))
