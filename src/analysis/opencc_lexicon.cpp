// Reads the entries of an OpenCC dictionary (.ocd2) through OpenCC's own
// C++ API. OpenCC's C API can only convert text; the fast path needs to know
// which keys the t2s dictionaries hold, including phrase keys such as 藉以
// whose characters do not change on their own, and the regional variants
// need every value of the vocabulary tables (宏 → 宏, 巨集).
#include <cstdio>
#include <string>

#include "Lexicon.hpp"
#include "MarisaDict.hpp"

// With `all_values` 0, one (key, default value) per entry; otherwise one
// (key, value) per value of each entry.
extern "C" int zhsearch_opencc_lexicon(const char* path, int all_values, void* ctx,
                                       void (*emit)(void* ctx, const char* key, size_t key_len,
                                                    const char* value, size_t value_len)) {
  FILE* fp = std::fopen(path, "rb");
  if (fp == nullptr) {
    return -1;
  }
  try {
    opencc::MarisaDictPtr dict = opencc::MarisaDict::NewFromFile(fp);
    std::fclose(fp);
    fp = nullptr;
    for (const auto& entry : *dict->GetLexicon()) {
      const std::string key = entry->Key();
      if (all_values == 0) {
        const std::string value = entry->GetDefault();
        emit(ctx, key.data(), key.size(), value.data(), value.size());
      } else {
        for (const auto& value : entry->Values()) {
          emit(ctx, key.data(), key.size(), value.data(), value.size());
        }
      }
    }
    return 0;
  } catch (...) {
    // No C++ exception may cross into Rust.
    if (fp != nullptr) {
      std::fclose(fp);
    }
    return -2;
  }
}
