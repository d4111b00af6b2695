// serve --verify-signatures through the real AWS SDK for JavaScript v3: its signatures verify
// (SNS awsQuery and Lambda REST-JSON with an ARN in the path), a wrong secret gets AWS's error
// names, a client whose clock is an hour behind gets AWS's "Signature expired" answer and then
// corrects its clock offset from the Date header (the SDK's own clock-skew handling), and a URL
// presigned with the SDK's SignatureV4 works.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { SNSClient, CreateTopicCommand, ListTopicsCommand } from '@aws-sdk/client-sns';
import {
  LambdaClient,
  CreateFunctionCommand,
  GetFunctionCommand,
  ListFunctionsCommand,
} from '@aws-sdk/client-lambda';
import { SignatureV4 } from '@smithy/signature-v4';
import { startDaemon, useEndpoint } from './harness.mjs';
import { ROLE, arnOf, zipFixture } from './lambda_fixtures.mjs';

// The hash constructor SignatureV4 expects, on node:crypto.
class Sha256 {
  constructor(secret) {
    this.hash = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(data) {
    this.hash.update(data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

let daemon;
const unique = (prefix) => `${prefix}-${process.pid}-${Date.now() % 1e9}`;

describe('SigV4 verification with the JS SDK v3', () => {
  before(async () => {
    daemon = await startDaemon(['--ephemeral', '--verify-signatures', '--access-key', 'test:test']);
    useEndpoint(daemon.endpoint);
  });
  after(async () => {
    assert.equal(await daemon.stop(), 0);
  });

  it('good credentials pass for SNS and Lambda', async () => {
    const sns = new SNSClient({});
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: unique('js-signed') }));
    const { Topics } = await sns.send(new ListTopicsCommand({}));
    assert.ok(Topics.some((t) => t.TopicArn === TopicArn));
    const lambda = new LambdaClient({});
    const name = unique('js-signed-fn');
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs20.x',
        Role: ROLE,
        Handler: 'index.handler',
        Code: { ZipFile: zipFixture('node-esm') },
      }),
    );
    const got = await lambda.send(new GetFunctionCommand({ FunctionName: arnOf(name), Qualifier: '$LATEST' }));
    assert.equal(got.Configuration.FunctionName, name);
    sns.destroy();
    lambda.destroy();
  });

  it('a wrong secret gets SignatureDoesNotMatch and InvalidSignatureException', async () => {
    const credentials = { accessKeyId: 'test', secretAccessKey: 'wrong' };
    const sns = new SNSClient({ credentials, maxAttempts: 1 });
    const lambda = new LambdaClient({ credentials, maxAttempts: 1 });
    await assert.rejects(sns.send(new ListTopicsCommand({})), (err) => {
      assert.equal(err.name, 'SignatureDoesNotMatch');
      assert.equal(err.$metadata.httpStatusCode, 403);
      return true;
    });
    await assert.rejects(lambda.send(new ListFunctionsCommand({})), (err) => {
      assert.equal(err.name, 'InvalidSignatureException');
      assert.equal(err.$metadata.httpStatusCode, 403);
      return true;
    });
    sns.destroy();
    lambda.destroy();
  });

  it('a client an hour behind is refused as AWS refuses it, and corrects its clock from the Date header', async () => {
    const cases = [
      [new SNSClient({ systemClockOffset: -3600 * 1000, maxAttempts: 1 }), () => new ListTopicsCommand({}),
        'SignatureDoesNotMatch', '15 min.'],
      [new LambdaClient({ systemClockOffset: -3600 * 1000, maxAttempts: 1 }), () => new ListFunctionsCommand({}),
        'InvalidSignatureException', '5 min.'],
    ];
    for (const [client, command, name, window] of cases) {
      await assert.rejects(client.send(command()), (err) => {
        assert.equal(err.name, name);
        assert.equal(err.$metadata.httpStatusCode, 403);
        assert.match(err.message, /^Signature expired: \d{8}T\d{6}Z is now earlier than /);
        assert.ok(err.message.endsWith(`- ${window})`), err.message);
        return true;
      });
      // The SDK took the daemon's Date header as the right time: the next call is signed with it.
      assert.ok(Math.abs(client.config.systemClockOffset) < 60 * 1000);
      await client.send(command());
      client.destroy();
    }
  });

  it('a URL presigned with SignatureV4 works, and fails once tampered with', async () => {
    const sns = new SNSClient({});
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: unique('js-presigned') }));
    sns.destroy();
    const url = new URL(daemon.endpoint);
    const signer = new SignatureV4({
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      region: 'us-east-1',
      service: 'sns',
      sha256: Sha256,
    });
    const presigned = await signer.presign(
      {
        method: 'GET',
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        query: { Action: 'ListTopics', Version: '2010-03-31' },
        headers: { host: url.host },
      },
      { expiresIn: 300 },
    );
    const query = new URLSearchParams(presigned.query).toString();
    const ok = await fetch(`${daemon.endpoint}/?${query}`);
    const body = await ok.text();
    assert.equal(ok.status, 200, body);
    assert.ok(body.includes(TopicArn));
    const tampered = await fetch(`${daemon.endpoint}/?${query.replace('ListTopics', 'ListSubscriptions')}`);
    assert.equal(tampered.status, 403);
    assert.match(await tampered.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
  });
});
