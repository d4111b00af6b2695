// SQL for Lambda's event source mappings (lambda/event_source_mappings.h): one row per mapping
// holding it as a JSON document (lambda/ owns its shape). Thread model: the writer's (or a
// Query's) thread only.
#pragma once

#include <string>
#include <vector>

#include "emulator/common/result.h"
#include "emulator/storage/database.h"

namespace offstage::storage {

struct MappingRow {
  std::string uuid;
  std::string document;
};

common::Status UpsertMapping(Database& db, const MappingRow& row);
common::Status DeleteMapping(Database& db, const std::string& uuid);
common::Result<std::vector<MappingRow>> LoadMappings(Database& db);

}  // namespace offstage::storage
