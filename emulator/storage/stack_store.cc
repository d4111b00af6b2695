// Stacks' SQL (stack_store.h).
#include "emulator/storage/stack_store.h"

namespace offstage::storage {

common::Status UpsertStack(Database& db, const StackRow& row) {
  auto stmt = db.Prepare(
      "INSERT INTO stacks (name, document, updated_ns) VALUES (?1, ?2, ?3) "
      "ON CONFLICT(name) DO UPDATE SET document = ?2, updated_ns = ?3");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, row.name).Bind(2, row.document).Bind(3, row.updated_ns);
  return (*stmt)->Run();
}

common::Status DeleteStack(Database& db, const std::string& name) {
  auto stmt = db.Prepare("DELETE FROM stacks WHERE name = ?1");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, name);
  return (*stmt)->Run();
}

common::Result<std::vector<StackRow>> LoadStacks(Database& db) {
  auto stmt = db.Prepare("SELECT name, document, updated_ns FROM stacks ORDER BY name");
  if (!stmt) return common::Fail(stmt.error());
  return CollectRows(**stmt, [](const Statement& s) {
    return StackRow{s.ColumnText(0), s.ColumnText(1), s.ColumnInt(2)};
  });
}

}  // namespace offstage::storage
