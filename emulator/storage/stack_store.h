// SQL for deployed stacks (iac/): one row per stack name holding the stack as a JSON document
// (iac/stack.h owns its shape). Functions take the Database the writer runs them on; thread
// model: the writer's (or a Query's) thread only.
#pragma once

#include <string>
#include <vector>

#include "emulator/common/result.h"
#include "emulator/storage/database.h"

namespace offstage::storage {

struct StackRow {
  std::string name;
  std::string document;
  int64_t updated_ns = 0;
};

common::Status UpsertStack(Database& db, const StackRow& row);
common::Status DeleteStack(Database& db, const std::string& name);
common::Result<std::vector<StackRow>> LoadStacks(Database& db);

}  // namespace offstage::storage
