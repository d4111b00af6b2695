// Event source mappings' SQL (mapping_store.h).
#include "emulator/storage/mapping_store.h"

namespace offstage::storage {

common::Status UpsertMapping(Database& db, const MappingRow& row) {
  auto stmt = db.Prepare(
      "INSERT INTO event_source_mappings (uuid, document) VALUES (?1, ?2) "
      "ON CONFLICT(uuid) DO UPDATE SET document = ?2");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, row.uuid).Bind(2, row.document);
  return (*stmt)->Run();
}

common::Status DeleteMapping(Database& db, const std::string& uuid) {
  auto stmt = db.Prepare("DELETE FROM event_source_mappings WHERE uuid = ?1");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, uuid);
  return (*stmt)->Run();
}

common::Result<std::vector<MappingRow>> LoadMappings(Database& db) {
  auto stmt = db.Prepare("SELECT uuid, document FROM event_source_mappings ORDER BY uuid");
  if (!stmt) return common::Fail(stmt.error());
  return CollectRows(**stmt, [](const Statement& s) {
    return MappingRow{s.ColumnText(0), s.ColumnText(1)};
  });
}

}  // namespace offstage::storage
