// The command tree (CLI11): `offstage serve` runs the daemon; client subcommands talk HTTP to a
// running daemon. Runs on the main thread.
#pragma once

namespace offstage::cli {

// Returns the process exit code: 0 success, 1 a failed check, 2 usage or connection errors.
int Run(int argc, char** argv);

}  // namespace offstage::cli
