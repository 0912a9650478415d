#if canImport(Glibc)
  import Glibc
#endif

// Every command runs through `Command.main`, which turns a thrown CLIError into the one-line
// `quantscope: error: …` message and exit status 2.
exit(Command.main(Array(CommandLine.arguments.dropFirst())))
