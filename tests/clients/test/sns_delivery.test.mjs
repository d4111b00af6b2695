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
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { LambdaClient, CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { SNSClient, CreateTopicCommand, SubscribeCommand, PublishCommand } from '@aws-sdk/client-sns';
import { startDaemon, useEndpoint } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.resolve(here, '..', '..', 'fixtures', 'functions');
const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
const arnOf = (name) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

// A zip (stored entries) of every file in a fixture directory: enough for Lambda's unzip.
function zipFixture(name) {
  const dir = path.join(FIXTURES, name);
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const file of fs.readdirSync(dir).sort()) {
    const data = fs.readFileSync(path.join(dir, file));
    const nameBytes = Buffer.from(file);
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by unix
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(((0o100000 | (fs.statSync(path.join(dir, file)).mode & 0o777)) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const centralDir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(centralDir.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, centralDir, end]));
}

// The recorder's JSON lines (a line still being written has no newline yet and is skipped).
function records(file) {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').slice(0, -1).filter(Boolean).map((l) => JSON.parse(l));
}

async function waitForRecords(file, count, timeoutMs = 20000) {
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
      Code: { ZipFile: zipFixture('node-recorder') },
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
