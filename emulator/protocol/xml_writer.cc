#include "emulator/protocol/xml_writer.h"

#include <cstdio>

namespace offstage::protocol {

void AppendEscaped(std::string& out, std::string_view text) {
  for (char c : text) {
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
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') {
          // Control characters are not allowed in XML 1.0 even as references; SNS rejects
          // them on input, so they never reach here from stored data. Keep the output valid.
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out.push_back(c);
        }
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
