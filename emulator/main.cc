// offstage: one binary, the daemon (`offstage serve`) and its client commands.
#include "emulator/cli/cli.h"

int main(int argc, char** argv) { return offstage::cli::Run(argc, argv); }
