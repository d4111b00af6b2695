// SQS through the real AWS SDK for JavaScript v3 (@aws-sdk/client-sqs, the JSON 1.0 protocol),
// against one offstage daemon reached only through AWS_ENDPOINT_URL. The SDK checks the MD5 of
// every body it sends and receives (middleware-sdk-sqs): a wrong digest fails the call.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  SQSClient,
  CreateQueueCommand,
  GetQueueUrlCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SendMessageBatchCommand,
  ReceiveMessageCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  ListQueuesCommand,
  QueueDoesNotExist,
} from '@aws-sdk/client-sqs';
import { startDaemon, useEndpoint } from './harness.mjs';

let daemon;
let sqs;

describe('SQS with the SDK v3', () => {
  before(async () => {
    daemon = await startDaemon();
    useEndpoint(daemon.endpoint);
    sqs = new SQSClient({ maxAttempts: 1 });
  });
  after(async () => {
    sqs.destroy();
    assert.equal(await daemon.stop(), 0);
  });

  it('creates, sends (digests checked by the SDK), receives and deletes', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'js-q', Attributes: { VisibilityTimeout: '20' } }));
    assert.ok(QueueUrl.startsWith(daemon.endpoint + '/000000000000/js-q'));
    const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'js-' }));
    assert.deepEqual(listed.QueueUrls, [QueueUrl]);
    const sent = await sqs.send(new SendMessageCommand({
      QueueUrl,
      MessageBody: 'hello from node ✓',
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'greeting' }, bytes: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2]) } },
    }));
    assert.ok(sent.MessageId);
    assert.equal(sent.MD5OfMessageAttributes.length, 32);
    const batch = await sqs.send(new SendMessageBatchCommand({
      QueueUrl,
      Entries: [{ Id: 'a', MessageBody: 'one' }, { Id: 'b', MessageBody: 'two' }],
    }));
    assert.equal(batch.Successful.length, 2);
    const got = [];
    while (got.length < 3) {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }));
      for (const m of r.Messages ?? []) {
        got.push(m);
        await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
      }
    }
    const first = got.find((m) => m.MessageId === sent.MessageId);
    assert.equal(first.Body, 'hello from node ✓');
    assert.equal(first.MessageAttributes.kind.StringValue, 'greeting');
    assert.deepEqual([...first.MessageAttributes.bytes.BinaryValue], [0, 1, 2]);
    assert.equal(first.MD5OfMessageAttributes, sent.MD5OfMessageAttributes);
    assert.equal(first.Attributes.ApproximateReceiveCount, '1');
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    assert.equal(attrs.Attributes.ApproximateNumberOfMessages, '0');
    assert.equal(attrs.Attributes.VisibilityTimeout, '20');
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  });

  it('answers QueueDoesNotExist as the SDK knows it', async () => {
    await assert.rejects(sqs.send(new GetQueueUrlCommand({ QueueName: 'js-nope' })), (err) => {
      assert.ok(err instanceof QueueDoesNotExist, err.name);
      assert.equal(err.$metadata.httpStatusCode, 400);
      assert.equal(err.message, 'The specified queue does not exist.');
      return true;
    });
  });
});
