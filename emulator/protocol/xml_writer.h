// XmlWriter: builds the awsQuery XML responses (escaped text, nested elements). A value type
// used by one thread at a time.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace offstage::protocol {

class XmlWriter {
 public:
  void Open(std::string_view name);
  void Close();
  // <name>escaped text</name>
  void Element(std::string_view name, std::string_view text);
  // The document so far; every Open must have been closed.
  const std::string& str() const { return out_; }

 private:
  std::string out_;
  std::vector<std::string> open_;
};

void AppendEscaped(std::string& out, std::string_view text);

}  // namespace offstage::protocol
