// offstage Node.js runtime interface client ("shim").
//
// Started by the offstage daemon as `node <this file>` with cwd = LAMBDA_TASK_ROOT.
// Speaks the Lambda Runtime API (2018-06-01) to AWS_LAMBDA_RUNTIME_API and reproduces
// the observable behaviour of AWS's Node.js runtime interface client (aws-lambda-ric 3.x,
// the one used by the nodejs18.x/20.x managed runtimes): handler resolution, the
// context object, callback / promise / context.succeed semantics, error bodies,
// console log lines, init errors and crash handling.  See ../README.md.
//
// Only Node built-ins are used.  Offstage extensions, headers on /response and /error:
// `Offstage-Pending-Work` (asynchronous resources the handler left behind) and
// `Offstage-Handler-Run` (CLOCK_MONOTONIC nanoseconds when the handler was called and when
// its outcome was known, "start,end").

import net from 'node:net';
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

// "HTTP/1.1 200 OK\r\nName: value..." -> { status, headers (lower-cased names), length, chunked }
function parseHead(text) {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
  if (!m) return null;
  const headers = {};
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    if (colon <= 0) continue;
    headers[lines[i].slice(0, colon).trim().toLowerCase()] = lines[i].slice(colon + 1).trim();
  }
  const chunked = /chunked/i.test(headers['transfer-encoding'] || '');
  const length = chunked ? 0 : Number(headers['content-length'] || 0);
  if (!Number.isSafeInteger(length) || length < 0) return null;
  return { status: Number(m[1]), headers, length, chunked };
}

// The body of a chunked response: a Buffer when complete, null when more bytes are needed,
// false when malformed.
function decodeChunked(buf) {
  const parts = [];
  let pos = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', pos);
    if (eol < 0) return null;
    const size = parseInt(buf.subarray(pos, eol).toString('latin1'), 16);
    if (Number.isNaN(size) || size < 0) return false;
    if (size === 0) return buf.indexOf('\r\n\r\n', eol) === eol ? Buffer.concat(parts) : null;
    if (buf.length < eol + 2 + size + 2) return null;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
}

// ---------------------------------------------------------------------------
// Runtime API client: one keep-alive TCP connection, requests one at a time.
//
// A minimal HTTP/1.1 client on a raw socket rather than node:http: the Runtime API exchange
// sits inside every invocation's recorded duration, and node:http's client costs about
// 0.3 ms per exchange on this path where a single write and a small parser cost a tenth of
// that (measured: docs/tracing.md, "How exact the durations are").  AWS's own runtime
// clients do the same with a native HTTP client.  While no request is in flight the socket
// is unref'd, so it never keeps the event loop alive (the beforeExit semantics rely on it).
// ---------------------------------------------------------------------------

const HEADER_END = Buffer.from('\r\n\r\n');

class RapidClient {
  constructor(hostPort) {
    const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(hostPort || '');
    if (!m) fatal(`AWS_LAMBDA_RUNTIME_API must be host:port, got '${hostPort}'`);
    this.hostname = m[1];
    this.port = parseInt(m[2], 10);
    this.hostHeader = hostPort;
    this.socket = null;
    this.tail = null; // the last request in flight: requests are serialised on the one connection
  }

  request(method, urlPath, headers, body) {
    const run = () => this.exchange(method, urlPath, headers, body, false);
    // Start at once when the connection is free (the usual case: not even a microtask's delay).
    const result = this.tail ? this.tail.then(run, run) : run();
    const tail = result.then(NOOP, NOOP);
    this.tail = tail;
    tail.then(() => {
      if (this.tail === tail) this.tail = null;
    });
    return result;
  }

  exchange(method, urlPath, headers, body, retried) {
    const reused = this.socket !== null;
    return new Promise((resolve, reject) => {
      const socket = this.socket || this.connect();
      let received = Buffer.alloc(0);
      let head = null; // { status, headers, bodyStart, length }
      const done = (err, res) => {
        socket.off('data', onData);
        socket.off('error', onError);
        socket.off('close', onClose);
        if (err) {
          socket.destroy();
          if (this.socket === socket) this.socket = null;
          // The daemon may have closed an idle keep-alive connection just as we reused it (a
          // streamed body cannot be sent twice).
          if (reused && !retried && received.length === 0 && typeof body !== 'function') {
            resolve(this.exchange(method, urlPath, headers, body, true));
          } else {
            reject(err);
          }
          return;
        }
        if ((res.headers.connection || '').toLowerCase() === 'close') {
          socket.destroy();
          if (this.socket === socket) this.socket = null;
        } else {
          socket.unref();
        }
        resolve(res);
      };
      const onData = (chunk) => {
        received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
        if (!head) {
          const end = received.indexOf(HEADER_END);
          if (end < 0) return;
          head = parseHead(received.subarray(0, end).toString('latin1'));
          if (!head) return done(new Error('malformed response from the Runtime API'));
          head.bodyStart = end + 4;
        }
        const bodyBytes = received.length - head.bodyStart;
        if (head.chunked) {
          const decoded = decodeChunked(received.subarray(head.bodyStart));
          if (decoded === null) return undefined;
          if (decoded === false) return done(new Error('malformed chunked response from the Runtime API'));
          return done(null, { status: head.status, headers: head.headers, body: decoded });
        }
        if (bodyBytes < head.length) return undefined;
        return done(null, {
          status: head.status,
          headers: head.headers,
          body: received.subarray(head.bodyStart, head.bodyStart + head.length),
        });
      };
      const onError = (err) => done(err);
      const onClose = () => done(Object.assign(new Error('Runtime API connection closed'), { code: 'ECONNRESET' }));
      socket.on('data', onData);
      socket.on('error', onError);
      socket.on('close', onClose);
      socket.ref();
      let text = `${method} ${urlPath} HTTP/1.1\r\nHost: ${this.hostHeader}\r\n`;
      for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
      if (typeof body === 'function') {
        // A streamed body: chunked, then the trailers body() resolves to (or none).
        socket.write(`${text}Transfer-Encoding: chunked\r\n\r\n`, 'latin1');
        const writeChunk = (buf) => {
          if (buf.length === 0) return true;
          socket.write(`${buf.length.toString(16)}\r\n`, 'latin1');
          socket.write(buf);
          return socket.write('\r\n', 'latin1');
        };
        const drained = () => new Promise((resolve) => socket.once('drain', resolve));
        body(writeChunk, drained).then((trailers) => {
          let end = '0\r\n';
          for (const [name, value] of Object.entries(trailers || {})) end += `${name}: ${value}\r\n`;
          socket.write(`${end}\r\n`, 'latin1');
        }, (err) => done(err));
        return;
      }
      if (body !== undefined) text += `Content-Length: ${body.length}\r\n`;
      text += '\r\n';
      socket.write(body === undefined || body.length === 0 ? text : Buffer.concat([Buffer.from(text, 'latin1'), body]));
    });
  }

  connect() {
    const socket = net.connect({ host: this.hostname, port: this.port });
    socket.setNoDelay(true);
    socket.on('error', NOOP); // reported through the request in flight
    this.socket = socket;
    return socket;
  }

  async nextInvocation() {
    const res = await this.request('GET', `${API_PREFIX}/runtime/invocation/next`, {});
    if (res.status !== 200) {
      throw new Error(`GET /runtime/invocation/next returned ${res.status}: ${res.body.toString()}`);
    }
    return res;
  }

  async post(urlPath, body, headers) {
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    const res = await this.request('POST', urlPath, headers, buf);
    if (res.status >= 500) {
      fatal(`POST ${urlPath} returned ${res.status}: ${res.body.toString()}`);
    }
    return res;
  }

  postResponse(id, body, contentType, pending, handlerRun) {
    const headers = { 'Content-Type': contentType || 'application/json' };
    if (pending.length) headers['Offstage-Pending-Work'] = asciiJson(pending);
    if (handlerRun) headers['Offstage-Handler-Run'] = handlerRun;
    return this.post(`${API_PREFIX}/runtime/invocation/${encodeURIComponent(id)}/response`, body, headers);
  }

  // A streamed response (Lambda-Runtime-Function-Response-Mode: streaming): `feed(writeChunk,
  // drained)` writes the chunks and resolves to the trailers (an error after the stream began:
  // Lambda-Runtime-Function-Error-Type / -Body), as aws-lambda-ric's ResponseStream does.
  async postStream(id, contentType, feed) {
    const headers = {
      'Content-Type': contentType || 'application/octet-stream',
      'Lambda-Runtime-Function-Response-Mode': 'streaming',
      Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
    };
    const res = await this.request('POST', `${API_PREFIX}/runtime/invocation/${encodeURIComponent(id)}/response`, headers, feed);
    if (res.status >= 500) fatal(`POST streamed response returned ${res.status}: ${res.body.toString()}`);
    return res;
  }

  postError(id, error, pending, handlerRun) {
    const response = toRapidResponse(error);
    const headers = {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Function-Error-Type': headerSafe(response.errorType),
    };
    if (pending.length) headers['Offstage-Pending-Work'] = asciiJson(pending);
    if (handlerRun) headers['Offstage-Handler-Run'] = handlerRun;
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
    this.startedNs = 0n; // process.hrtime.bigint() (CLOCK_MONOTONIC) when the handler was called
    this.endedNs = 0n; // ... and when its outcome was known
  }

  // "start,end" for the Offstage-Handler-Run header, or undefined before the handler ran.
  handlerRun() {
    return this.startedNs ? `${this.startedNs},${this.endedNs || process.hrtime.bigint()}` : undefined;
  }

  markCompleted() {
    this.reported = true;
  }

  succeed(result, contentType) {
    if (!this.endedNs) this.endedNs = process.hrtime.bigint();
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
    this.post((pending) => client.postResponse(this.id, body, contentType, pending, this.handlerRun()));
  }

  fail(error) {
    if (!this.endedNs) this.endedNs = process.hrtime.bigint();
    if (this.reported) return;
    this.reported = true;
    beforeExitListener = NOOP;
    logError('Invoke Error', error);
    this.post((pending) => client.postError(this.id, error, pending, this.handlerRun()));
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
  const headers = next.headers; // names lower-cased by parseHead
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
    inv.startedNs = process.hrtime.bigint();
    const result = handlerFunc(event, context, callback);
    if (isPromise(result)) {
      result.then(context.succeed, context.fail).catch(context.fail);
    }
  } catch (err) {
    callback(err);
  }
}

// Response streaming handlers (awslambda.streamifyResponse): the handler's writes go to the
// Runtime API as they happen, in one chunked POST (opened at the first write, so an error
// before any byte is an ordinary /error; an error after it travels in the stream's trailers).
let sideClient = null; // a second Runtime API connection, for a streamed response's error

async function handleOnceStreaming(inv, next) {
  beforeExitListener = () => {
    if (!inv.reported) inv.fail(new NodeJsExit(NODEJS_EXIT_MESSAGE));
  };
  let contentType = 'application/octet-stream';
  let firstWrite = true;
  // Set once the POST is open: writeChunk and drained from the client, and how it is closed.
  let open = null;
  let opening = null;
  const openStream = () => {
    // Settled already (an error before any byte went to /error): a late write opens nothing.
    if (!opening && inv.reported) return Promise.reject(new Error('the invocation has ended'));
    if (!opening) {
      opening = new Promise((ready) => {
        const posted = client.postStream(inv.id, contentType, (writeChunk, drained) => new Promise((close) => {
          open = { writeChunk, drained, close };
          ready();
        }));
        inv.streamPosted = posted;
      });
    }
    return opening;
  };
  const stream = new Writable({
    highWaterMark: handlerFunc[HANDLER_HIGHWATERMARK] || undefined,
    write(chunk, _enc, cb) {
      openStream().then(() => {
        if (open.writeChunk(Buffer.from(chunk))) cb();
        else open.drained().then(() => cb());
      }, cb);
    },
    final(cb) {
      openStream().then(() => cb(), cb);
    },
  });
  stream.setContentType = (ct) => {
    if (!firstWrite) throw new Error('Cannot set content-type, too late.');
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
  const finished = new Promise((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  finished.catch(NOOP); // awaited on the success path only; an error settles it otherwise
  // The outcome: a clean end closes the stream; an error before it opened is an /error, after
  // it the trailers.
  // The error of a stream that is open: posted on a second connection, then the stream ends.
  const failOpenStream = async (error) => {
    sideClient = sideClient || new RapidClient(env.AWS_LAMBDA_RUNTIME_API);
    await sideClient.postError(inv.id, error, [], undefined);
    open.close(null);
    await inv.streamPosted;
  };
  // An uncaught exception or unhandled rejection while the stream is open ends it with that
  // error before the runtime exits (the ordinary callbacks would queue behind the stream).
  const exitOnError = (code) => (error) => reportAndExit(async () => {
    if (!open || inv.reported) return client.postError(inv.id, error, []);
    inv.reported = true;
    logError('Invoke Error', error);
    return failOpenStream(error);
  }, code);
  errorCallbacks.uncaughtException = exitOnError(129);
  errorCallbacks.unhandledRejection = exitOnError(128);
  const settle = async (error) => {
    if (!inv.endedNs) inv.endedNs = process.hrtime.bigint();
    if (inv.reported) return;
    if (error && !open) {
      inv.fail(error);
      stream.destroy();
      return;
    }
    inv.reported = true;
    beforeExitListener = NOOP;
    if (error) {
      // AWS's runtime client sends the error in the stream's trailers; the daemon's HTTP
      // library may not read trailers (cpp-httplib 0.11), so this one posts it to /error on a
      // second connection before it ends the stream, which offstage's Runtime API takes as the
      // stream's error.
      logError('Invoke Error', error);
    }
    try {
      if (error) {
        await failOpenStream(error);
      } else {
        open.close(null);
        await inv.streamPosted;
      }
    } catch (err) {
      fatal(`posting the streamed response failed: ${err.message}`);
    }
    stream.destroy();
    scheduleIteration();
  };
  try {
    const event = JSON.parse(next.body.toString('utf8'));
    const context = attachEnvironmentData({ callbackWaitsForEmptyEventLoop: false }, next.headers);
    inv.baseline = snapshotResources();
    inv.startedNs = process.hrtime.bigint();
    const result = handlerFunc(event, stream, context);
    if (!isPromise(result)) {
      await settle(new Error('Streaming does not support non-async handlers.'));
      return;
    }
    const value = await result;
    if (typeof value !== 'undefined') console.warn('Streaming handlers ignore return values.');
    if (!stream.writableEnded) {
      await settle(new Error('Response stream is not finished.'));
      return;
    }
    await finished;
    await settle(null);
  } catch (err) {
    await settle(err);
  }
}

// ---------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------

patchConsole();
try {
  // ES modules find packages in NODE_PATH (layers) as on Lambda: a resolution hook.
  if (env.NODE_PATH) {
    const nodeModule = await import('node:module');
    if (typeof nodeModule.register === 'function') {
      nodeModule.register('./node_path_hooks.mjs', import.meta.url, {
        data: { dirs: env.NODE_PATH.split(':').filter((dir) => dir.startsWith('/')) },
      });
    }
  }
  const appRoot = env.LAMBDA_TASK_ROOT || process.cwd();
  handlerFunc = await loadHandler(appRoot, env._HANDLER || '');
  handlerIsAsync = isAsyncFunction(handlerFunc);
  handlerIsStreaming = isStreamingHandler(handlerFunc);
} catch (error) {
  logError('Uncaught Exception', error);
  reportAndExit(() => client.postInitError(error), 129);
}
if (!exiting) scheduleIteration();
