// The SNS awsQuery codec: form parameters -> typed requests -> SnsService -> XML responses,
// and ApiError -> <ErrorResponse>. Table-driven (one row per action). Stateless apart from the
// service reference; safe on any thread.
#pragma once

#include <string>

#include "emulator/protocol/form.h"
#include "emulator/protocol/http_types.h"
#include "emulator/sns/sns_service.h"

namespace offstage::protocol {

class SnsCodec {
 public:
  explicit SnsCodec(sns::SnsService& service) : service_(service) {}

  HttpResponse Handle(const sns::RequestContext& ctx, const FormParams& params) const;
  static HttpResponse RenderError(const common::ApiError& error, const std::string& request_id);

 private:
  sns::SnsService& service_;
};

}  // namespace offstage::protocol
