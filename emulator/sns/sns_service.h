// SnsService: SNS behaviour (topics, subscriptions, tags, publish) over typed requests.
// Owned by app::Daemon. Thread model: called from any HTTP worker thread; one mutex guards the
// in-memory state (topics, subscriptions, FIFO windows). Every change is handed to the
// storage::Writer while the mutex is held (Submit only enqueues: a leaf call with no I/O), so
// the database sees changes in the same order as memory; the caller then waits for the commit
// with the mutex released, and answers only once the change is durable (DESIGN 3).
// Publish commits its messages and hands their fan-out to the FanoutQueue, which the Fanout
// (fanout.h, the dispatcher) drains. Implemented in sns_service.cc (construction, Load, the
// commit-then-swap helpers), topics.cc, subscriptions.cc and publish.cc.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "emulator/common/clock.h"
#include "emulator/common/delayed_queue.h"
#include "emulator/common/ids.h"
#include "emulator/common/log.h"
#include "emulator/common/mutex.h"
#include "emulator/common/result.h"
#include "emulator/sns/delivery_policy.h"
#include "emulator/sns/envelope.h"
#include "emulator/sns/fanout.h"
#include "emulator/sns/filter_policy.h"
#include "emulator/sns/http_deliverer.h"
#include "emulator/sns/signer.h"
#include "emulator/sns/types.h"
#include "emulator/storage/delivery_store.h"
#include "emulator/storage/sns_store.h"
#include "emulator/storage/writer.h"
#include "emulator/telemetry/recorder.h"

namespace offstage::sns {

using common::Result;
using common::Status;
using AttributeMap = std::map<std::string, std::string>;

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
  struct Topic {
    std::string arn;
    std::string name;
    std::string region;
    std::string account;
    AttributeMap attributes;  // stored, settable attributes only
    std::vector<Tag> tags;
    int64_t next_sequence = 0;
    int64_t created_ns = 0;
    bool fifo() const;
    std::string signature_version() const;  // its SignatureVersion attribute, "1" by default
  };
  struct Subscription {
    std::string arn;
    std::string topic_arn;
    std::string protocol;
    std::string endpoint;
    std::string owner;
    bool confirmed = false;
    std::string token;
    AttributeMap attributes;
    int64_t created_ns = 0;
    std::shared_ptr<const FilterPolicy> filter;  // parsed FilterPolicy, if any
    // Worked out by Replan from its and its topic's policies whenever either changes.
    std::shared_ptr<const HttpDeliveryPlan> http_plan;  // http(s) only
    std::optional<std::string> dead_letter_target;      // RedrivePolicy's deadLetterTargetArn
  };
  struct DedupEntry {
    std::string message_id;
    std::optional<std::string> sequence_number;
    int64_t expires_ns = 0;
    // True once the original's commit succeeded, false if it failed (the entry is then gone):
    // a duplicate is answered only after its original is durable.
    std::shared_future<bool> committed;
  };
  // What a request's admission took, so that a failed commit can give it back.
  struct Admission {
    std::string topic_arn;
    std::vector<std::pair<std::string, std::string>> keys;  // (dedup key, message id)
    int64_t sequence_before = 0;                            // topic's next_sequence before
    int64_t sequence_after = 0;                             // ... and after
    std::vector<std::shared_future<bool>> originals;        // duplicates of pending messages
    int64_t fresh = 0;                                      // messages to store
  };
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
  static constexpr int64_t kDedupWindowNs = storage::kFifoDedupWindowNs;  // FIFO: 5 minutes

  using Commit = std::future<Result<int64_t>>;

  std::vector<Target> TargetsOf(const Topic& topic) const REQUIRES(mu_);
  // Works out the subscription's delivery plan and dead-letter target from its attributes and
  // its topic's DeliveryPolicy (as they are in memory now).
  void Replan(Subscription& sub) const REQUIRES(mu_);
  // Keeps only `subscription_arn`, with no filter policy (a replay to one subscription).
  static void KeepOnly(std::vector<Target>& targets, const std::string& subscription_arn);
  // Commits the messages (awaited: they are durable when Publish answers), with the job's
  // trace id and, when it has targets, its `owed` mark; records their publish spans, then
  // queues their fan-out. `topic_name` names the publish spans.
  Status CommitMessages(const std::string& topic_name, std::vector<storage::MessageRow> rows,
                        std::optional<std::pair<std::string, int64_t>> sequence, FanoutJob job);
  // Parses a subscription's FilterPolicy under its FilterPolicyScope; `reason_prefix` as in
  // NormalizeSubscriptionAttribute.
  static Result<std::shared_ptr<const FilterPolicy>> ParseFilter(const AttributeMap& attributes,
                                                                 std::string_view reason_prefix);
  void SendConfirmation(const Subscription& sub, std::string_view type);
  Status CheckTopicArn(const RequestContext& ctx, std::string_view param,
                       const std::string& arn) const;
  Result<PublishOutput> PublishImpl(const RequestContext& ctx, const PublishInput& in,
                                    const std::string* only_subscription);
  // Everything that needs no state: ARN shape, message, subject, attributes, structure.
  Result<Prepared> Validate(const RequestContext& ctx, const PublishInput& in,
                            std::string_view param, const std::string& target) const;
  // FIFO rules that depend on the topic (checked for a whole batch before any is admitted).
  Status CheckFifoRules(const Topic& topic, const Prepared& message) const;
  // Assigns the message id and FIFO sequence number, and applies deduplication. Returns false
  // for a duplicate within the window; `out` then holds the original message's id, and the
  // original's commit is added to `admission.originals`. A fresh FIFO message's dedup entry
  // resolves through `committed`.
  bool Admit(Topic& topic, Prepared& message, PublishOutput& out, Admission& admission,
             const std::shared_future<bool>& committed) REQUIRES(mu_);
  // After the commit of an admission failed: forgets its dedup entries and, when nothing was
  // admitted on the topic since, its sequence numbers; a retry is then admitted afresh.
  void Forget(const Admission& admission) EXCLUDES(mu_);
  // Waits for the originals of the duplicates an admission answered: fails if one of them
  // was never stored (its commit failed), so a duplicate is never answered as stored in vain.
  static Status AwaitOriginals(const Admission& admission);
  // ctx with a trace id (a new trace when the caller is not part of one).
  RequestContext Traced(const RequestContext& ctx);
  static MessageView ViewOf(const RequestContext& ctx, const Prepared& message,
                            const PublishOutput& out, const std::string& signature_version);
  storage::MessageRow ToRow(const RequestContext& ctx, Prepared&& message,
                            const PublishOutput& out) const;
  Commit PersistTopic(const Topic& topic) REQUIRES(mu_);
  Commit PersistSubscription(const Subscription& sub) REQUIRES(mu_);
  Status Await(Commit commit);
  // Under update_mu_: `change` edits a copy of the topic (false: nothing to change), the copy is
  // committed, and only then replaces the topic (keeping the next_sequence Publish advanced
  // meanwhile). A failed commit leaves memory as it was.
  Status UpdateTopic(const std::string& arn, std::unexpected<common::ApiError> not_found,
                     const std::function<Result<bool>(Topic&)>& change) EXCLUDES(mu_);
  // The same for a subscription.
  Status UpdateSubscription(const std::string& arn,
                            const std::function<Result<bool>(Subscription&)>& change) EXCLUDES(mu_);
  void PruneDedup(int64_t now_ns) REQUIRES(mu_);
  AttributeMap TopicAttributes(const Topic& topic) const REQUIRES(mu_);
  SubscriptionSummary Summarize(const Subscription& sub) const;
  Result<Page<SubscriptionSummary>> ListSubscriptionsFrom(
      const std::string& prefix, const std::optional<std::string>& next_token,
      const RequestContext& ctx, bool by_topic);

  FanoutQueue& fanouts_;
  HttpDeliverer& http_;
  Signer& signer_;
  const DeliveryOptions delivery_;
  storage::Writer& writer_;
  telemetry::Recorder& recorder_;
  const common::Clock& clock_;
  common::IdGenerator& ids_;
  common::Logger& log_;

  // Orders the changes to topics and subscriptions and is held across their commit, so that
  // memory changes only once the change is durable (taken before mu_; Publish never takes it).
  common::Mutex update_mu_;
  mutable common::Mutex mu_;
  std::map<std::string, Topic> topics_ GUARDED_BY(mu_);  // by ARN
  // By ARN; an ARN is "<topic ARN>:<uuid>", so a topic's subscriptions are contiguous.
  std::map<std::string, Subscription> subscriptions_ GUARDED_BY(mu_);
  std::map<std::string, std::string> tokens_ GUARDED_BY(mu_);  // token -> subscription ARN
  std::map<std::pair<std::string, std::string>, DedupEntry> dedup_ GUARDED_BY(mu_);
  std::deque<std::pair<int64_t, std::pair<std::string, std::string>>> dedup_expiry_ GUARDED_BY(mu_);
  int64_t messages_ GUARDED_BY(mu_) = 0;
};

}  // namespace offstage::sns
