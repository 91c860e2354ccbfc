#include "store/store.h"

namespace stratus::store {
namespace {

class MemoryStore final : public Store {
 public:
  bool persistent() const override { return false; }
  uint64_t Put(std::string_view, std::string_view, std::string_view) override { return 0; }
  uint64_t Delete(std::string_view, std::string_view) override { return 0; }
  uint64_t DeletePrefix(std::string_view) override { return 0; }
  void Scan(std::string_view, const std::function<void(std::string_view, std::string_view,
                                                       std::string_view)>&) override {}
  void WhenDurable(uint64_t, std::function<void()> done) override { done(); }
  uint64_t LastSequence() const override { return 0; }
  void Flush() override {}
};

}  // namespace

std::unique_ptr<Store> OpenMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace stratus::store
