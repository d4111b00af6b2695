// SQL for Lambda state (functions and layers, as JSON documents) and environment log lines, as
// plain rows. Every function takes the Database and so runs on the Writer thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "emulator/storage/database.h"

namespace offstage::storage {

struct FunctionRow {
  std::string arn;
  std::string name;
  std::string region;
  std::string account;
  std::string config_json;
  int64_t created_ns = 0;
};

struct LogRow {
  std::string function_name;
  std::string request_id;
  std::string stream;
  int64_t ts_ns = 0;
  std::string text;
};

Status UpsertFunction(Database& db, const FunctionRow& row);
Status DeleteFunction(Database& db, const std::string& arn);
Result<std::vector<FunctionRow>> LoadFunctions(Database& db);

// A layer: the same shape (its ARN, name, place, JSON document, creation time).
using LayerRow = FunctionRow;
Status UpsertLayer(Database& db, const LayerRow& row);
Status DeleteLayer(Database& db, const std::string& arn);
Result<std::vector<LayerRow>> LoadLayers(Database& db);

Status InsertLogLines(Database& db, const std::vector<LogRow>& rows);
// Lines of a function ("": of every function) at or after `since_ns` with seq > `after_seq`,
// oldest first, at most `limit`: the first such lines, or with `newest` the last ones. Each
// row's seq is returned in `seqs`.
Result<std::vector<LogRow>> QueryLogLines(Database& db, const std::string& function_name,
                                          int64_t since_ns, int64_t after_seq, int limit,
                                          std::vector<int64_t>* seqs, bool newest = false);

}  // namespace offstage::storage
