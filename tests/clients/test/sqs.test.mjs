// SQS through the real AWS SDK for JavaScript v3 (@aws-sdk/client-sqs, the JSON 1.0 protocol),
// against one offstage daemon reached only through AWS_ENDPOINT_URL, every SQS action. The SDK checks the MD5 of
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
  SetQueueAttributesCommand,
  TagQueueCommand,
  UntagQueueCommand,
  ListQueueTagsCommand,
  AddPermissionCommand,
  RemovePermissionCommand,
  ChangeMessageVisibilityCommand,
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  PurgeQueueCommand,
  ListDeadLetterSourceQueuesCommand,
  StartMessageMoveTaskCommand,
  ListMessageMoveTasksCommand,
  CancelMessageMoveTaskCommand,
  QueueDoesNotExist,
  ReceiptHandleIsInvalid,
  InvalidAttributeValue,
  ResourceNotFoundException,
  UnsupportedOperation,
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

  it('runs every other action: attributes, tags, permissions, visibility, batches, purge', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'js-all', tags: { team: 'a' } }));
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { VisibilityTimeout: '45' } }));
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['VisibilityTimeout', 'QueueArn'] }));
    assert.equal(attrs.Attributes.VisibilityTimeout, '45');
    await sqs.send(new TagQueueCommand({ QueueUrl, Tags: { env: 'dev' } }));
    await sqs.send(new UntagQueueCommand({ QueueUrl, TagKeys: ['team'] }));
    assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags, { env: 'dev' });
    await sqs.send(new AddPermissionCommand({ QueueUrl, Label: 'p1', AWSAccountIds: ['000000000000'], Actions: ['SendMessage'] }));
    const policy = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Policy'] }));
    assert.equal(JSON.parse(policy.Attributes.Policy).Statement[0].Sid, 'p1');
    await sqs.send(new RemovePermissionCommand({ QueueUrl, Label: 'p1' }));

    await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'a', MessageBody: 'one' }, { Id: 'b', MessageBody: 'two' }, { Id: 'c', MessageBody: 'three' }] }));
    const got = [];
    while (got.length < 3) {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      got.push(...(r.Messages ?? []));
    }
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: got[0].ReceiptHandle, VisibilityTimeout: 0 }));
    const changed = await sqs.send(new ChangeMessageVisibilityBatchCommand({
      QueueUrl,
      Entries: [{ Id: 'x', ReceiptHandle: got[1].ReceiptHandle, VisibilityTimeout: 0 }, { Id: 'y', ReceiptHandle: 'not-a-handle', VisibilityTimeout: 0 }],
    }));
    assert.deepEqual(changed.Successful.map((e) => e.Id), ['x']);
    assert.equal(changed.Failed[0].Id, 'y');
    assert.equal(changed.Failed[0].Code, 'ReceiptHandleIsInvalid');
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    assert.equal(again.Messages.length, 2);
    const deleted = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: again.Messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })) }));
    assert.equal(deleted.Successful.length, 2);
    await sqs.send(new PurgeQueueCommand({ QueueUrl }));
    const empty = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    assert.deepEqual(empty.Attributes, { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
    await assert.rejects(sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { VisibilityTimeout: '99999' } })), (err) => {
      assert.ok(err instanceof InvalidAttributeValue, err.name);
      return true;
    });
    await assert.rejects(sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: 'nope' })), (err) => {
      assert.ok(err instanceof ReceiptHandleIsInvalid, err.name);
      return true;
    });
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  });

  it('redrives a dead-letter queue with a message move task', async () => {
    const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: 'js-dlq' }))).QueueUrl;
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }))).Attributes.QueueArn;
    const src = (await sqs.send(new CreateQueueCommand({
      QueueName: 'js-src',
      Attributes: { VisibilityTimeout: '0', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) },
    }))).QueueUrl;
    await sqs.send(new SendMessageCommand({ QueueUrl: src, MessageBody: 'poison' }));
    assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: src }))).Messages.length, 1);
    assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: src }))).Messages, undefined);
    const sources = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq }));
    assert.deepEqual(sources.queueUrls, [src]);
    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
    let task;
    for (let i = 0; i < 300; i++) {
      [task] = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 10 }))).Results;
      if (task.Status !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(task.Status, 'COMPLETED');
    assert.equal(task.ApproximateNumberOfMessagesMoved, 1);
    const back = await sqs.send(new ReceiveMessageCommand({ QueueUrl: src }));
    assert.equal(back.Messages[0].Body, 'poison');
    await assert.rejects(sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle })), (err) => {
      assert.ok(err instanceof UnsupportedOperation, err.name);
      return true;
    });
    await assert.rejects(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn + '-gone' })), (err) => {
      assert.ok(err instanceof ResourceNotFoundException, err.name);
      assert.equal(err.$metadata.httpStatusCode, 404);
      return true;
    });
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
