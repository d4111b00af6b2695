// Lambda through the real AWS SDK for JavaScript v3 (@aws-sdk/client-lambda), against one
// offstage daemon. The client gets its endpoint only from AWS_ENDPOINT_URL (harness useEndpoint):
// the LambdaClient is built with no endpoint option. Handlers are tests/fixtures/functions/.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  LambdaClient,
  CreateFunctionCommand,
  InvokeCommand,
  GetFunctionCommand,
  UpdateFunctionConfigurationCommand,
  DeleteFunctionCommand,
  PutFunctionConcurrencyCommand,
  PublishVersionCommand,
  ListVersionsByFunctionCommand,
  CreateAliasCommand,
  UpdateAliasCommand,
  GetAliasCommand,
  ListAliasesCommand,
  DeleteAliasCommand,
  InvokeWithResponseStreamCommand,
  PublishLayerVersionCommand,
  GetLayerVersionCommand,
  GetLayerVersionByArnCommand,
  ListLayersCommand,
  ListLayerVersionsCommand,
  DeleteLayerVersionCommand,
  AddLayerVersionPermissionCommand,
  GetLayerVersionPolicyCommand,
  RemoveLayerVersionPermissionCommand,
  CreateFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  UpdateFunctionUrlConfigCommand,
  ListFunctionUrlConfigsCommand,
  DeleteFunctionUrlConfigCommand,
  paginateListFunctions,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { startDaemon, useEndpoint } from './harness.mjs';
import { ROLE, arnOf, zipEntries, zipFixture } from './lambda_fixtures.mjs';

const decode = (payload) => JSON.parse(new TextDecoder().decode(payload));
const encode = (value) => new TextEncoder().encode(JSON.stringify(value));

let daemon;
let lambda;
let counter = 0;
const unique = (prefix) => `${prefix}-${process.pid}-${++counter}`;

// Timeout 60: with a busy process on each core, a nice-19 function in this daemon's session gets
// ~1.5% of a core and its cold start alone took over 3 s (the default): it then ends as
// Sandbox.Timedout, with a CPU-WAIT warning, instead of its own outcome (docs/compatibility.md, CPU).
async function create(prefix, fixtureName, extra = {}) {
  const name = unique(prefix);
  await lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler',
    Code: { ZipFile: zipFixture(fixtureName) }, Timeout: 60, ...extra,
  }));
  return name;
}

async function expectError(promise, name, status, message) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.name, name, `err.name (message was: ${err.message})`);
    assert.equal(err.$metadata?.httpStatusCode, status);
    if (message !== undefined) assert.equal(err.message, message);
    assert.equal(typeof err.$metadata.requestId, 'string');
    return true;
  });
}

describe('Lambda via @aws-sdk/client-lambda', () => {
  before(async () => {
    daemon = await startDaemon();
    useEndpoint(daemon.endpoint);
    lambda = new LambdaClient({ maxAttempts: 1 });
  });

  after(async () => {
    lambda?.destroy();
    const code = await daemon?.stop();
    assert.equal(code, 0, 'offstage exit status\n' + daemon?.output.join(''));
  });

  it('creates a function from a Uint8Array zip', async () => {
    const zip = zipFixture('node-cjs');
    const name = unique('create');
    const out = await lambda.send(new CreateFunctionCommand({
      FunctionName: name, Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler',
      Code: { ZipFile: zip },
    }));
    assert.equal(out.$metadata.httpStatusCode, 201);
    assert.equal(out.FunctionArn, arnOf(name));
    assert.equal(out.CodeSize, zip.length);
    assert.equal(out.CodeSha256, createHash('sha256').update(zip).digest('base64'));
    assert.equal(out.Timeout, 3);
    assert.equal(out.MemorySize, 128);
    const waited = await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 10, minDelay: 1 },
      { FunctionName: name });
    assert.equal(waited.state, 'SUCCESS');
  });

  it('invokes with a Uint8Array payload and decodes the result', async () => {
    const name = await create('invoke', 'node-cjs');
    const out = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: encode({ a: 1 }) }));
    assert.equal(out.StatusCode, 200);
    assert.equal(out.ExecutedVersion, '$LATEST');
    assert.equal(out.FunctionError, undefined);
    assert.ok(out.Payload instanceof Uint8Array);
    const body = decode(out.Payload);
    assert.deepEqual(body.event, { a: 1 });
    assert.equal(body.functionName, name);
    assert.equal(body.invokedFunctionArn, arnOf(name));
    assert.equal(body.awsRequestId, out.$metadata.requestId);
  });

  it('returns the log tail and the function error', async () => {
    const name = await create('tail', 'node-throws');
    const out = await lambda.send(new InvokeCommand({
      FunctionName: name, Payload: encode({ reason: 'js' }), LogType: 'Tail',
    }));
    assert.equal(out.StatusCode, 200);
    assert.equal(out.FunctionError, 'Unhandled');
    const body = decode(out.Payload);
    assert.equal(body.errorType, 'Error');
    assert.equal(body.errorMessage, 'boom: js');
    assert.ok(Array.isArray(body.trace));
    const log = Buffer.from(out.LogResult, 'base64').toString();
    assert.match(log, new RegExp(`START RequestId: ${out.$metadata.requestId} Version: \\$LATEST`));
    assert.match(log, /\tINFO\tabout to throw/);
    assert.match(log, /END RequestId: /);
    assert.match(log, /REPORT RequestId: .*\tInit Duration: /);
  });

  it('invokes with InvocationType Event and DryRun', async () => {
    const name = await create('async', 'node-cjs');
    const event = await lambda.send(new InvokeCommand({
      FunctionName: name, InvocationType: 'Event', Payload: encode({}),
    }));
    assert.equal(event.StatusCode, 202);
    const dry = await lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: 'DryRun' }));
    assert.equal(dry.StatusCode, 204);
  });

  it('gets a function and updates its configuration', async () => {
    const name = await create('conf', 'node-env');
    const got = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
    assert.equal(got.Configuration.FunctionName, name);
    assert.equal(got.Configuration.State, 'Active');
    assert.equal(got.Configuration.LastUpdateStatus, 'Successful');
    const updated = await lambda.send(new UpdateFunctionConfigurationCommand({
      FunctionName: name, Timeout: 70, Environment: { Variables: { GREETING: 'hi from js' } },
    }));
    assert.equal(updated.Timeout, 70);
    assert.deepEqual(updated.Environment, { Variables: { GREETING: 'hi from js' } });
    const out = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: encode({}) }));
    const body = decode(out.Payload);
    assert.equal(body.env.GREETING, 'hi from js');
    assert.ok(body.remainingMs > 3000, `remaining ${body.remainingMs} ms`);
  });

  it('pages through ListFunctions with the paginator', async () => {
    const names = [];
    for (let i = 0; i < 4; i++) names.push(await create('page', 'node-cjs'));
    const seen = [];
    let pages = 0;
    for await (const page of paginateListFunctions({ client: lambda, pageSize: 2 }, {})) {
      pages++;
      assert.ok(page.Functions.length <= 2);
      seen.push(...page.Functions.map((f) => f.FunctionName));
    }
    assert.ok(pages >= 2);
    assert.equal(new Set(seen).size, seen.length, 'no function twice');
    for (const name of names) assert.ok(seen.includes(name), `${name} listed`);
  });

  it('deletes a function, after which it is not found', async () => {
    const name = await create('del', 'node-cjs');
    const out = await lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
    assert.equal(out.$metadata.httpStatusCode, 204);
    await expectError(lambda.send(new GetFunctionCommand({ FunctionName: name })),
      'ResourceNotFoundException', 404, `Function not found: ${arnOf(name)}`);
  });

  it('names the errors as the SDK models them', async () => {
    await expectError(lambda.send(new InvokeCommand({ FunctionName: 'js-missing', Payload: encode({}) })),
      'ResourceNotFoundException', 404, `Function not found: ${arnOf('js-missing')}`);
    const name = await create('err', 'node-cjs');
    await expectError(lambda.send(new CreateFunctionCommand({
      FunctionName: name, Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler',
      Code: { ZipFile: zipFixture('node-cjs') },
    })), 'ResourceConflictException', 409, `Function already exist: ${name}`);
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 0 }));
    await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: name, Payload: encode({}) })), (err) => {
      assert.equal(err.name, 'TooManyRequestsException');
      assert.equal(err.$metadata.httpStatusCode, 429);
      assert.equal(err.Reason, 'ReservedFunctionConcurrentInvocationLimitExceeded');
      return true;
    });
  });
  it('publishes versions and routes aliases (issue #17)', async () => {
    const name = await create('js-ver', 'node-cjs');
    const arn = arnOf(name);
    const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: name }));
    assert.equal(v1.$metadata.httpStatusCode, 201);
    assert.equal(v1.Version, '1');
    assert.equal(v1.FunctionArn, `${arn}:1`);
    await lambda.send(new UpdateFunctionConfigurationCommand({
      FunctionName: name, Description: 'second' }));
    const v2 = await lambda.send(new PublishVersionCommand({ FunctionName: name }));
    assert.equal(v2.Version, '2');
    const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name }));
    assert.deepEqual(versions.Versions.map((v) => v.Version), ['$LATEST', '1', '2']);

    const alias = await lambda.send(new CreateAliasCommand({
      FunctionName: name, Name: 'live', FunctionVersion: '1' }));
    assert.equal(alias.$metadata.httpStatusCode, 201);
    assert.equal(alias.AliasArn, `${arn}:live`);
    let out = await lambda.send(new InvokeCommand({
      FunctionName: name, Qualifier: 'live', Payload: encode({}) }));
    assert.equal(out.ExecutedVersion, '1');
    assert.equal(decode(out.Payload).invokedFunctionArn, `${arn}:live`);
    assert.equal(decode(out.Payload).functionVersion, '1');
    const moved = await lambda.send(new UpdateAliasCommand({
      FunctionName: name, Name: 'live', FunctionVersion: '2', RevisionId: alias.RevisionId }));
    assert.equal(moved.FunctionVersion, '2');
    out = await lambda.send(new InvokeCommand({ FunctionName: `${arn}:live`, Payload: encode({}) }));
    assert.equal(out.ExecutedVersion, '2');
    const got = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
    assert.equal(got.RevisionId, moved.RevisionId);
    const listed = await lambda.send(new ListAliasesCommand({ FunctionName: name }));
    assert.deepEqual(listed.Aliases.map((a) => a.Name), ['live']);
    await expectError(lambda.send(new CreateAliasCommand({
      FunctionName: name, Name: 'live', FunctionVersion: '1' })),
    'ResourceConflictException', 409, `Alias already exists: ${arn}:live`);
    await expectError(lambda.send(new DeleteFunctionCommand({ FunctionName: name, Qualifier: '2' })),
      'ResourceConflictException', 409,
      'Unable to delete version because the following aliases reference it: [live]');
    const deleted = await lambda.send(new DeleteAliasCommand({ FunctionName: name, Name: 'live' }));
    assert.equal(deleted.$metadata.httpStatusCode, 204);
    await expectError(lambda.send(new InvokeCommand({
      FunctionName: name, Qualifier: 'live', Payload: encode({}) })),
    'ResourceNotFoundException', 404, `Function not found: ${arn}:live`);
  });
  it('serves a function URL (issue #17)', async () => {
    const name = await create('js-url', 'node-cjs');
    const created = await lambda.send(new CreateFunctionUrlConfigCommand({
      FunctionName: name, AuthType: 'NONE' }));
    assert.equal(created.$metadata.httpStatusCode, 201);
    const url = new URL(created.FunctionUrl);
    assert.match(url.hostname, /^[a-z0-9]{32}\.lambda-url\.us-east-1\.localhost$/);
    const got = await lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: name }));
    assert.equal(got.FunctionUrl, created.FunctionUrl);
    assert.equal(got.InvokeMode, 'BUFFERED');
    const updated = await lambda.send(new UpdateFunctionUrlConfigCommand({
      FunctionName: name, Cors: { AllowOrigins: ['http://app.test'] } }));
    assert.deepEqual(updated.Cors.AllowOrigins, ['http://app.test']);
    const listed = await lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: name }));
    assert.equal(listed.FunctionUrlConfigs.length, 1);
    // The path form needs no name resolution.
    const id = url.hostname.split('.')[0];
    const response = await fetch(`${daemon.endpoint}/lambda-url/${id}/hello?x=1`, {
      method: 'POST', body: JSON.stringify({ n: 1 }), headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.status, 200);
    const out = await response.json();
    assert.equal(out.event.rawPath, '/hello');
    assert.deepEqual(out.event.queryStringParameters, { x: '1' });
    assert.equal(out.event.body, '{"n":1}');
    assert.equal(response.headers.get('x-amzn-requestid'), out.awsRequestId);
    const deleted = await lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: name }));
    assert.equal(deleted.$metadata.httpStatusCode, 204);
    await expectError(lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: name })),
      'ResourceNotFoundException', 404, 'The resource you requested does not exist.');
  });
  it('publishes a layer and runs a function with it (issue #17)', async () => {
    const layerName = `js-layer-${process.pid}`;
    const published = await lambda.send(new PublishLayerVersionCommand({
      LayerName: layerName,
      Content: { ZipFile: zipEntries([
        { name: 'nodejs/node_modules/jsshared/index.js', data: "exports.answer = () => 42;\n" },
      ]) },
      CompatibleRuntimes: ['nodejs20.x'],
    }));
    assert.equal(published.$metadata.httpStatusCode, 201);
    assert.equal(published.Version, 1);
    assert.equal(published.LayerArn, `arn:aws:lambda:us-east-1:000000000000:layer:${layerName}`);
    const got = await lambda.send(new GetLayerVersionCommand({ LayerName: layerName, VersionNumber: 1 }));
    assert.equal(got.Content.CodeSha256, published.Content.CodeSha256);
    const byArn = await lambda.send(new GetLayerVersionByArnCommand({ Arn: published.LayerVersionArn }));
    assert.equal(byArn.Version, 1);
    const versions = await lambda.send(new ListLayerVersionsCommand({ LayerName: layerName }));
    assert.deepEqual(versions.LayerVersions.map((v) => v.Version), [1]);
    const layers = await lambda.send(new ListLayersCommand({ CompatibleRuntime: 'nodejs20.x' }));
    const mine = layers.Layers.find((l) => l.LayerName === layerName);
    assert.equal(mine.LatestMatchingVersion.LayerVersionArn, published.LayerVersionArn);
    const added = await lambda.send(new AddLayerVersionPermissionCommand({
      LayerName: layerName, VersionNumber: 1, StatementId: 'everyone',
      Action: 'lambda:GetLayerVersion', Principal: '*' }));
    assert.equal(JSON.parse(added.Statement).Resource, published.LayerVersionArn);
    const policy = await lambda.send(new GetLayerVersionPolicyCommand({ LayerName: layerName, VersionNumber: 1 }));
    assert.equal(policy.RevisionId, added.RevisionId);
    await lambda.send(new RemoveLayerVersionPermissionCommand({
      LayerName: layerName, VersionNumber: 1, StatementId: 'everyone' }));

    const name = `js-layered-${process.pid}`;
    const created = await lambda.send(new CreateFunctionCommand({
      FunctionName: name, Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler',
      Code: { ZipFile: zipEntries([{ name: 'index.js',
        data: "exports.handler = async () => ({ answer: require('jsshared').answer() });\n" }]) },
      Layers: [published.LayerVersionArn], Timeout: 30,
    }));
    assert.deepEqual(created.Layers, [{ Arn: published.LayerVersionArn, CodeSize: published.Content.CodeSize }]);
    const out = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: encode({}) }));
    assert.equal(out.FunctionError, undefined);
    assert.deepEqual(JSON.parse(Buffer.from(out.Payload).toString()), { answer: 42 });
    await expectError(lambda.send(new CreateFunctionCommand({
      FunctionName: `${name}-x`, Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler',
      Code: { ZipFile: zipFixture('node-cjs') },
      Layers: [`${published.LayerArn}:9`] })),
    'InvalidParameterValueException', 400, `Layer version ${published.LayerArn}:9 does not exist.`);
    const deleted = await lambda.send(new DeleteLayerVersionCommand({ LayerName: layerName, VersionNumber: 1 }));
    assert.equal(deleted.$metadata.httpStatusCode, 204);
  });
  it('streams a response with InvokeWithResponseStream (issue #17)', async () => {
    const name = `js-stream-${process.pid}`;
    await lambda.send(new CreateFunctionCommand({
      FunctionName: name, Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Timeout: 30,
      Code: { ZipFile: zipEntries([{ name: 'index.js', data: `
exports.handler = awslambda.streamifyResponse(async (event, stream) => {
  stream.write('one,');
  stream.write('two');
  stream.end();
});
` }]) },
    }));
    const out = await lambda.send(new InvokeWithResponseStreamCommand({
      FunctionName: name, Payload: encode({}) }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(out.ExecutedVersion, '$LATEST');
    let text = '';
    let complete = null;
    for await (const event of out.EventStream) {
      if (event.PayloadChunk) text += Buffer.from(event.PayloadChunk.Payload).toString();
      if (event.InvokeComplete) complete = event.InvokeComplete;
    }
    assert.equal(text, 'one,two');
    assert.deepEqual(complete, {});
  });
});
