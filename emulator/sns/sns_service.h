// SnsService: SNS's provider — the API's semantics (topics, subscriptions, tags, permissions,
// Publish) over typed requests. It holds no state and no storage of its own: the topics and
// subscriptions are the TopicStore's (changed only through its Update*, which commits before
// memory changes: DESIGN 3), the accepted messages the MessageLog's (admission, FIFO numbers,
// deduplication, their commit), and what the pure planner (planner.h) works out from them goes
// to the dispatchers: the FanoutQueue, which the Fanout (fanout.h) drains, and the
// Confirmations it sends http(s) subscribers. Owned by app::Daemon. Thread model: any HTTP
// worker thread; the locks are the store's and the log's. Implemented in sns_service.cc
// (construction, Load), topics.cc, subscriptions.cc and publish.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "emulator/common/clock.h"
#include "emulator/common/ids.h"
#include "emulator/common/log.h"
#include "emulator/common/result.h"
#include "emulator/sns/confirmations.h"
#include "emulator/sns/envelope.h"
#include "emulator/sns/fanout.h"
#include "emulator/sns/http_deliverer.h"
#include "emulator/sns/message_log.h"
#include "emulator/sns/signer.h"
#include "emulator/sns/topic_store.h"
#include "emulator/sns/types.h"
#include "emulator/storage/sns_store.h"
#include "emulator/storage/writer.h"
#include "emulator/telemetry/recorder.h"

namespace offstage::sns {

// What SnsService hands work to: the fan-out of committed messages, and the subscription
// confirmations it sends itself (HTTP, signed).
struct SnsPeers {
  FanoutQueue& fanouts;
  HttpDeliverer& http;
  Signer& signer;
  DeliveryOptions delivery;
};

class SnsService {
 public:
  SnsService(SnsPeers peers, storage::Writer& writer, telemetry::Recorder& recorder,
             const common::Clock& clock, common::IdGenerator& ids, common::Logger& log);

  // Loads topics, subscriptions and the FIFO deduplication window from the database, and
  // queues the fan-outs owed since the last stop (to the subscriptions there are now). Call
  // once, before serving.
  Status Load();

  Result<std::string> CreateTopic(const RequestContext& ctx, const CreateTopicInput& in);
  Status DeleteTopic(const RequestContext& ctx, const std::string& topic_arn);
  Result<Page<std::string>> ListTopics(const RequestContext& ctx,
                                       const std::optional<std::string>& next_token);
  Result<AttributeMap> GetTopicAttributes(const RequestContext& ctx, const std::string& topic_arn);
  Status SetTopicAttributes(const RequestContext& ctx, const std::string& topic_arn,
                            const std::string& name, const std::string& value);

  // Returns the subscription ARN, or "pending confirmation" (AWS's literal) for a pending one.
  Result<std::string> Subscribe(const RequestContext& ctx, const SubscribeInput& in);
  Result<std::string> ConfirmSubscription(const RequestContext& ctx, const std::string& topic_arn,
                                          const std::string& token);
  Status Unsubscribe(const RequestContext& ctx, const std::string& subscription_arn);
  Result<Page<SubscriptionSummary>> ListSubscriptions(const RequestContext& ctx,
                                                      const std::optional<std::string>& next_token);
  Result<Page<SubscriptionSummary>> ListSubscriptionsByTopic(
      const RequestContext& ctx, const std::string& topic_arn,
      const std::optional<std::string>& next_token);
  Result<AttributeMap> GetSubscriptionAttributes(const RequestContext& ctx,
                                                 const std::string& subscription_arn);
  Status SetSubscriptionAttributes(const RequestContext& ctx, const std::string& subscription_arn,
                                   const std::string& name, const std::string& value);

  Result<PublishOutput> Publish(const RequestContext& ctx, const PublishInput& in);
  // offstage replay: publishes a recorded message again (new MessageId, same body, subject and
  // attributes), to its topic or to one of its subscriptions only. Recorded as a "replay" span
  // that names the original message.
  Result<PublishOutput> Republish(const RequestContext& ctx, const std::string& message_id,
                                  const std::optional<std::string>& subscription_arn, bool dry_run);
  Result<PublishBatchOutput> PublishBatch(const RequestContext& ctx, const std::string& topic_arn,
                                          const std::vector<PublishBatchEntry>& entries);

  Status TagResource(const RequestContext& ctx, const std::string& arn,
                     const std::vector<Tag>& tags);
  Status UntagResource(const RequestContext& ctx, const std::string& arn,
                       const std::vector<std::string>& keys);
  Result<std::vector<Tag>> ListTagsForResource(const RequestContext& ctx, const std::string& arn);

  Status AddPermission(const RequestContext& ctx, const AddPermissionInput& in);
  Status RemovePermission(const RequestContext& ctx, const std::string& topic_arn,
                          const std::string& label);
  Result<std::string> GetDataProtectionPolicy(const RequestContext& ctx, const std::string& arn);
  Status PutDataProtectionPolicy(const RequestContext& ctx, const std::string& arn,
                                 const std::string& policy);

  struct Counts {
    size_t topics = 0;
    size_t subscriptions = 0;
    int64_t messages = 0;
  };
  Counts counts() const;

 private:
  // A validated message ready to be stored.
  struct Prepared {
    std::string target;  // topic ARN, or "sms:<number>" for a PhoneNumber publish
    std::string body;
    std::optional<std::string> subject;
    std::optional<std::string> structure;
    MessageAttributes attributes;
    std::optional<std::string> group_id;
    std::optional<std::string> dedup_id;
  };
  // What Publish needs of its topic, copied out under the store's lock.
  struct PublishPlan {
    std::vector<Target> targets;
    std::string signature_version = "1";
  };

  // Records the committed messages' publish spans, then queues their fan-out. `topic_name`
  // names the spans; `committed_ns` is when they became durable.
  void Dispatch(const std::string& topic_name, const std::vector<storage::MessageRow>& rows,
                int64_t committed_ns, FanoutJob job);
  // Commits the admitted messages (awaited: they are durable when Publish answers), with the
  // job's trace id and, when it has targets, its `owed` mark, then dispatches them; a failed
  // commit gives the admission back before `committed` tells the duplicates waiting on it.
  Status Commit(const std::string& topic_name, std::vector<storage::MessageRow> rows,
                const MessageLog::Admission& admission, std::promise<bool>& committed,
                FanoutJob job);
  Status CheckTopicArn(const RequestContext& ctx, std::string_view param,
                       const std::string& arn) const;
  Result<PublishOutput> PublishImpl(const RequestContext& ctx, const PublishInput& in,
                                    const std::string* only_subscription);
  // Everything that needs no state: ARN shape, message, subject, attributes, structure.
  Result<Prepared> Validate(const RequestContext& ctx, const PublishInput& in,
                            std::string_view param, const std::string& target) const;
  // FIFO rules that depend on the topic (checked for a whole batch before any is admitted);
  // gives a content-deduplicated message its deduplication id.
  static Status CheckFifoRules(const Topic& topic, Prepared& message);
  // ctx with a trace id (a new trace when the caller is not part of one).
  RequestContext Traced(const RequestContext& ctx);
  static MessageView ViewOf(const RequestContext& ctx, const Prepared& message,
                            const PublishOutput& out, const std::string& signature_version);
  static storage::MessageRow ToRow(const RequestContext& ctx, Prepared&& message,
                                   const PublishOutput& out);
  // The topic change API: `change` edits the topic `arn`, which must exist (else `not_found`).
  Status ChangeTopic(const std::string& arn, std::unexpected<common::ApiError> not_found,
                     const std::function<Result<bool>(Topic&)>& change);
  static AttributeMap TopicAttributes(const TopicState& state, const Topic& topic);
  static SubscriptionSummary Summarize(const Subscription& sub);
  Result<Page<SubscriptionSummary>> ListSubscriptionsFrom(
      const std::string& prefix, const std::optional<std::string>& next_token,
      const RequestContext& ctx, bool by_topic);

  FanoutQueue& fanouts_;
  const DeliveryOptions delivery_;
  telemetry::Recorder& recorder_;
  const common::Clock& clock_;
  common::IdGenerator& ids_;
  common::Logger& log_;
  TopicStore store_;
  MessageLog messages_;
  Confirmations confirmations_;
};

}  // namespace offstage::sns
