// SNS control plane through the real AWS SDK for JavaScript v3 (@aws-sdk/client-sns), against one
// offstage daemon. The client gets its endpoint only from AWS_ENDPOINT_URL (harness useEndpoint).
//
// Expected values are AWS's real behaviour. Error messages are asserted verbatim only where the
// research table (/work/scratch/sns-errors.md) marks the text as a real-AWS snapshot (S) or a
// real-AWS report (X); elsewhere only err.name and the HTTP status are checked.
// SDK names: the JS SDK maps the wire <Code> through the SNS model's awsQueryError traits, so
// InvalidParameter -> InvalidParameterException, ParameterValueInvalid ->
// InvalidParameterValueException, NotFound -> NotFoundException, ResourceNotFound ->
// ResourceNotFoundException, TooManyEntriesInBatchRequest -> TooManyEntriesInBatchRequestException,
// BatchEntryIdsNotDistinct -> BatchEntryIdsNotDistinctException, BatchRequestTooLong ->
// BatchRequestTooLongException. Codes outside the model (AWS's query front-end "ValidationError")
// keep the wire code as err.name: 'ValidationError' (not the modelled 'ValidationException').
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  SNSClient,
  CreateTopicCommand,
  DeleteTopicCommand,
  ListTopicsCommand,
  GetTopicAttributesCommand,
  SetTopicAttributesCommand,
  SubscribeCommand,
  ConfirmSubscriptionCommand,
  UnsubscribeCommand,
  ListSubscriptionsCommand,
  ListSubscriptionsByTopicCommand,
  GetSubscriptionAttributesCommand,
  SetSubscriptionAttributesCommand,
  PublishCommand,
  PublishBatchCommand,
  TagResourceCommand,
  UntagResourceCommand,
  ListTagsForResourceCommand,
  AddPermissionCommand,
  RemovePermissionCommand,
  GetDataProtectionPolicyCommand,
  PutDataProtectionPolicyCommand,
  paginateListTopics,
  paginateListSubscriptions,
  paginateListSubscriptionsByTopic,
} from '@aws-sdk/client-sns';
import { startDaemon, useEndpoint } from './harness.mjs';

const REGION = 'us-east-1';
let daemon;
let sns;
let account;
const lastHeaders = { requestId: undefined };

// Unique names per test so tests do not see each other's topics.
let counter = 0;
const unique = (prefix) => `${prefix}-${process.pid}-${++counter}`;

const lambdaArn = (name) => `arn:aws:lambda:${REGION}:${account}:function:${name}`;
const topicArnFor = (name, region = REGION) => `arn:aws:sns:${region}:${account}:${name}`;

async function createTopic(name, extra = {}) {
  const out = await sns.send(new CreateTopicCommand({ Name: name, ...extra }));
  return out.TopicArn;
}

async function topicAttributes(arn) {
  return (await sns.send(new GetTopicAttributesCommand({ TopicArn: arn }))).Attributes;
}

// Asserts that `promise` rejects with an SDK error of this name and HTTP status (and message,
// when given: a string for exact text, a RegExp otherwise).
async function expectError(promise, { name, status, message }) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.name, name, `err.name (message was: ${err.message})`);
    assert.equal(err.$metadata?.httpStatusCode, status, 'HTTP status');
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message instanceof RegExp) assert.match(err.message, message);
    assert.equal(err.$fault, 'client');
    assert.equal(typeof err.$metadata.requestId, 'string');
    return true;
  });
}

before(async () => {
  daemon = await startDaemon(['--ephemeral', '--quiet']);
  useEndpoint(daemon.endpoint, REGION);
  sns = new SNSClient({}); // no endpoint: it must come from AWS_ENDPOINT_URL
  sns.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      lastHeaders.requestId = result.response?.headers?.['x-amzn-requestid'];
      return result;
    },
    { step: 'deserialize', name: 'captureRequestIdHeader' },
  );
  const probe = await sns.send(new CreateTopicCommand({ Name: unique('probe') }));
  account = probe.TopicArn.split(':')[4];
});

after(async () => {
  sns?.destroy();
  if (daemon) {
    const code = await daemon.stop();
    assert.equal(code, 0, 'offstage should exit cleanly on SIGTERM:\n' + daemon.output.join(''));
  }
});

describe('client configuration', () => {
  it('reaches the daemon only through AWS_ENDPOINT_URL and gets a request id', async () => {
    assert.equal(process.env.AWS_ENDPOINT_URL, daemon.endpoint);
    const endpoint = await sns.config.endpoint?.();
    assert.ok(!endpoint || `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}` === daemon.endpoint.replace(/\/$/, ''));
    const out = await sns.send(new ListTopicsCommand({}));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(typeof out.$metadata.requestId, 'string');
    assert.ok(out.$metadata.requestId.length > 0);
    assert.equal(out.$metadata.requestId, lastHeaders.requestId, 'requestId comes from x-amzn-RequestId');
  });

  it('gives different request ids to different requests', async () => {
    const a = await sns.send(new ListTopicsCommand({}));
    const b = await sns.send(new ListTopicsCommand({}));
    assert.notEqual(a.$metadata.requestId, b.$metadata.requestId);
  });
});

describe('CreateTopic', () => {
  it('creates a standard topic with attributes and tags', async () => {
    const name = unique('orders');
    const out = await sns.send(
      new CreateTopicCommand({
        Name: name,
        Attributes: { DisplayName: 'Orders' },
        Tags: [
          { Key: 'env', Value: 'dev' },
          { Key: 'team', Value: 'core' },
        ],
      }),
    );
    assert.match(out.TopicArn, new RegExp(`^arn:aws:sns:${REGION}:\\d{12}:${name}$`));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.ok(out.$metadata.requestId);
    const attrs = await topicAttributes(out.TopicArn);
    assert.equal(attrs.DisplayName, 'Orders');
    assert.equal(attrs.TopicArn, out.TopicArn);
    assert.equal(attrs.FifoTopic, undefined, 'AWS stores no FifoTopic on standard topics');
    assert.equal(attrs.ContentBasedDeduplication, undefined);
    const tags = await sns.send(new ListTagsForResourceCommand({ ResourceArn: out.TopicArn }));
    const sorted = [...tags.Tags].sort((a, b) => a.Key.localeCompare(b.Key));
    assert.deepEqual(sorted, [
      { Key: 'env', Value: 'dev' },
      { Key: 'team', Value: 'core' },
    ]);
  });

  it('creates a FIFO topic', async () => {
    const name = unique('jobs') + '.fifo';
    const arn = await createTopic(name, { Attributes: { FifoTopic: 'true' } });
    assert.ok(arn.endsWith(':' + name));
    const attrs = await topicAttributes(arn);
    assert.equal(attrs.FifoTopic, 'true');
    assert.equal(attrs.ContentBasedDeduplication, 'false');
  });

  it('creates a FIFO topic with content-based deduplication', async () => {
    const arn = await createTopic(unique('cbd') + '.fifo', {
      Attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'true' },
    });
    const attrs = await topicAttributes(arn);
    assert.equal(attrs.FifoTopic, 'true');
    assert.equal(attrs.ContentBasedDeduplication, 'true');
  });

  it('is idempotent for the same name, attributes and tags', async () => {
    const name = unique('idem');
    const request = { Attributes: { DisplayName: 'x' }, Tags: [{ Key: 'k', Value: 'v' }] };
    const first = await createTopic(name, request);
    assert.equal(await createTopic(name, request), first);
    assert.equal(await createTopic(name), first, 'no attributes or tags: same topic');
  });

  it('rejects a second CreateTopic with different tags', async () => {
    const name = unique('dup-tags');
    await createTopic(name, { Tags: [{ Key: 'k', Value: 'v' }] });
    await expectError(
      sns.send(new CreateTopicCommand({ Name: name, Tags: [{ Key: 'k', Value: 'v' }, { Key: 'k2', Value: 'v2' }] })),
      {
        name: 'InvalidParameterException',
        status: 400,
        message: 'Invalid parameter: Tags Reason: Topic already exists with different tags',
      },
    );
  });

  it('rejects a second CreateTopic with conflicting attributes', async () => {
    const name = unique('dup-attrs');
    await createTopic(name, { Attributes: { DisplayName: 'one' } });
    await expectError(
      sns.send(new CreateTopicCommand({ Name: name, Attributes: { DisplayName: 'two' } })),
      {
        name: 'InvalidParameterException',
        status: 400,
        message: 'Invalid parameter: Attributes Reason: Topic already exists with different attributes',
      },
    );
  });

  it('rejects an invalid topic name', async () => {
    await expectError(sns.send(new CreateTopicCommand({ Name: 'bad name!' })), {
      name: 'InvalidParameterException',
      status: 400,
      message: 'Invalid parameter: Topic Name',
    });
    await expectError(sns.send(new CreateTopicCommand({ Name: 'x'.repeat(257) })), {
      name: 'InvalidParameterException',
      status: 400,
      message: 'Invalid parameter: Topic Name',
    });
  });

  it('rejects FifoTopic=true on a name without .fifo', async () => {
    // The exact text differs between sources (research table §1), so only the code is checked.
    await expectError(
      sns.send(new CreateTopicCommand({ Name: unique('nofifo'), Attributes: { FifoTopic: 'true' } })),
      { name: 'InvalidParameterException', status: 400 },
    );
  });
});

describe('DeleteTopic', () => {
  it('deletes a topic and is idempotent', async () => {
    const arn = await createTopic(unique('del'));
    const out = await sns.send(new DeleteTopicCommand({ TopicArn: arn }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.ok(out.$metadata.requestId);
    await expectError(sns.send(new GetTopicAttributesCommand({ TopicArn: arn })), {
      name: 'NotFoundException',
      status: 404,
      message: 'Topic does not exist',
    });
    // Deleting a topic that does not exist is not an error.
    await sns.send(new DeleteTopicCommand({ TopicArn: arn }));
  });

  it('removes the topic from ListTopics and its subscriptions', async () => {
    const arn = await createTopic(unique('del-subs'));
    const sub = await sns.send(
      new SubscribeCommand({ TopicArn: arn, Protocol: 'lambda', Endpoint: lambdaArn(unique('fn')) }),
    );
    await sns.send(new DeleteTopicCommand({ TopicArn: arn }));
    const topics = [];
    for await (const page of paginateListTopics({ client: sns }, {})) topics.push(...page.Topics.map((t) => t.TopicArn));
    assert.ok(!topics.includes(arn));
    await expectError(sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: sub.SubscriptionArn })), {
      name: 'NotFoundException',
      status: 404,
      message: 'Subscription does not exist',
    });
  });
});

describe('ListTopics', () => {
  it('pages through 150+ topics with paginateListTopics', async () => {
    const prefix = unique('many');
    const names = Array.from({ length: 155 }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
    const created = new Set();
    for (let i = 0; i < names.length; i += 25) {
      const arns = await Promise.all(names.slice(i, i + 25).map((n) => createTopic(n)));
      arns.forEach((a) => created.add(a));
    }
    assert.equal(created.size, 155);

    const pages = [];
    for await (const page of paginateListTopics({ client: sns }, {})) pages.push(page);
    assert.ok(pages.length >= 2, `expected several pages, got ${pages.length}`);
    for (const page of pages.slice(0, -1)) {
      assert.equal(page.Topics.length, 100, 'full pages hold 100 topics');
      assert.ok(page.NextToken);
    }
    assert.ok(!pages.at(-1).NextToken, 'the last page has no NextToken');
    const all = pages.flatMap((p) => p.Topics.map((t) => t.TopicArn));
    assert.equal(new Set(all).size, all.length, 'no topic is listed twice');
    for (const arn of created) assert.ok(all.includes(arn), `${arn} listed`);
  });

  it('rejects a garbage NextToken', async () => {
    await expectError(sns.send(new ListTopicsCommand({ NextToken: '!!!not-a-token!!!' })), {
      name: 'InvalidParameterException',
      status: 400,
    });
  });
});

describe('GetTopicAttributes / SetTopicAttributes', () => {
  it('returns the computed default attributes of a fresh topic', async () => {
    const arn = await createTopic(unique('attrs'));
    const attrs = await topicAttributes(arn);
    assert.equal(attrs.TopicArn, arn);
    assert.equal(attrs.Owner, account);
    assert.equal(attrs.DisplayName, '');
    assert.equal(attrs.SubscriptionsConfirmed, '0');
    assert.equal(attrs.SubscriptionsPending, '0');
    assert.equal(attrs.SubscriptionsDeleted, '0');
    assert.equal(attrs.DeliveryPolicy, undefined);
    assert.deepEqual(JSON.parse(attrs.Policy), {
      Version: '2008-10-17',
      Id: '__default_policy_ID',
      Statement: [
        {
          Sid: '__default_statement_ID',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: [
            'SNS:GetTopicAttributes',
            'SNS:SetTopicAttributes',
            'SNS:AddPermission',
            'SNS:RemovePermission',
            'SNS:DeleteTopic',
            'SNS:Subscribe',
            'SNS:ListSubscriptionsByTopic',
            'SNS:Publish',
          ],
          Resource: arn,
          Condition: { StringEquals: { 'AWS:SourceOwner': account } },
        },
      ],
    });
    assert.deepEqual(JSON.parse(attrs.EffectiveDeliveryPolicy), {
      http: {
        defaultHealthyRetryPolicy: {
          minDelayTarget: 20,
          maxDelayTarget: 20,
          numRetries: 3,
          numMaxDelayRetries: 0,
          numNoDelayRetries: 0,
          numMinDelayRetries: 0,
          backoffFunction: 'linear',
        },
        disableSubscriptionOverrides: false,
        defaultRequestPolicy: { headerContentType: 'text/plain; charset=UTF-8' },
      },
    });
  });

  it('counts confirmed and pending subscriptions', async () => {
    const arn = await createTopic(unique('counts'));
    await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'lambda', Endpoint: lambdaArn(unique('f')) }));
    await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'lambda', Endpoint: lambdaArn(unique('f')) }));
    await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'http', Endpoint: 'http://127.0.0.1:9/hook' }));
    const attrs = await topicAttributes(arn);
    assert.equal(attrs.SubscriptionsConfirmed, '2');
    assert.equal(attrs.SubscriptionsPending, '1');
  });

  it('sets DisplayName, Policy and DeliveryPolicy; an empty DeliveryPolicy removes it', async () => {
    const arn = await createTopic(unique('set'));
    const out = await sns.send(new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'DisplayName', AttributeValue: 'Shown' }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.ok(out.$metadata.requestId);
    assert.equal((await topicAttributes(arn)).DisplayName, 'Shown');

    const policy = {
      Version: '2012-10-17',
      Statement: [{ Sid: 'own', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'SNS:Publish', Resource: arn }],
    };
    await sns.send(new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'Policy', AttributeValue: JSON.stringify(policy) }));
    assert.deepEqual(JSON.parse((await topicAttributes(arn)).Policy), policy);

    const delivery = { http: { defaultHealthyRetryPolicy: { numRetries: 5, minDelayTarget: 20, maxDelayTarget: 20 } } };
    await sns.send(
      new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'DeliveryPolicy', AttributeValue: JSON.stringify(delivery) }),
    );
    let attrs = await topicAttributes(arn);
    assert.deepEqual(JSON.parse(attrs.DeliveryPolicy), delivery);
    assert.equal(JSON.parse(attrs.EffectiveDeliveryPolicy).http.defaultHealthyRetryPolicy.numRetries, 5);

    await sns.send(new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'DeliveryPolicy', AttributeValue: '' }));
    attrs = await topicAttributes(arn);
    assert.equal(attrs.DeliveryPolicy, undefined);
    assert.equal(JSON.parse(attrs.EffectiveDeliveryPolicy).http.defaultHealthyRetryPolicy.numRetries, 3);
  });

  it('rejects a malformed TopicArn', async () => {
    await expectError(sns.send(new GetTopicAttributesCommand({ TopicArn: 'foo' })), {
      name: 'InvalidParameterException',
      status: 400,
      message: 'Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1',
    });
    await expectError(sns.send(new GetTopicAttributesCommand({ TopicArn: 'arn:aws' })), {
      name: 'InvalidParameterException',
      status: 400,
      message: 'Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 2',
    });
  });

  it('rejects an unknown topic', async () => {
    await expectError(sns.send(new GetTopicAttributesCommand({ TopicArn: topicArnFor(unique('ghost')) })), {
      name: 'NotFoundException',
      status: 404,
      message: 'Topic does not exist',
    });
    await expectError(
      sns.send(new SetTopicAttributesCommand({ TopicArn: topicArnFor(unique('ghost')), AttributeName: 'DisplayName', AttributeValue: 'x' })),
      { name: 'NotFoundException', status: 404, message: 'Topic does not exist' },
    );
  });

  it('rejects an unknown attribute name and FifoTopic after creation', async () => {
    const arn = await createTopic(unique('badattr'));
    await expectError(
      sns.send(new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'NoSuchAttribute', AttributeValue: 'x' })),
      { name: 'InvalidParameterException', status: 400 },
    );
    await expectError(
      sns.send(new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'FifoTopic', AttributeValue: 'true' })),
      { name: 'InvalidParameterException', status: 400 },
    );
  });
});

describe('Subscribe / Unsubscribe', () => {
  it('confirms a lambda subscription immediately and returns its ARN', async () => {
    const arn = await createTopic(unique('sub-lambda'));
    const fn = lambdaArn(unique('handler'));
    const out = await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'lambda', Endpoint: fn }));
    assert.match(out.SubscriptionArn, new RegExp(`^${arn}:[0-9a-f-]{36}$`));
    assert.ok(out.$metadata.requestId);
    const attrs = (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: out.SubscriptionArn }))).Attributes;
    assert.deepEqual(Object.keys(attrs).sort(), [
      'ConfirmationWasAuthenticated',
      'Endpoint',
      'Owner',
      'PendingConfirmation',
      'Protocol',
      'RawMessageDelivery',
      'SubscriptionArn',
      'SubscriptionPrincipal',
      'TopicArn',
    ]);
    assert.equal(attrs.ConfirmationWasAuthenticated, 'true');
    assert.equal(attrs.PendingConfirmation, 'false');
    assert.equal(attrs.RawMessageDelivery, 'false');
    assert.equal(attrs.Protocol, 'lambda');
    assert.equal(attrs.Endpoint, fn);
    assert.equal(attrs.Owner, account);
    assert.equal(attrs.TopicArn, arn);
    assert.equal(attrs.SubscriptionArn, out.SubscriptionArn);
    assert.match(attrs.SubscriptionPrincipal, new RegExp(`^arn:aws:iam::${account}:`));
  });

  it('is idempotent for the same endpoint and rejects different attributes', async () => {
    const arn = await createTopic(unique('sub-idem'));
    const fn = lambdaArn(unique('handler'));
    const first = await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'lambda', Endpoint: fn }));
    const again = await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'lambda', Endpoint: fn, Attributes: {} }));
    assert.equal(again.SubscriptionArn, first.SubscriptionArn);
    await expectError(
      sns.send(
        new SubscribeCommand({
          TopicArn: arn,
          Protocol: 'lambda',
          Endpoint: fn,
          Attributes: { FilterPolicy: JSON.stringify({ color: ['red'] }) },
        }),
      ),
      {
        name: 'InvalidParameterException',
        status: 400,
        message: 'Invalid parameter: Attributes Reason: Subscription already exists with different attributes',
      },
    );
  });

  it('leaves an http subscription pending; ReturnSubscriptionArn gives the real ARN', async () => {
    const arn = await createTopic(unique('sub-http'));
    const endpoint = 'http://127.0.0.1:9/sns';
    const pending = await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'http', Endpoint: endpoint }));
    assert.equal(pending.SubscriptionArn, 'pending confirmation');

    const listed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn }));
    assert.equal(listed.Subscriptions.length, 1);
    assert.deepEqual(listed.Subscriptions[0], {
      SubscriptionArn: 'PendingConfirmation',
      Owner: account,
      Protocol: 'http',
      Endpoint: endpoint,
      TopicArn: arn,
    });

    const withArn = await sns.send(
      new SubscribeCommand({ TopicArn: arn, Protocol: 'http', Endpoint: endpoint, ReturnSubscriptionArn: true }),
    );
    assert.match(withArn.SubscriptionArn, new RegExp(`^${arn}:[0-9a-f-]{36}$`));
    const attrs = (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: withArn.SubscriptionArn }))).Attributes;
    assert.equal(attrs.PendingConfirmation, 'true');
    assert.equal(attrs.ConfirmationWasAuthenticated, 'false');
    assert.equal(attrs.Protocol, 'http');
    assert.equal(attrs.RawMessageDelivery, 'false');

    await sns.send(new UnsubscribeCommand({ SubscriptionArn: withArn.SubscriptionArn }));
    assert.equal((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn }))).Subscriptions.length, 0);
  });

  it('accepts subscription attributes at Subscribe time', async () => {
    const arn = await createTopic(unique('sub-attrs'));
    const filter = JSON.stringify({ kind: ['a', 'b'] });
    const out = await sns.send(
      new SubscribeCommand({
        TopicArn: arn,
        Protocol: 'http',
        Endpoint: 'http://127.0.0.1:9/raw',
        Attributes: { RawMessageDelivery: 'true', FilterPolicy: filter },
        ReturnSubscriptionArn: true,
      }),
    );
    const attrs = (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: out.SubscriptionArn }))).Attributes;
    assert.equal(attrs.RawMessageDelivery, 'true');
    assert.deepEqual(JSON.parse(attrs.FilterPolicy), JSON.parse(filter));
    assert.equal(attrs.FilterPolicyScope, 'MessageAttributes');
  });

  it('unsubscribes, and Unsubscribe of an unknown subscription succeeds', async () => {
    const arn = await createTopic(unique('unsub'));
    const sub = await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'lambda', Endpoint: lambdaArn(unique('f')) }));
    const out = await sns.send(new UnsubscribeCommand({ SubscriptionArn: sub.SubscriptionArn }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.ok(out.$metadata.requestId);
    await expectError(sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: sub.SubscriptionArn })), {
      name: 'NotFoundException',
      status: 404,
      message: 'Subscription does not exist',
    });
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: sub.SubscriptionArn }));
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: `${arn}:00000000-0000-0000-0000-000000000000` }));
  });

  it('rejects malformed subscription ARNs on Unsubscribe', async () => {
    await expectError(sns.send(new UnsubscribeCommand({ SubscriptionArn: 'randomstring' })), {
      name: 'InvalidParameterException',
      status: 400,
      message: 'Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1',
    });
    await expectError(sns.send(new UnsubscribeCommand({ SubscriptionArn: 'arn:aws:sns:us-east-1:000000000000' })), {
      name: 'InvalidParameterException',
      status: 400,
      message: 'Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 5',
    });
    const arn = await createTopic(unique('unsub-topic'));
    await expectError(sns.send(new UnsubscribeCommand({ SubscriptionArn: arn })), {
      name: 'InvalidParameterException',
      status: 400,
      message: 'Invalid parameter: SubscriptionId',
    });
    // The literal pending marker is not an ARN (the exact text differs between sources).
    await expectError(sns.send(new UnsubscribeCommand({ SubscriptionArn: 'pending confirmation' })), {
      name: 'InvalidParameterException',
      status: 400,
    });
  });

  it('rejects an unsupported protocol', async () => {
    const arn = await createTopic(unique('bad-proto'));
    await expectError(sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'test-protocol', Endpoint: 'x' })), {
      name: 'InvalidParameterException',
      status: 400,
      message: 'Invalid parameter: Amazon SNS does not support this protocol string: test-protocol',
    });
  });

  it('rejects an sqs endpoint that is not an ARN and a lambda endpoint that is not a function ARN', async () => {
    const arn = await createTopic(unique('bad-endpoint'));
    await expectError(
      sns.send(
        new SubscribeCommand({ TopicArn: arn, Protocol: 'sqs', Endpoint: 'https://sqs.us-east-1.amazonaws.com/000000000000/q' }),
      ),
      { name: 'InvalidParameterException', status: 400, message: 'Invalid parameter: SQS endpoint ARN' },
    );
    await expectError(sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'lambda', Endpoint: 'not-an-arn' })), {
      name: 'InvalidParameterException',
      status: 400,
    });
  });

  it('rejects an invalid RawMessageDelivery value at Subscribe time', async () => {
    const arn = await createTopic(unique('bad-raw'));
    await expectError(
      sns.send(
        new SubscribeCommand({
          TopicArn: arn,
          Protocol: 'http',
          Endpoint: 'http://127.0.0.1:9/x',
          Attributes: { RawMessageDelivery: 'wrongvalue' },
        }),
      ),
      {
        name: 'InvalidParameterException',
        status: 400,
        message: 'Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [wrongvalue]. Must be true or false.',
      },
    );
  });

  it('rejects Subscribe to an unknown topic', async () => {
    await expectError(
      sns.send(new SubscribeCommand({ TopicArn: topicArnFor(unique('ghost')), Protocol: 'lambda', Endpoint: lambdaArn('f') })),
      { name: 'NotFoundException', status: 404 },
    );
  });
});

describe('ConfirmSubscription', () => {
  it('rejects a malformed token', async () => {
    const arn = await createTopic(unique('confirm'));
    await expectError(sns.send(new ConfirmSubscriptionCommand({ TopicArn: arn, Token: 'not a token!' })), {
      name: 'InvalidParameterException',
      status: 400,
      message: 'Invalid token',
    });
  });

  it('rejects a well-formed token that does not exist, also for an unknown topic', async () => {
    const arn = await createTopic(unique('confirm2'));
    const token = 'ab12'.repeat(56);
    await expectError(sns.send(new ConfirmSubscriptionCommand({ TopicArn: arn, Token: token })), {
      name: 'InvalidParameterException',
      status: 400,
      message: 'Invalid parameter: Token',
    });
    await expectError(sns.send(new ConfirmSubscriptionCommand({ TopicArn: topicArnFor(unique('ghost')), Token: token })), {
      name: 'InvalidParameterException',
      status: 400,
      message: 'Invalid parameter: Token',
    });
  });
});

describe('ListSubscriptions / ListSubscriptionsByTopic', () => {
  it('lists subscriptions across topics, pending ones as PendingConfirmation', async () => {
    const a = await createTopic(unique('ls-a'));
    const b = await createTopic(unique('ls-b'));
    const fn = lambdaArn(unique('f'));
    const subA = await sns.send(new SubscribeCommand({ TopicArn: a, Protocol: 'lambda', Endpoint: fn }));
    await sns.send(new SubscribeCommand({ TopicArn: b, Protocol: 'https', Endpoint: 'https://example.com/hook' }));

    const out = await sns.send(new ListSubscriptionsCommand({}));
    assert.ok(out.$metadata.requestId);
    const all = [];
    for await (const page of paginateListSubscriptions({ client: sns }, {})) all.push(...page.Subscriptions);
    const ofA = all.filter((s) => s.TopicArn === a);
    const ofB = all.filter((s) => s.TopicArn === b);
    assert.deepEqual(ofA, [{ SubscriptionArn: subA.SubscriptionArn, Owner: account, Protocol: 'lambda', Endpoint: fn, TopicArn: a }]);
    assert.deepEqual(ofB, [
      { SubscriptionArn: 'PendingConfirmation', Owner: account, Protocol: 'https', Endpoint: 'https://example.com/hook', TopicArn: b },
    ]);
  });

  it('pages through 120 subscriptions of one topic with paginateListSubscriptionsByTopic', async () => {
    const arn = await createTopic(unique('ls-many'));
    const prefix = unique('fn');
    const expected = new Set();
    for (let i = 0; i < 120; i += 30) {
      const outs = await Promise.all(
        Array.from({ length: 30 }, (_, j) =>
          sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'lambda', Endpoint: lambdaArn(`${prefix}-${i + j}`) })),
        ),
      );
      outs.forEach((o) => expected.add(o.SubscriptionArn));
    }
    const pages = [];
    for await (const page of paginateListSubscriptionsByTopic({ client: sns }, { TopicArn: arn })) pages.push(page);
    assert.equal(pages.length, 2);
    assert.equal(pages[0].Subscriptions.length, 100);
    assert.ok(pages[0].NextToken);
    assert.equal(pages[1].Subscriptions.length, 20);
    assert.ok(!pages[1].NextToken);
    const listed = pages.flatMap((p) => p.Subscriptions.map((s) => s.SubscriptionArn));
    assert.deepEqual(new Set(listed), expected);
    assert.equal(listed.length, 120);
  });

  it('rejects ListSubscriptionsByTopic for an unknown topic', async () => {
    await expectError(sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArnFor(unique('ghost')) })), {
      name: 'NotFoundException',
      status: 404,
    });
  });
});

describe('Get/SetSubscriptionAttributes', () => {
  let sub;
  before(async () => {
    const arn = await createTopic(unique('subattrs'));
    sub = (
      await sns.send(
        new SubscribeCommand({ TopicArn: arn, Protocol: 'http', Endpoint: 'http://127.0.0.1:9/a', ReturnSubscriptionArn: true }),
      )
    ).SubscriptionArn;
  });

  it('sets and reads RawMessageDelivery, FilterPolicy and FilterPolicyScope', async () => {
    const out = await sns.send(
      new SetSubscriptionAttributesCommand({ SubscriptionArn: sub, AttributeName: 'RawMessageDelivery', AttributeValue: 'true' }),
    );
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.ok(out.$metadata.requestId);
    const policy = JSON.stringify({ store: ['example_corp'] });
    await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: sub, AttributeName: 'FilterPolicy', AttributeValue: policy }));
    let attrs = (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: sub }))).Attributes;
    assert.equal(attrs.RawMessageDelivery, 'true');
    assert.deepEqual(JSON.parse(attrs.FilterPolicy), { store: ['example_corp'] });
    assert.equal(attrs.FilterPolicyScope, 'MessageAttributes');

    await sns.send(
      new SetSubscriptionAttributesCommand({ SubscriptionArn: sub, AttributeName: 'FilterPolicyScope', AttributeValue: 'MessageBody' }),
    );
    attrs = (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: sub }))).Attributes;
    assert.equal(attrs.FilterPolicyScope, 'MessageBody');
  });

  it('rejects an unknown attribute name', async () => {
    await expectError(
      sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: sub, AttributeName: 'Nope', AttributeValue: 'x' })),
      { name: 'InvalidParameterException', status: 400, message: 'Invalid parameter: AttributeName' },
    );
  });

  it('rejects an invalid RawMessageDelivery value', async () => {
    await expectError(
      sns.send(
        new SetSubscriptionAttributesCommand({ SubscriptionArn: sub, AttributeName: 'RawMessageDelivery', AttributeValue: 'test-ValUe' }),
      ),
      {
        name: 'InvalidParameterException',
        status: 400,
        message: 'Invalid parameter: RawMessageDelivery: Invalid value [test-ValUe]. Must be true or false.',
      },
    );
    await expectError(
      sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: sub, AttributeName: 'RawMessageDelivery', AttributeValue: '' })),
      {
        name: 'InvalidParameterException',
        status: 400,
        message: 'Invalid parameter: RawMessageDelivery: Invalid value []. Must be true or false.',
      },
    );
  });

  it('rejects a RedrivePolicy with an invalid dead-letter ARN and FilterPolicy with invalid JSON', async () => {
    await expectError(
      sns.send(
        new SetSubscriptionAttributesCommand({
          SubscriptionArn: sub,
          AttributeName: 'RedrivePolicy',
          AttributeValue: JSON.stringify({ deadLetterTargetArn: 'invalid-arn' }),
        }),
      ),
      {
        name: 'InvalidParameterException',
        status: 400,
        message: 'Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn',
      },
    );
    // Real AWS appends a Jackson parser trace, so only the prefix is stable.
    await expectError(
      sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: sub, AttributeName: 'FilterPolicy', AttributeValue: '{invalidjson}' })),
      { name: 'InvalidParameterException', status: 400, message: /^Invalid parameter: FilterPolicy: failed to parse JSON\./ },
    );
  });

  it('rejects unknown subscriptions', async () => {
    const ghost = `${topicArnFor(unique('ghost'))}:11111111-2222-3333-4444-555555555555`;
    await expectError(sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: ghost })), {
      name: 'NotFoundException',
      status: 404,
      message: 'Subscription does not exist',
    });
    await expectError(
      sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: ghost, AttributeName: 'RawMessageDelivery', AttributeValue: 'true' })),
      { name: 'NotFoundException', status: 404, message: 'Subscription does not exist' },
    );
  });
});

describe('Publish', () => {
  let topic;
  let fifo;
  let fifoCbd;
  before(async () => {
    topic = await createTopic(unique('pub'));
    fifo = await createTopic(unique('pub') + '.fifo', { Attributes: { FifoTopic: 'true' } });
    fifoCbd = await createTopic(unique('pubcbd') + '.fifo', {
      Attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'true' },
    });
  });

  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  it('publishes by TopicArn and by TargetArn, with a Subject', async () => {
    const a = await sns.send(new PublishCommand({ TopicArn: topic, Message: 'hello', Subject: 'Greeting' }));
    assert.match(a.MessageId, UUID);
    assert.equal(a.SequenceNumber, undefined, 'standard topics have no SequenceNumber');
    assert.ok(a.$metadata.requestId);
    const b = await sns.send(new PublishCommand({ TargetArn: topic, Message: 'hello again' }));
    assert.match(b.MessageId, UUID);
    assert.notEqual(a.MessageId, b.MessageId);
  });

  it('accepts String, Number, Binary, String.Array and custom-typed message attributes', async () => {
    const out = await sns.send(
      new PublishCommand({
        TopicArn: topic,
        Message: 'with attributes',
        MessageAttributes: {
          color: { DataType: 'String', StringValue: 'red' },
          count: { DataType: 'Number', StringValue: '42.5' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 255]) },
          list: { DataType: 'String.Array', StringValue: JSON.stringify(['a', 'b', 3, true, null]) },
          custom: { DataType: 'String.custom', StringValue: 'x' },
          'dotted.name_with-chars': { DataType: 'Number.int', StringValue: '-7' },
        },
      }),
    );
    assert.match(out.MessageId, UUID);
  });

  it('accepts MessageStructure json with a default entry', async () => {
    const out = await sns.send(
      new PublishCommand({
        TopicArn: topic,
        MessageStructure: 'json',
        Message: JSON.stringify({ default: 'plain', lambda: 'for lambda', http: 'for http' }),
      }),
    );
    assert.match(out.MessageId, UUID);
  });

  it('publishes to a FIFO topic with SequenceNumber and deduplicates by MessageDeduplicationId', async () => {
    const first = await sns.send(
      new PublishCommand({ TopicArn: fifo, Message: 'm1', MessageGroupId: 'g1', MessageDeduplicationId: 'd1' }),
    );
    assert.match(first.MessageId, UUID);
    assert.match(first.SequenceNumber, /^\d{20}$/);
    const second = await sns.send(
      new PublishCommand({ TopicArn: fifo, Message: 'm2', MessageGroupId: 'g1', MessageDeduplicationId: 'd2' }),
    );
    assert.match(second.SequenceNumber, /^\d{20}$/);
    assert.ok(BigInt(second.SequenceNumber) > BigInt(first.SequenceNumber), 'sequence numbers increase');
    const dup = await sns.send(
      new PublishCommand({ TopicArn: fifo, Message: 'm1 again', MessageGroupId: 'g1', MessageDeduplicationId: 'd1' }),
    );
    assert.equal(dup.MessageId, first.MessageId, 'a duplicate within 5 minutes returns the same MessageId');
  });

  it('deduplicates by content on a ContentBasedDeduplication topic', async () => {
    const a = await sns.send(new PublishCommand({ TopicArn: fifoCbd, Message: 'same body', MessageGroupId: 'g' }));
    const b = await sns.send(new PublishCommand({ TopicArn: fifoCbd, Message: 'same body', MessageGroupId: 'g' }));
    const c = await sns.send(new PublishCommand({ TopicArn: fifoCbd, Message: 'other body', MessageGroupId: 'g' }));
    assert.equal(b.MessageId, a.MessageId);
    assert.notEqual(c.MessageId, a.MessageId);
    assert.ok(BigInt(c.SequenceNumber) > BigInt(a.SequenceNumber));
  });

  it('rejects a Publish without Message (ValidationError)', async () => {
    await expectError(sns.send(new PublishCommand({ TopicArn: topic })), {
      name: 'ValidationError',
      status: 400,
      message: "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null",
    });
  });

  it('rejects a Publish without a target', async () => {
    await expectError(sns.send(new PublishCommand({ Message: 'x' })), {
      name: 'InvalidParameterException',
      status: 400,
      message: 'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
    });
  });

  it('rejects an empty message and an empty subject', async () => {
    await expectError(sns.send(new PublishCommand({ TopicArn: topic, Message: '' })), {
      name: 'InvalidParameterException',
      status: 400,
      message: 'Invalid parameter: Empty message',
    });
    await expectError(sns.send(new PublishCommand({ TopicArn: topic, Message: 'x', Subject: '' })), {
      name: 'InvalidParameterException',
      status: 400,
      message: 'Invalid parameter: Subject',
    });
  });

  it('publishes a 64 KiB message (request body well above 8 KiB)', async () => {
    const out = await sns.send(new PublishCommand({ TopicArn: topic, Message: 'x'.repeat(64 * 1024) }));
    assert.match(out.MessageId, UUID);
  });

  it('accepts a message of exactly 256 KiB', async () => {
    const out = await sns.send(new PublishCommand({ TopicArn: topic, Message: 'x'.repeat(262144) }));
    assert.match(out.MessageId, UUID);
  });

  it('rejects a message one byte over 256 KiB', async () => {
    await expectError(sns.send(new PublishCommand({ TopicArn: topic, Message: 'x'.repeat(262145) })), {
      name: 'InvalidParameterException',
      status: 400,
      message: 'Invalid parameter: Message too long',
    });
  });

  it('rejects an unknown topic, a malformed ARN and a topic in another region', async () => {
    await expectError(sns.send(new PublishCommand({ TopicArn: topicArnFor(unique('ghost')), Message: 'x' })), {
      name: 'NotFoundException',
      status: 404,
      message: 'Topic does not exist',
    });
    await expectError(sns.send(new PublishCommand({ TopicArn: 'foo', Message: 'x' })), {
      name: 'InvalidParameterException',
      status: 400,
      message: 'Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1',
    });
    await expectError(sns.send(new PublishCommand({ TopicArn: topicArnFor('elsewhere', 'eu-west-1'), Message: 'x' })), {
      name: 'InvalidParameterException',
      status: 400,
      message: 'Invalid parameter: TopicArn',
    });
  });

  it('rejects MessageStructure json without default and with invalid JSON', async () => {
    await expectError(
      sns.send(new PublishCommand({ TopicArn: topic, MessageStructure: 'json', Message: JSON.stringify({ lambda: 'x' }) })),
      { name: 'InvalidParameterException', status: 400, message: 'Invalid parameter: Message Structure - No default entry in JSON message body' },
    );
    await expectError(
      sns.send(new PublishCommand({ TopicArn: topic, MessageStructure: 'json', Message: JSON.stringify({ default: 1 }) })),
      { name: 'InvalidParameterException', status: 400, message: 'Invalid parameter: Message Structure - No default entry in JSON message body' },
    );
    await expectError(sns.send(new PublishCommand({ TopicArn: topic, MessageStructure: 'json', Message: '{not json' })), {
      name: 'InvalidParameterException',
      status: 400,
      message: 'Invalid parameter: Message Structure - JSON message body failed to parse',
    });
  });

  it('rejects invalid message attributes with InvalidParameterValueException', async () => {
    const cases = [
      [
        { attr1: { DataType: 'Stringg', StringValue: 'v' } },
        "The message attribute 'attr1' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.",
      ],
      [
        { attr1: { DataType: 'String', StringValue: '' } },
        "The message attribute 'attr1' must contain non-empty message attribute value for message attribute type 'String'.",
      ],
      [
        { attr1: { DataType: 'Binary', BinaryValue: new Uint8Array(0) } },
        "The message attribute 'attr1' must contain non-empty message attribute value for message attribute type 'Binary'.",
      ],
      [
        { attr1: { DataType: 'String', BinaryValue: new Uint8Array([1]) } },
        "The message attribute 'attr1' with type 'String' must use field 'String'.",
      ],
      [
        { attr1: { DataType: 'Number', BinaryValue: new Uint8Array([1]) } },
        "The message attribute 'attr1' with type 'Number' must use field 'String'.",
      ],
      [
        { attr1: { DataType: 'Binary', StringValue: 'v' } },
        "The message attribute 'attr1' with type 'Binary' must use field 'Binary'.",
      ],
      [{ ['a'.repeat(256)]: { DataType: 'String', StringValue: 'v' } }, 'Length of message attribute name must be less than 256 bytes.'],
      [
        { 'bad^name': { DataType: 'String', StringValue: 'v' } },
        "Invalid non-alphanumeric character '#x5E' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.",
      ],
      [{ '.lead': { DataType: 'String', StringValue: 'v' } }, "Invalid message attribute name starting with character '.' was found."],
      [{ 'trail.': { DataType: 'String', StringValue: 'v' } }, "Invalid message attribute name ending with character '.' was found."],
      [{ 'a..b': { DataType: 'String', StringValue: 'v' } }, "Message attribute name can not have successive '.' character."],
    ];
    for (const [attributes, message] of cases) {
      await expectError(sns.send(new PublishCommand({ TopicArn: topic, Message: 'x', MessageAttributes: attributes })), {
        name: 'InvalidParameterValueException',
        status: 400,
        message,
      });
    }
  });

  it('enforces the FIFO rules', async () => {
    await expectError(sns.send(new PublishCommand({ TopicArn: fifo, Message: 'x', MessageDeduplicationId: 'd' })), {
      name: 'InvalidParameterException',
      status: 400,
      message: 'Invalid parameter: The MessageGroupId parameter is required for FIFO topics',
    });
    await expectError(sns.send(new PublishCommand({ TopicArn: fifo, Message: 'x', MessageGroupId: 'g' })), {
      name: 'InvalidParameterException',
      status: 400,
      message:
        'Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
    });
    await expectError(sns.send(new PublishCommand({ TopicArn: topic, Message: 'x', MessageDeduplicationId: 'd' })), {
      name: 'InvalidParameterException',
      status: 400,
      message:
        'Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type',
    });
  });
});

describe('PublishBatch', () => {
  let topic;
  let fifo;
  before(async () => {
    topic = await createTopic(unique('batch'));
    fifo = await createTopic(unique('batch') + '.fifo', { Attributes: { FifoTopic: 'true' } });
  });

  it('returns one Successful entry per Id', async () => {
    const out = await sns.send(
      new PublishBatchCommand({
        TopicArn: topic,
        PublishBatchRequestEntries: [
          { Id: 'one', Message: 'a', Subject: 's' },
          { Id: 'two', Message: 'b', MessageAttributes: { k: { DataType: 'Number', StringValue: '5' } } },
          { Id: 'three', Message: JSON.stringify({ default: 'c' }), MessageStructure: 'json' },
        ],
      }),
    );
    assert.ok(out.$metadata.requestId);
    assert.deepEqual(out.Successful.map((e) => e.Id), ['one', 'two', 'three']);
    for (const entry of out.Successful) {
      assert.match(entry.MessageId, /^[0-9a-f-]{36}$/);
      assert.equal(entry.SequenceNumber, undefined);
    }
    assert.equal(new Set(out.Successful.map((e) => e.MessageId)).size, 3);
    assert.deepEqual(out.Failed ?? [], []);
  });

  it('returns increasing SequenceNumbers on a FIFO topic', async () => {
    const out = await sns.send(
      new PublishBatchCommand({
        TopicArn: fifo,
        PublishBatchRequestEntries: [
          { Id: 'a', Message: 'a', MessageGroupId: 'g', MessageDeduplicationId: 'da' },
          { Id: 'b', Message: 'b', MessageGroupId: 'g', MessageDeduplicationId: 'db' },
          { Id: 'c', Message: 'c', MessageGroupId: 'h', MessageDeduplicationId: 'dc' },
        ],
      }),
    );
    assert.deepEqual(out.Successful.map((e) => e.Id), ['a', 'b', 'c']);
    const [a, b, c] = out.Successful;
    assert.match(a.SequenceNumber, /^\d{20}$/);
    assert.match(b.SequenceNumber, /^\d{20}$/);
    assert.ok(BigInt(b.SequenceNumber) > BigInt(a.SequenceNumber));
    assert.ok(BigInt(c.SequenceNumber) > BigInt(b.SequenceNumber));
    assert.equal(new Set(out.Successful.map((e) => e.MessageId)).size, 3);
    assert.deepEqual(out.Failed ?? [], []);
    // A later batch repeating a deduplication id gets the first message's MessageId back.
    const again = await sns.send(
      new PublishBatchCommand({
        TopicArn: fifo,
        PublishBatchRequestEntries: [{ Id: 'a2', Message: 'a', MessageGroupId: 'g', MessageDeduplicationId: 'da' }],
      }),
    );
    assert.equal(again.Successful[0].MessageId, a.MessageId);
  });

  it('publishes a batch of ten 20 KiB messages', async () => {
    const entries = Array.from({ length: 10 }, (_, i) => ({ Id: `big${i}`, Message: String(i).repeat(20 * 1024) }));
    const out = await sns.send(new PublishBatchCommand({ TopicArn: topic, PublishBatchRequestEntries: entries }));
    assert.equal(out.Successful.length, 10);
    assert.deepEqual(out.Failed ?? [], []);
  });

  it('rejects more than 10 entries', async () => {
    const entries = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, Message: 'x' }));
    await expectError(sns.send(new PublishBatchCommand({ TopicArn: topic, PublishBatchRequestEntries: entries })), {
      name: 'TooManyEntriesInBatchRequestException',
      status: 400,
      message: 'The batch request contains more entries than permissible.',
    });
  });

  it('rejects duplicate Ids', async () => {
    await expectError(
      sns.send(
        new PublishBatchCommand({
          TopicArn: topic,
          PublishBatchRequestEntries: [
            { Id: 'same', Message: 'a' },
            { Id: 'same', Message: 'b' },
          ],
        }),
      ),
      { name: 'BatchEntryIdsNotDistinctException', status: 400, message: 'Two or more batch entries in the request have the same Id.' },
    );
  });

  it('rejects a batch whose messages together exceed 256 KiB', async () => {
    await expectError(
      sns.send(
        new PublishBatchCommand({
          TopicArn: topic,
          PublishBatchRequestEntries: [
            { Id: 'a', Message: 'x'.repeat(140000) },
            { Id: 'b', Message: 'y'.repeat(140000) },
          ],
        }),
      ),
      { name: 'BatchRequestTooLongException', status: 400, message: 'The length of all the messages put together is more than the limit.' },
    );
  });

  it('rejects an unknown topic and a topic in another region', async () => {
    await expectError(
      sns.send(new PublishBatchCommand({ TopicArn: topicArnFor(unique('ghost')), PublishBatchRequestEntries: [{ Id: 'a', Message: 'x' }] })),
      { name: 'NotFoundException', status: 404, message: 'Topic does not exist' },
    );
    await expectError(
      sns.send(new PublishBatchCommand({ TopicArn: topicArnFor('elsewhere', 'eu-west-1'), PublishBatchRequestEntries: [{ Id: 'a', Message: 'x' }] })),
      { name: 'InvalidParameterException', status: 400, message: 'Invalid parameter: TopicArn' },
    );
  });

  it('fails the whole FIFO batch when an entry lacks MessageGroupId', async () => {
    await expectError(
      sns.send(
        new PublishBatchCommand({
          TopicArn: fifo,
          PublishBatchRequestEntries: [
            { Id: 'ok', Message: 'a', MessageGroupId: 'g', MessageDeduplicationId: 'x1' },
            { Id: 'bad', Message: 'b', MessageDeduplicationId: 'x2' },
          ],
        }),
      ),
      { name: 'InvalidParameterException', status: 400, message: 'Invalid parameter: The MessageGroupId parameter is required for FIFO topics' },
    );
  });

  it('fails the whole batch on an invalid message attribute', async () => {
    await expectError(
      sns.send(
        new PublishBatchCommand({
          TopicArn: topic,
          PublishBatchRequestEntries: [
            { Id: 'ok', Message: 'a' },
            { Id: 'bad', Message: 'b', MessageAttributes: { attr1: { DataType: 'Stringg', StringValue: 'v' } } },
          ],
        }),
      ),
      {
        name: 'InvalidParameterValueException',
        status: 400,
        message:
          "The message attribute 'attr1' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.",
      },
    );
  });
});

describe('TagResource / UntagResource / ListTagsForResource', () => {
  it('adds, overwrites, lists and removes tags', async () => {
    const arn = await createTopic(unique('tags'), { Tags: [{ Key: 'a', Value: '1' }] });
    const tagged = await sns.send(
      new TagResourceCommand({
        ResourceArn: arn,
        Tags: [
          { Key: 'a', Value: 'one' },
          { Key: 'b', Value: '2' },
          { Key: 'c', Value: '3' },
        ],
      }),
    );
    assert.equal(tagged.$metadata.httpStatusCode, 200);
    assert.ok(tagged.$metadata.requestId);
    const list = async () =>
      (await sns.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags.map((t) => `${t.Key}=${t.Value}`).sort();
    assert.deepEqual(await list(), ['a=one', 'b=2', 'c=3']);
    await sns.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['b', 'no-such-key'] }));
    assert.deepEqual(await list(), ['a=one', 'c=3']);
    await sns.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['a', 'c'] }));
    assert.deepEqual(await list(), []);
  });

  it('rejects duplicate keys in one TagResource', async () => {
    const arn = await createTopic(unique('tagdup'));
    await expectError(
      sns.send(
        new TagResourceCommand({
          ResourceArn: arn,
          Tags: [
            { Key: 'k', Value: '1' },
            { Key: 'k', Value: '2' },
          ],
        }),
      ),
      { name: 'InvalidParameterException', status: 400, message: 'Invalid parameter: Duplicated keys are not allowed.' },
    );
  });

  it('rejects more than 50 tags on a resource', async () => {
    const arn = await createTopic(unique('taglimit'));
    const tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await expectError(sns.send(new TagResourceCommand({ ResourceArn: arn, Tags: tags })), {
      name: 'TagLimitExceededException',
      status: 400,
    });
  });

  it('rejects tag operations on an unknown resource', async () => {
    const ghost = topicArnFor(unique('ghost'));
    const expected = { name: 'ResourceNotFoundException', status: 404 };
    await expectError(sns.send(new ListTagsForResourceCommand({ ResourceArn: ghost })), expected);
    await expectError(sns.send(new TagResourceCommand({ ResourceArn: ghost, Tags: [{ Key: 'k', Value: 'v' }] })), expected);
    await expectError(sns.send(new UntagResourceCommand({ ResourceArn: ghost, TagKeys: ['k'] })), expected);
  });
});

describe('AddPermission / RemovePermission', () => {
  it('adds a statement to the topic policy and removes it again', async () => {
    const arn = await createTopic(unique('perm'));
    const out = await sns.send(
      new AddPermissionCommand({ TopicArn: arn, Label: 'AllowPublish', AWSAccountId: ['111122223333'], ActionName: ['Publish'] }),
    );
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.ok(out.$metadata.requestId);
    let policy = JSON.parse((await topicAttributes(arn)).Policy);
    const statement = policy.Statement.find((s) => s.Sid === 'AllowPublish');
    assert.ok(statement, 'statement added');
    assert.equal(statement.Effect, 'Allow');
    assert.equal(statement.Resource, arn);
    assert.deepEqual([statement.Action].flat(), ['SNS:Publish']);
    assert.match(JSON.stringify(statement.Principal), /111122223333/);
    assert.ok(policy.Statement.some((s) => s.Sid === '__default_statement_ID'), 'the default statement stays');

    const removed = await sns.send(new RemovePermissionCommand({ TopicArn: arn, Label: 'AllowPublish' }));
    assert.equal(removed.$metadata.httpStatusCode, 200);
    policy = JSON.parse((await topicAttributes(arn)).Policy);
    assert.ok(!policy.Statement.some((s) => s.Sid === 'AllowPublish'), 'statement removed');
    assert.ok(policy.Statement.some((s) => s.Sid === '__default_statement_ID'));
  });

  it('rejects permissions on an unknown topic', async () => {
    const ghost = topicArnFor(unique('ghost'));
    await expectError(
      sns.send(new AddPermissionCommand({ TopicArn: ghost, Label: 'l', AWSAccountId: ['111122223333'], ActionName: ['Publish'] })),
      { name: 'NotFoundException', status: 404 },
    );
    await expectError(sns.send(new RemovePermissionCommand({ TopicArn: ghost, Label: 'l' })), {
      name: 'NotFoundException',
      status: 404,
    });
  });
});

describe('Get/PutDataProtectionPolicy', () => {
  const policyDoc = {
    Name: 'basic',
    Description: 'audit emails',
    Version: '2021-06-01',
    Statement: [
      {
        Sid: 'audit',
        DataDirection: 'Inbound',
        Principal: ['*'],
        DataIdentifier: ['arn:aws:dataprotection::aws:data-identifier/EmailAddress'],
        Operation: { Audit: { SampleRate: '99', FindingsDestination: {} } },
      },
    ],
  };

  it('stores and returns a data protection policy', async () => {
    const arn = await createTopic(unique('dpp'));
    const put = await sns.send(new PutDataProtectionPolicyCommand({ ResourceArn: arn, DataProtectionPolicy: JSON.stringify(policyDoc) }));
    assert.equal(put.$metadata.httpStatusCode, 200);
    assert.ok(put.$metadata.requestId);
    const got = await sns.send(new GetDataProtectionPolicyCommand({ ResourceArn: arn }));
    assert.deepEqual(JSON.parse(got.DataProtectionPolicy), policyDoc);
  });

  it('accepts a policy at CreateTopic time', async () => {
    const arn = await createTopic(unique('dpp-create'), { DataProtectionPolicy: JSON.stringify(policyDoc) });
    const got = await sns.send(new GetDataProtectionPolicyCommand({ ResourceArn: arn }));
    assert.deepEqual(JSON.parse(got.DataProtectionPolicy), policyDoc);
  });

  it('rejects a policy that is not JSON', async () => {
    const arn = await createTopic(unique('dpp-bad'));
    await expectError(sns.send(new PutDataProtectionPolicyCommand({ ResourceArn: arn, DataProtectionPolicy: '{not json' })), {
      name: 'InvalidParameterException',
      status: 400,
    });
  });

  it('rejects an unknown topic with NotFound (the operation models NotFound, not ResourceNotFound)', async () => {
    const ghost = topicArnFor(unique('ghost'));
    await expectError(sns.send(new GetDataProtectionPolicyCommand({ ResourceArn: ghost })), { name: 'NotFoundException', status: 404 });
    await expectError(
      sns.send(new PutDataProtectionPolicyCommand({ ResourceArn: ghost, DataProtectionPolicy: JSON.stringify(policyDoc) })),
      { name: 'NotFoundException', status: 404 },
    );
  });
});
