// offstage Node.js runtime interface client ("shim").
//
// Started by the offstage daemon as `node <this file>` with cwd = LAMBDA_TASK_ROOT.
// Speaks the Lambda Runtime API (2018-06-01) to AWS_LAMBDA_RUNTIME_API and reproduces
// the observable behaviour of AWS's Node.js runtime interface client (aws-lambda-ric 3.x,
// the one used by the nodejs18.x/20.x managed runtimes): handler resolution, the
// context object, callback / promise / context.succeed semantics, error bodies,
// console log lines, init errors and crash handling.  See ../README.md.
//
// Only Node built-ins are used.  Offstage extension: the `Offstage-Pending-Work`
// header on /response and /error (asynchronous resources the handler left behind).

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Writable } from 'node:stream';

const require = createRequire(import.meta.url);
const env = process.env;
const API_PREFIX = '/2018-06-01';
const NOOP = () => {};

// ---------------------------------------------------------------------------
// Errors (names and messages as aws-lambda-ric)
// ---------------------------------------------------------------------------

function runtimeErrorClass(shortName) {
  const cls = class extends Error {};
  Object.defineProperty(cls, 'name', { value: shortName });
  cls.prototype.name = `Runtime.${shortName}`;
  return cls;
}
const ImportModuleError = runtimeErrorClass('ImportModuleError');
const HandlerNotFound = runtimeErrorClass('HandlerNotFound');
const MalformedHandlerName = runtimeErrorClass('MalformedHandlerName');
const UserCodeSyntaxError = runtimeErrorClass('UserCodeSyntaxError');
const MalformedStreamingHandler = runtimeErrorClass('MalformedStreamingHandler');
const NodeJsExit = runtimeErrorClass('NodeJsExit');
class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    let message;
    try {
      message = reason === undefined ? undefined : String(reason);
    } catch {
      message = util.inspect(reason);
    }
    super(message);
    this.reason = reason;
    this.promise = promise;
  }
}
UnhandledPromiseRejection.prototype.name = 'Runtime.UnhandledPromiseRejection';

const NODEJS_EXIT_MESSAGE =
  'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly ' +
  'caused by a Promise that was never settled. For more information, see ' +
  'https://nodejs.org/docs/latest/api/process.html#exit-codes';

function isErrorLike(obj) {
  return (
    obj &&
    obj.name &&
    obj.message &&
    obj.stack &&
    typeof obj.name === 'string' &&
    typeof obj.message === 'string' &&
    typeof obj.stack === 'string'
  );
}

// The JSON body posted to /error and /init/error.
function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || isErrorLike(error)) {
      return {
        errorType: error.name,
        errorMessage: error.message,
        trace: typeof error.stack === 'string' ? error.stack.split('\n') : [],
      };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
      trace: [],
    };
  }
}

function intoError(err) {
  return err instanceof Error ? err : new Error(err);
}

function withEnumerableProperties(value) {
  if (value instanceof Error) {
    const ret = Object.assign(
      { errorType: value.name, errorMessage: value.message, code: value.code },
      value,
    );
    if (typeof value.stack === 'string') ret.stack = value.stack.split('\n');
    return ret;
  }
  return value;
}

// "\t{json}" as printed after "Invoke Error" / "Uncaught Exception" in text logs.
function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_k, v) => withEnumerableProperties(v));
  } catch {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

// ---------------------------------------------------------------------------
// Console patch: one line per call, `${ISO time}\t${requestId}\t${LEVEL}\t${message}`
// ---------------------------------------------------------------------------

const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');
const LEVELS = Object.freeze({
  TRACE: { name: 'TRACE', priority: 1 },
  DEBUG: { name: 'DEBUG', priority: 2 },
  INFO: { name: 'INFO', priority: 3 },
  WARN: { name: 'WARN', priority: 4 },
  ERROR: { name: 'ERROR', priority: 5 },
  FATAL: { name: 'FATAL', priority: 6 },
});
const JSON_LOGS = (env.AWS_LAMBDA_LOG_FORMAT || '').toUpperCase() === 'JSON';

function jsonErrorReplacer(_key, value) {
  if (value instanceof Error) {
    return Object.assign(
      {
        errorType: value?.constructor?.name ?? 'UnknownError',
        errorMessage: value.message,
        stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
      },
      value,
    );
  }
  return value;
}

function formatJsonLine(requestId, timestamp, level, messageParams) {
  const result = { timestamp, level: level.name, requestId };
  if (messageParams.length === 1) {
    result.message = messageParams[0];
    try {
      return JSON.stringify(result, jsonErrorReplacer);
    } catch {
      result.message = util.format(result.message);
      return JSON.stringify(result);
    }
  }
  result.message = util.format(...messageParams);
  for (const param of messageParams) {
    if (param instanceof Error) {
      result.errorType = param?.constructor?.name ?? 'UnknownError';
      result.errorMessage = param.message;
      result.stackTrace = typeof param.stack === 'string' ? param.stack.split('\n') : [];
      break;
    }
  }
  return JSON.stringify(result);
}

function writeLogLine(level, message, params) {
  const time = new Date().toISOString();
  const requestId = globalThis[REQUEST_ID];
  let line = JSON_LOGS
    ? formatJsonLine(requestId, time, level, [message, ...params])
    : `${time}\t${requestId}\t${level.name}\t${util.format(message, ...params)}`;
  line = line.replace(/\n/g, '\r');
  try {
    process.stdout.write(line + '\n');
  } catch {
    // stdout gone (daemon closed the pipe): nothing sensible to do.
  }
}

function patchConsole() {
  const minLevel = LEVELS[(env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase()] ?? LEVELS.TRACE;
  const make = (level) =>
    level.priority >= minLevel.priority
      ? (message, ...params) => writeLogLine(level, message, params)
      : NOOP;
  console.trace = make(LEVELS.TRACE);
  console.debug = make(LEVELS.DEBUG);
  console.info = make(LEVELS.INFO);
  console.log = console.info;
  console.warn = make(LEVELS.WARN);
  console.error = make(LEVELS.ERROR);
  console.fatal = (message, ...params) => writeLogLine(LEVELS.FATAL, message, params);
}

// "Invoke Error", "Uncaught Exception", "Unhandled Promise Rejection" lines.
function logError(prefix, err) {
  if (JSON_LOGS) console.error(intoError(err));
  else console.error(prefix, toFormatted(intoError(err)));
}

function fatal(message) {
  try {
    process.stderr.write(`offstage runtime shim: ${message}\n`);
  } finally {
    process.exit(1);
  }
}

// ---------------------------------------------------------------------------
// Pending-work accounting (offstage extension)
// ---------------------------------------------------------------------------

// process.stdout and process.stderr create their handles (PipeWrap, TTYWrap) lazily, on first
// use, and keep them for the life of the process: touch them once before the first snapshot so
// a handler's first console.log is not mistaken for work it left behind.
void process.stdout;
void process.stderr;

function snapshotResources() {
  return typeof process.getActiveResourcesInfo === 'function'
    ? process.getActiveResourcesInfo()
    : [];
}

// Multiset difference after - before, as a sorted list of resource names.
function pendingWork(before) {
  if (!before) return [];
  const counts = new Map();
  for (const name of before) counts.set(name, (counts.get(name) || 0) + 1);
  const left = [];
  for (const name of snapshotResources()) {
    const n = counts.get(name) || 0;
    if (n > 0) counts.set(name, n - 1);
    else left.push(name);
  }
  return left.sort();
}

// JSON, but only ASCII so it is always a legal header value.
function asciiJson(value) {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
  );
}

function headerSafe(value) {
  return String(value).replace(/[^\x20-\x7e]/g, '?');
}

// ---------------------------------------------------------------------------
// Runtime API client: one keep-alive connection, never timed out.
// ---------------------------------------------------------------------------

class RapidClient {
  constructor(hostPort) {
    const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(hostPort || '');
    if (!m) fatal(`AWS_LAMBDA_RUNTIME_API must be host:port, got '${hostPort}'`);
    this.hostname = m[1];
    this.port = parseInt(m[2], 10);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  request(method, urlPath, headers, body, retried = false) {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { hostname: this.hostname, port: this.port, method, path: urlPath, headers, agent: this.agent },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () =>
            resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      req.on('error', (err) => {
        // The daemon may have closed the idle keep-alive socket just as we reused it.
        if (!retried && req.reusedSocket && err.code === 'ECONNRESET') {
          resolve(this.request(method, urlPath, headers, body, true));
        } else {
          reject(err);
        }
      });
      req.end(body);
    });
  }

  async nextInvocation() {
    const res = await this.request('GET', `${API_PREFIX}/runtime/invocation/next`, {});
    if (res.status !== 200) {
      throw new Error(`GET /runtime/invocation/next returned ${res.status}: ${res.body.toString()}`);
    }
    // Let the agent take the socket back (it is unref'd while idle) before user code runs.
    await new Promise((resolve) => setImmediate(resolve));
    return res;
  }

  async post(urlPath, body, headers) {
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    const res = await this.request('POST', urlPath, { ...headers, 'Content-Length': buf.length }, buf);
    if (res.status >= 500) {
      fatal(`POST ${urlPath} returned ${res.status}: ${res.body.toString()}`);
    }
    return res;
  }

  postResponse(id, body, contentType, pending) {
    const headers = { 'Content-Type': contentType || 'application/json' };
    if (pending.length) headers['Offstage-Pending-Work'] = asciiJson(pending);
    return this.post(`${API_PREFIX}/runtime/invocation/${encodeURIComponent(id)}/response`, body, headers);
  }

  postError(id, error, pending) {
    const response = toRapidResponse(error);
    const headers = {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Function-Error-Type': headerSafe(response.errorType),
    };
    if (pending.length) headers['Offstage-Pending-Work'] = asciiJson(pending);
    return this.post(
      `${API_PREFIX}/runtime/invocation/${encodeURIComponent(id)}/error`,
      JSON.stringify(response),
      headers,
    );
  }

  postInitError(error) {
    const response = toRapidResponse(error);
    return this.post(`${API_PREFIX}/runtime/init/error`, JSON.stringify(response), {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Function-Error-Type': headerSafe(response.errorType),
    });
  }
}

// ---------------------------------------------------------------------------
// Handler resolution (as aws-lambda-ric UserFunction.js)
// ---------------------------------------------------------------------------

const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HANDLER_HIGHWATERMARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const STREAM_RESPONSE = 'response';
const HTTP_PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';

class HttpResponseStream {
  static from(underlyingStream, prelude) {
    underlyingStream.setContentType(HTTP_PRELUDE_CONTENT_TYPE);
    const metadata = JSON.stringify(prelude);
    underlyingStream._onBeforeFirstWrite = (write) => {
      write(metadata);
      write(new Uint8Array(8));
    };
    return underlyingStream;
  }
}

function installAwsLambdaGlobal() {
  const off = env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA;
  if (off === '1' || off === 'true') return;
  globalThis.awslambda = {
    streamifyResponse: (handler, options) => {
      handler[HANDLER_STREAMING] = STREAM_RESPONSE;
      if (typeof options?.highWaterMark === 'number') {
        handler[HANDLER_HIGHWATERMARK] = parseInt(options.highWaterMark);
      }
      return handler;
    },
    HttpResponseStream,
  };
}

function tryRequireFile(file, ext = '') {
  const p = file + ext;
  return fs.existsSync(p) ? require(p) : undefined;
}

async function tryImportFile(file, ext = '') {
  const p = file + ext;
  return fs.existsSync(p) ? await import(pathToFileURL(p).href) : undefined;
}

function folderIsTypeModule(folder) {
  if (folder.endsWith('/node_modules')) return false;
  const pj = path.join(folder, 'package.json');
  if (fs.existsSync(pj)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(pj));
      if (pkg) return pkg.type === 'module';
    } catch (e) {
      console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
      return false;
    }
  }
  if (folder === '/') return false;
  return folderIsTypeModule(path.resolve(folder, '..'));
}

async function loadModule(appRoot, moduleRoot, moduleName) {
  const lambdaStylePath = path.resolve(appRoot, moduleRoot, moduleName);
  const extensionless = tryRequireFile(lambdaStylePath);
  if (extensionless) return extensionless;

  const typeModule = folderIsTypeModule(path.dirname(lambdaStylePath));
  if (!typeModule) {
    const loaded = tryRequireFile(lambdaStylePath, '.js');
    if (loaded) return loaded;
  }
  const loaded =
    (typeModule && (await tryImportFile(lambdaStylePath, '.js'))) ||
    (await tryImportFile(lambdaStylePath, '.mjs')) ||
    tryRequireFile(lambdaStylePath, '.cjs');
  if (loaded) return loaded;

  // Fall back to Node resolution (node_modules, directories with index.js, ...).
  const nodeStylePath = require.resolve(moduleName, { paths: [appRoot, moduleRoot] });
  return require(nodeStylePath);
}

async function loadHandler(appRoot, fullHandlerString) {
  if (fullHandlerString.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullHandlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const handlerString = path.basename(fullHandlerString);
  const moduleRoot = fullHandlerString.substring(0, fullHandlerString.indexOf(handlerString));
  const match = handlerString.match(/^([^.]*)\.(.*)$/);
  if (!match || match.length !== 3) throw new MalformedHandlerName('Bad handler');
  const [, moduleName, handlerPath] = match;

  installAwsLambdaGlobal();
  let userApp;
  try {
    userApp = await loadModule(appRoot, moduleRoot, moduleName);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(e);
    if (e && e.code === 'MODULE_NOT_FOUND') throw new ImportModuleError(e);
    throw e;
  }

  const handlerFunc = handlerPath.split('.').reduce((obj, key) => obj && obj[key], userApp);
  if (!handlerFunc) throw new HandlerNotFound(`${fullHandlerString} is undefined or not exported`);
  if (typeof handlerFunc !== 'function') throw new HandlerNotFound(`${fullHandlerString} is not a function`);
  return handlerFunc;
}

function isStreamingHandler(handler) {
  const mark = handler[HANDLER_STREAMING];
  if (mark === undefined || mark === null || mark === false) return false;
  if (mark === STREAM_RESPONSE) return true;
  throw new MalformedStreamingHandler('Only response streaming is supported.');
}

function isAsyncFunction(fn) {
  try {
    return fn.constructor && fn.constructor.name === 'AsyncFunction';
  } catch {
    return false;
  }
}

function isPromise(obj) {
  return obj && obj.then && typeof obj.then === 'function';
}

// ---------------------------------------------------------------------------
// Invocation loop (as aws-lambda-ric Runtime.js / CallbackContext.js)
// ---------------------------------------------------------------------------

const client = new RapidClient(env.AWS_LAMBDA_RUNTIME_API);
let handlerFunc;
let handlerIsAsync = false;
let handlerIsStreaming = false;

let beforeExitListener = NOOP;
process.on('beforeExit', () => beforeExitListener());

// Crash handlers: before the first invocation they report an init error, afterwards an
// invocation error for the most recent request id; then the process exits (as the RIC).
const errorCallbacks = {
  uncaughtException: (error) => reportAndExit(() => client.postInitError(error), 129),
  unhandledRejection: (error) => reportAndExit(() => client.postInitError(error), 128),
};
let exiting = false;
function reportAndExit(post, code) {
  if (exiting) return;
  exiting = true;
  post().then(
    () => process.exit(code),
    () => process.exit(code),
  );
}

process.on('uncaughtException', (error) => {
  logError('Uncaught Exception', error);
  errorCallbacks.uncaughtException(error);
});
process.on('unhandledRejection', (reason, promise) => {
  const error = new UnhandledPromiseRejection(reason, promise);
  logError('Unhandled Promise Rejection', error);
  errorCallbacks.unhandledRejection(error);
});

function scheduleIteration() {
  setImmediate(() => {
    handleOnce().catch((err) => {
      console.log(`Unexpected Top Level Error: ${err && err.toString()}`);
      errorCallbacks.uncaughtException(err);
    });
  });
}

function parseJsonHeader(value, name) {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
  }
}

// One invocation: reports exactly once, computes pending work just before posting.
class Invocation {
  constructor(id) {
    this.id = id;
    this.reported = false;
    this.baseline = undefined; // getActiveResourcesInfo() just before the handler ran
  }

  markCompleted() {
    this.reported = true;
  }

  succeed(result, contentType) {
    if (this.reported) {
      console.error(
        'Invocation has already been reported as done. Cannot call complete more than once per invocation.',
      );
      return;
    }
    let body;
    if (Buffer.isBuffer(result) && contentType) {
      body = result;
    } else {
      try {
        body = JSON.stringify(result === undefined ? null : result);
      } catch {
        this.fail(new Error('Unable to stringify response body'));
        return;
      }
      if (body === undefined) body = 'null';
    }
    this.reported = true;
    beforeExitListener = NOOP;
    this.post((pending) => client.postResponse(this.id, body, contentType, pending));
  }

  fail(error) {
    if (this.reported) return;
    this.reported = true;
    beforeExitListener = NOOP;
    logError('Invoke Error', error);
    this.post((pending) => client.postError(this.id, error, pending));
  }

  // The pending-work snapshot is taken one turn of the event loop after the outcome is
  // known, so handles the handler created via nextTick/microtasks (e.g. an un-awaited
  // server.listen()) are seen; then the outcome is posted and the next /next follows.
  post(send) {
    setImmediate(() => {
      const pending = pendingWork(this.baseline);
      send(pending).then(scheduleIteration, (err) => fatal(`posting the result failed: ${err.message}`));
    });
  }
}

// callback, and the callback part of the context (succeed/fail/done,
// callbackWaitsForEmptyEventLoop).  Only the first call of any of them counts.
function buildCallbackContext(inv) {
  let waitForEmptyEventLoop = true;

  const callback = (err, result) => {
    beforeExitListener = NOOP;
    if (err !== undefined && err !== null) {
      inv.fail(err);
    } else if (!waitForEmptyEventLoop) {
      inv.succeed(result);
    } else {
      beforeExitListener = () => setImmediate(() => inv.succeed(result));
    }
  };
  const done = (err, result) => {
    beforeExitListener = NOOP;
    if (err !== undefined && err !== null) inv.fail(err);
    else inv.succeed(result);
  };
  const succeed = (result) => done(null, result);
  const fail = (err) => (err === undefined || err === null ? done('handled') : done(err, null));

  let finished = false;
  const once =
    (fn) =>
    (...args) => {
      if (finished) return;
      finished = true;
      fn(...args);
    };

  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
    succeed: once(succeed),
    fail: once(fail),
    done: once(done),
  };
  return [once(callback), context];
}

function attachEnvironmentData(context, headers) {
  if (headers['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = headers['lambda-runtime-trace-id'];
  else delete process.env._X_AMZN_TRACE_ID;
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  return Object.assign(
    context,
    {
      functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
      functionName: env.AWS_LAMBDA_FUNCTION_NAME,
      memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    },
    {
      clientContext: parseJsonHeader(headers['lambda-runtime-client-context'], 'ClientContext'),
      identity: parseJsonHeader(headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
      invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
      awsRequestId: headers['lambda-runtime-aws-request-id'],
      tenantId: headers['lambda-runtime-aws-tenant-id'],
      getRemainingTimeInMillis: () => deadline - Date.now(),
    },
  );
}

async function handleOnce() {
  let next;
  try {
    next = await client.nextInvocation();
  } catch (err) {
    fatal(`waiting for the next invocation failed: ${err.message}`);
  }
  const headers = next.headers; // already lower-cased by node:http
  const id = headers['lambda-runtime-aws-request-id'];
  if (!id) fatal('next invocation has no Lambda-Runtime-Aws-Request-Id header');
  globalThis[REQUEST_ID] = id;

  const inv = new Invocation(id);
  errorCallbacks.uncaughtException = (error) => reportAndExit(() => client.postError(id, error, []), 129);
  errorCallbacks.unhandledRejection = (error) => reportAndExit(() => client.postError(id, error, []), 128);

  if (handlerIsStreaming) return handleOnceStreaming(inv, next);

  // If the event loop drains without an outcome: sync/callback handlers succeed with
  // null, async handlers fail with Runtime.NodeJsExit (as the RIC).
  beforeExitListener = () => {
    if (inv.reported) return;
    if (handlerIsAsync) {
      inv.fail(new NodeJsExit(NODEJS_EXIT_MESSAGE));
    } else {
      inv.succeed(null);
    }
  };

  const [callback, callbackContext] = buildCallbackContext(inv);
  try {
    const event = JSON.parse(next.body.toString('utf8'));
    const context = attachEnvironmentData(callbackContext, headers);
    inv.baseline = snapshotResources();
    const result = handlerFunc(event, context, callback);
    if (isPromise(result)) {
      result.then(context.succeed, context.fail).catch(context.fail);
    }
  } catch (err) {
    callback(err);
  }
}

// Response streaming handlers (awslambda.streamifyResponse): the stream is buffered and
// posted as one response when the handler's promise settles.
async function handleOnceStreaming(inv, next) {
  beforeExitListener = () => {
    if (!inv.reported) inv.fail(new NodeJsExit(NODEJS_EXIT_MESSAGE));
  };
  const chunks = [];
  let contentType = 'application/octet-stream';
  let firstWrite = true;
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  stream.setContentType = (ct) => {
    contentType = ct;
  };
  const origWrite = stream.write.bind(stream);
  const origEnd = stream.end.bind(stream);
  const prelude = () => {
    if (firstWrite) {
      firstWrite = false;
      if (typeof stream._onBeforeFirstWrite === 'function') stream._onBeforeFirstWrite(origWrite);
    }
  };
  stream.write = (...args) => {
    prelude();
    return origWrite(...args);
  };
  stream.end = (...args) => {
    prelude();
    return origEnd(...args);
  };
  const finished = new Promise((resolve) => stream.on('finish', resolve));
  try {
    const event = JSON.parse(next.body.toString('utf8'));
    const context = attachEnvironmentData({ callbackWaitsForEmptyEventLoop: false }, next.headers);
    inv.baseline = snapshotResources();
    const result = handlerFunc(event, stream, context);
    if (!isPromise(result)) {
      inv.fail(new Error('Streaming does not support non-async handlers.'));
      return;
    }
    const value = await result;
    if (typeof value !== 'undefined') console.warn('Streaming handlers ignore return values.');
    if (!stream.writableEnded) {
      inv.fail(new Error('Response stream is not finished.'));
      return;
    }
    await finished;
    inv.succeed(Buffer.concat(chunks), contentType);
  } catch (err) {
    inv.fail(err);
  }
}

// ---------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------

patchConsole();
try {
  const appRoot = env.LAMBDA_TASK_ROOT || process.cwd();
  handlerFunc = await loadHandler(appRoot, env._HANDLER || '');
  handlerIsAsync = isAsyncFunction(handlerFunc);
  handlerIsStreaming = isStreamingHandler(handlerFunc);
} catch (error) {
  logError('Uncaught Exception', error);
  reportAndExit(() => client.postInitError(error), 129);
}
if (!exiting) scheduleIteration();
