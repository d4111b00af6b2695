// SnsService's core: construction, loading the state at start (the TopicStore's topics and
// subscriptions, the MessageLog's window, and the fan-outs still owed), and the helpers the API
// files share. The topic API is in topics.cc, the subscription API in subscriptions.cc, Publish
// in publish.cc. Thread model: any HTTP worker thread (see sns_service.h); Load runs once,
// before serving.
#include "emulator/sns/sns_service.h"

#include "emulator/common/arn.h"
#include "emulator/sns/attributes.h"
#include "emulator/sns/planner.h"
#include "emulator/sns/validation.h"

namespace offstage::sns {
namespace {

using common::Fail;
using common::InvalidParameter;

}  // namespace

SnsService::SnsService(SnsPeers peers, storage::Writer& writer, telemetry::Recorder& recorder,
                       const common::Clock& clock, common::IdGenerator& ids, common::Logger& log)
    : fanouts_(peers.fanouts),
      delivery_(std::move(peers.delivery)),
      recorder_(recorder),
      clock_(clock),
      ids_(ids),
      log_(log),
      store_(writer, log),
      messages_(writer, clock, ids),
      confirmations_(peers.http, peers.signer, delivery_, writer, clock, ids, log) {}

Status SnsService::Load() {
  if (auto status = store_.Load(); !status) return status;
  if (auto status = messages_.Load(); !status) return status;
  auto owed = messages_.Owed();
  if (!owed) return Fail(owed.error());
  // Fan-outs owed when the daemon stopped: to the subscriptions there are now (at least once:
  // a delivery started before the stop but not yet committed runs again).
  std::vector<std::string> nobody;  // their topic was deleted since: nothing is owed
  size_t queued = 0;                // run once the Fanout starts
  for (auto& row : *owed) {
    FanoutJob job;
    std::string signature_version;
    const bool found = store_.Read([&](const TopicState& state) {
      const Topic* topic = state.topic(row.topic_arn);
      if (!topic) return false;
      job.ctx.region = topic->region;
      job.ctx.account = topic->account;
      job.targets = TargetsOf(state, topic->arn);
      signature_version = topic->signature_version();
      return true;
    });
    if (!found) {
      nobody.push_back(row.message_id);
      continue;
    }
    job.ctx.request_id = row.source_request_id;
    job.ctx.trace_id = row.trace_id;
    job.ctx.received_ns = row.received_ns;
    job.owed = *row.fanout;
    if (job.owed != "*") KeepOnly(job.targets, job.owed);
    Prepared message{row.topic_arn,
                     row.body,
                     row.subject,
                     row.structure,
                     MessageAttributesFromJson(row.attributes_json),
                     row.group_id,
                     row.dedup_id};
    const PublishOutput out{row.message_id, row.sequence_number};
    job.views.push_back(ViewOf(job.ctx, message, out, signature_version));
    fanouts_.Add(0, std::move(job));
    ++queued;
  }
  if (queued > 0) {
    log_.Info("offstage: finishing the fan-out of " + std::to_string(queued) +
              " message(s) accepted before the last stop");
  }
  if (!nobody.empty()) messages_.FinishFanout(std::move(nobody));
  return {};
}

Status SnsService::ChangeTopic(const std::string& arn, std::unexpected<common::ApiError> not_found,
                               const std::function<Result<bool>(Topic&)>& change) {
  return store_.UpdateTopic(arn,
                            [&](const TopicState&, std::optional<Topic>& topic) -> Result<bool> {
                              if (!topic) return not_found;
                              return change(*topic);
                            });
}

Status SnsService::CheckTopicArn(const RequestContext& ctx, std::string_view param,
                                 const std::string& arn) const {
  if (auto status = CheckArnShape(param, arn); !status) return status;
  auto parsed = common::ParseArn(arn);
  if (parsed->region != ctx.region) {
    return Fail(InvalidParameter("Invalid parameter: " + std::string(param)));
  }
  return {};
}

SnsService::Counts SnsService::counts() const {
  Counts counts = store_.Read([](const TopicState& state) {
    return Counts{state.topics.size(), state.subscriptions.size(), 0};
  });
  counts.messages = messages_.count();
  return counts;
}

}  // namespace offstage::sns
