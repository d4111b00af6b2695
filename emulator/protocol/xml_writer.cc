#include "emulator/protocol/xml_writer.h"

#include "emulator/common/strings.h"

namespace offstage::protocol {

void AppendEscaped(std::string& out, std::string_view text) {
  // XML 1.0 allows only valid Unicode, and no control characters but tab, LF and CR. Error
  // messages may quote a client's bytes back, so anything else becomes U+FFFD rather than
  // making the document unparseable.
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&apos;";
          break;
        case '\r':
          out += "&#xD;";
          break;
        default:
          if (c < 0x20 && c != '\n' && c != '\t') {
            out += kReplacement;
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    const size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (length > 1 && i + length <= text.size() && common::IsValidUtf8(text.substr(i, length))) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += kReplacement;
      ++i;
    }
  }
}

void XmlWriter::Open(std::string_view name) {
  out_.push_back('<');
  out_.append(name);
  out_.push_back('>');
  open_.emplace_back(name);
}

void XmlWriter::Close() {
  out_ += "</";
  out_ += open_.back();
  out_.push_back('>');
  open_.pop_back();
}

void XmlWriter::Element(std::string_view name, std::string_view text) {
  out_.push_back('<');
  out_.append(name);
  out_.push_back('>');
  AppendEscaped(out_, text);
  out_ += "</";
  out_.append(name);
  out_.push_back('>');
}

}  // namespace offstage::protocol
