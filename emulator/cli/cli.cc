#include "emulator/cli/cli.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "common/version.h"
#include "emulator/cli/action_commands.h"
#include "emulator/cli/faults_command.h"
#include "emulator/cli/logs_command.h"
#include "emulator/cli/report_command.h"
#include "emulator/cli/runtimes_command.h"
#include "emulator/cli/serve_command.h"
#include "emulator/cli/stack_commands.h"
#include "emulator/cli/trace_command.h"
#include "emulator/cli/ui_command.h"

namespace offstage::cli {

int Run(int argc, char** argv) {
  CLI::App app{"offstage: a local AWS SNS + Lambda emulator and test harness", "offstage"};
  app.set_version_flag("--version", std::string("offstage ") + common::kVersion);
  app.require_subcommand(0, 1);

  ServeCommand serve;
  serve.Register(app);
  LogsCommand logs;
  logs.Register(app);
  TraceCommand trace;
  trace.Register(app);
  ActionCommands actions;
  actions.Register(app);
  RuntimesCommand runtimes;
  runtimes.Register(app);
  UiCommand ui;
  ui.Register(app);
  FaultsCommand faults;
  faults.Register(app);
  ReportCommand report;
  report.Register(app);
  StackCommands stacks;
  stacks.Register(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : 2;
  }
  if (serve.selected()) return serve.Run();
  if (logs.selected()) return logs.Run();
  if (trace.selected()) return trace.Run();
  if (ui.selected()) return ui.Run();
  if (report.selected()) return report.Run();
  if (int code = actions.Run(); code >= 0) return code;
  if (int code = runtimes.Run(); code >= 0) return code;
  if (int code = faults.Run(); code >= 0) return code;
  if (int code = stacks.Run(); code >= 0) return code;
  std::cout << app.help();
  return 0;
}

}  // namespace offstage::cli
