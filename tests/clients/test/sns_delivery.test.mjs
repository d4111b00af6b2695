// SNS -> Lambda delivery driven by the real AWS SDK for JavaScript v3: @aws-sdk/client-lambda
// creates a recorder function (tests/fixtures/functions/node-recorder, which appends each event
// to $RECORD_FILE) and @aws-sdk/client-sns creates a topic, subscribes it and publishes. The
// clients get their endpoint only from AWS_ENDPOINT_URL (harness useEndpoint). Expected values
// are AWS's Lambda event for SNS (wire reference §3.1).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LambdaClient, CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { SNSClient, CreateTopicCommand, SubscribeCommand, PublishCommand } from '@aws-sdk/client-sns';
import { startDaemon, useEndpoint } from './harness.mjs';
import { ROLE, arnOf, zipFixture } from './lambda_fixtures.mjs';

// The recorder's JSON lines (a line still being written has no newline yet and is skipped).
function records(file) {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').slice(0, -1).filter(Boolean).map((l) => JSON.parse(l));
}

// The deadline bounds a hang, it is not a speed requirement (tests/integration/harness.py
// HANG_S): with `yes` on each core the first delivery to a cold function took 18 s.
async function waitForRecords(file, count, timeoutMs = 120000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = records(file);
    if (found.length >= count) return found;
    if (Date.now() > deadline) throw new Error(`expected ${count} record(s) in ${file}, found ${found.length}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let daemon;
let lambda;
let sns;
let tmp;
let counter = 0;
const unique = (prefix) => `${prefix}-${process.pid}-${++counter}`;

describe('SNS delivery to Lambda via @aws-sdk/client-sns and @aws-sdk/client-lambda', () => {
  before(async () => {
    daemon = await startDaemon();
    useEndpoint(daemon.endpoint);
    lambda = new LambdaClient({ maxAttempts: 1 });
    sns = new SNSClient({ maxAttempts: 1 });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'offstage-js-'));
  });

  after(async () => {
    lambda?.destroy();
    sns?.destroy();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    const code = await daemon?.stop();
    assert.equal(code, 0, 'offstage exit status\n' + daemon?.output.join(''));
  });

  it('delivers the published message and attributes to a subscribed function', async () => {
    const name = unique('jsrec');
    const file = path.join(tmp, `${name}.jsonl`);
    await lambda.send(new CreateFunctionCommand({
      FunctionName: name, Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler',
      Code: { ZipFile: zipFixture('node-recorder') }, Timeout: 60,  // see lambda.test.mjs create()
      Environment: { Variables: { RECORD_FILE: file } },
    }));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: unique('jstopic') }));
    const sub = await sns.send(new SubscribeCommand({
      TopicArn, Protocol: 'lambda', Endpoint: arnOf(name), ReturnSubscriptionArn: true,
    }));
    assert.ok(sub.SubscriptionArn.startsWith(`${TopicArn}:`));
    const published = await sns.send(new PublishCommand({
      TopicArn,
      Message: 'hello from the JS SDK',
      MessageAttributes: {
        colour: { DataType: 'String', StringValue: 'teal' },
        count: { DataType: 'Number', StringValue: '42' },
      },
    }));
    assert.match(published.MessageId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    const [run] = await waitForRecords(file, 1);
    assert.equal(run.functionName, name);
    assert.equal(run.event.Records.length, 1);
    const record = run.event.Records[0];
    assert.equal(record.EventSource, 'aws:sns');
    assert.equal(record.EventVersion, '1.0');
    assert.equal(record.EventSubscriptionArn, sub.SubscriptionArn);
    const msg = record.Sns;
    assert.equal(msg.Type, 'Notification');
    assert.equal(msg.MessageId, published.MessageId);
    assert.equal(msg.TopicArn, TopicArn);
    assert.equal(msg.Subject, null);
    assert.equal(msg.Message, 'hello from the JS SDK');
    assert.match(msg.Timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(msg.SignatureVersion, '1');
    assert.ok(msg.Signature.length > 0);
    assert.ok(msg.SigningCertUrl.endsWith('.pem'));
    assert.equal(msg.UnsubscribeUrl,
      `${daemon.endpoint}/?Action=Unsubscribe&SubscriptionArn=${sub.SubscriptionArn}`);
    assert.deepEqual(Object.keys(msg.MessageAttributes).sort(), ['colour', 'count']);
    assert.deepEqual(msg.MessageAttributes.colour, { Type: 'String', Value: 'teal' });
    assert.equal(msg.MessageAttributes.count.Value, '42');
    // Published as Number; an old doc note says Lambda sees such attributes labelled String.
    assert.ok(['Number', 'String'].includes(msg.MessageAttributes.count.Type));

    // Exactly one delivery.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(records(file).length, 1);
  });
});
