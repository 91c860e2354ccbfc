// The store: where service state becomes durable. Services keep their working state in
// their own structures (fast paths stay in memory) and write every acknowledged change
// through this interface; on start they read it back. Records live in tables named
// "<service>/<account>/<region>/<kind>" (global resources use region "global").
// See docs/decisions/0002-state.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"

namespace stratus::store {

class Store {
 public:
  virtual ~Store() = default;
  // Whether records survive a restart. When false, Put/Delete are no-ops and services may
  // skip serializing.
  virtual bool persistent() const = 0;
  // Queues a write; returns its sequence number. Writes are applied in call order.
  virtual uint64_t Put(std::string_view table, std::string_view key, std::string_view value) = 0;
  virtual uint64_t Delete(std::string_view table, std::string_view key) = 0;
  // Deletes every record of every table whose name starts with prefix.
  virtual uint64_t DeletePrefix(std::string_view table_prefix) = 0;
  // Calls fn for every record of tables whose name starts with prefix (after all queued
  // writes are applied).
  virtual void Scan(std::string_view table_prefix,
                    const std::function<void(std::string_view table, std::string_view key,
                                             std::string_view value)>& fn) = 0;
  // Calls done (on a store thread, or at once) once every write up to seq is durable.
  virtual void WhenDurable(uint64_t seq, std::function<void()> done) = 0;
  // Highest sequence number handed out so far.
  virtual uint64_t LastSequence() const = 0;
  // Blocks until every queued write is durable; used at shutdown.
  virtual void Flush() = 0;
};

// State only in the services' memory: nothing to write.
std::unique_ptr<Store> OpenMemoryStore();
// SQLite in WAL mode under dir/stratus.db; a writer thread commits queued writes in groups.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& dir);

}  // namespace stratus::store
