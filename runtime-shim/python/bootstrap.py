"""offstage Python runtime interface client ("shim").

Started by the offstage daemon as `python3 -u <this file>` with cwd = LAMBDA_TASK_ROOT.
Speaks the Lambda Runtime API (2018-06-01) to AWS_LAMBDA_RUNTIME_API and reproduces the
observable behaviour of AWS's Python runtime interface client (awslambdaric, used by the
python3.x managed runtimes): handler resolution, the context object, error bodies, the
root logging handler and its line format, init errors and Runtime.MarshalError.
See ../README.md.

Standard library only.  Offstage extensions, headers on /response and /error:
`Offstage-Pending-Work` (threads and asyncio tasks the handler left running) and
`Offstage-Handler-Run` (CLOCK_MONOTONIC nanoseconds when the handler was called and when it
returned or raised, "start,end").

The file is deliberately named bootstrap.py: like AWS's runtime, stack traces drop the
leading frames whose file name contains "/bootstrap.py".
"""

import decimal
import http.client
import importlib
import json
import logging
import math
import os
import sys
import threading
import time
import traceback

# Do not let user code import the shim's own directory (python puts the script's
# directory first on sys.path).
_SHIM_DIR = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or ".") == _SHIM_DIR:
    del sys.path[0]

API_PREFIX = "/2018-06-01"
ERROR_LOG_LINE_TERMINATE = "\r"
ERROR_LOG_IDENT = "\u00a0"  # NO-BREAK SPACE, as AWS indents traceback lines in logs
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
TEXT_LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"

LAMBDA_UNHANDLED_EXCEPTION_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. "
    "The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. To determine if the runtime has been updated, check the "
    "runtime version in the INIT_START log entry. If this error correlates with a change in the "
    "runtime version, you may be able to mitigate this error by temporarily rolling back to the "
    "previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)


class FaultException(Exception):
    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type, msg, trace=None):
        super().__init__(msg)
        self.msg = msg
        self.exception_type = exception_type
        self.trace = trace


def fatal(message):
    try:
        sys.stderr.write("offstage runtime shim: %s\n" % message)
        sys.stderr.flush()
    finally:
        os._exit(1)


# ---------------------------------------------------------------------------
# JSON marshalling (awslambdaric uses simplejson; this is the stdlib equivalent)
# ---------------------------------------------------------------------------


class _Encoder(json.JSONEncoder):
    def default(self, obj):
        # simplejson writes Decimals verbatim; the stdlib cannot, so integral values
        # become ints and the rest floats.
        if isinstance(obj, decimal.Decimal):
            if obj.is_nan():
                return math.nan
            if obj == obj.to_integral_value():
                return int(obj)
            return float(obj)
        return super().default(obj)


_ENCODER = _Encoder()


def to_json(obj):
    return _ENCODER.encode(obj)


def unmarshal_request(body, content_type):
    # awslambdaric passes the raw bytes through for any content type other than
    # application/json; a missing Content-Type is treated as JSON here.
    if content_type is not None and content_type.split(";")[0].strip() != "application/json":
        return body
    try:
        return json.loads(body)
    except Exception as e:
        raise FaultException(
            FaultException.UNMARSHAL_ERROR, "Unable to unmarshal input: {}".format(str(e)), None
        )


def marshal_response(response):
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return _ENCODER.encode(response).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultException(
            FaultException.MARSHAL_ERROR, "Unable to marshal response: {}".format(str(e)), None
        )


# ---------------------------------------------------------------------------
# Runtime API client: one HTTP/1.1 connection, kept alive, reconnect on failure.
# ---------------------------------------------------------------------------


class RuntimeClient:
    def __init__(self, address):
        if not address or ":" not in address:
            fatal("AWS_LAMBDA_RUNTIME_API must be host:port, got %r" % (address,))
        self.address = address
        self.conn = None
        self.used = False  # has self.conn already carried a request?

    def _request(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            if self.conn is None:
                # timeout=None: /next blocks until there is an event, never time it out.
                self.conn = http.client.HTTPConnection(self.address, timeout=None)
                self.used = False
            reused = self.used
            try:
                self.used = True
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.will_close:
                    self.conn.close()
                    self.conn = None
                return resp.status, resp.headers, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                # Only a reused keep-alive connection that the daemon closed is retried.
                if attempt or not reused:
                    raise

    def next_invocation(self):
        try:
            status, headers, body = self._request("GET", API_PREFIX + "/runtime/invocation/next")
        except Exception as e:
            fatal("waiting for the next invocation failed: %s" % e)
        if status != 200:
            fatal("GET /runtime/invocation/next returned %d: %r" % (status, body))
        return headers, body

    def _post(self, path, body, headers):
        try:
            status, _, data = self._request("POST", path, body, headers)
        except Exception as e:
            fatal("POST %s failed: %s" % (path, e))
        if status >= 500:
            fatal("POST %s returned %d: %r" % (path, status, data))
        return status

    @staticmethod
    def _offstage_headers(headers, pending, handler_run):
        if pending:
            headers["Offstage-Pending-Work"] = json.dumps(pending, ensure_ascii=True)
        if handler_run:
            headers["Offstage-Handler-Run"] = "%d,%d" % handler_run
        return headers

    def post_invocation_result(self, invoke_id, result, content_type, pending, handler_run=None):
        headers = self._offstage_headers({"Content-Type": content_type}, pending, handler_run)
        return self._post(
            "%s/runtime/invocation/%s/response" % (API_PREFIX, invoke_id), result, headers
        )

    def post_invocation_error(self, invoke_id, error_result, pending, handler_run=None):
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Function-Error-Type": _header_safe(error_result["errorType"]),
        }
        self._offstage_headers(headers, pending, handler_run)
        return self._post(
            "%s/runtime/invocation/%s/error" % (API_PREFIX, invoke_id),
            to_json(error_result).encode("utf-8"),
            headers,
        )

    def post_init_error(self, error_result):
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Function-Error-Type": _header_safe(error_result["errorType"]),
        }
        return self._post(
            API_PREFIX + "/runtime/init/error", to_json(error_result).encode("utf-8"), headers
        )


def _header_safe(value):
    return "".join(c if " " <= c <= "~" else "?" for c in str(value))


# ---------------------------------------------------------------------------
# Logging (as awslambdaric: root handler, text or JSON format, stdout sink)
# ---------------------------------------------------------------------------

_GLOBAL_AWS_REQUEST_ID = None
_GLOBAL_TENANT_ID = None
_JSON_LOGS = (os.environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"

_RESERVED_FIELDS = {
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module",
    "exc_info", "exc_text", "stack_info", "lineno", "funcName", "created", "msecs",
    "relativeCreated", "thread", "threadName", "processName", "process", "aws_request_id",
    "tenant_id", "_frame_type", "taskName",
}


class Unbuffered:
    def __init__(self, stream):
        self.stream = stream

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        self.stream.write(msg)
        self.stream.flush()

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


def _write_stdout(msg):
    try:
        sys.stdout.write(msg)
    except Exception:
        pass


class JsonFormatter(logging.Formatter):
    def __init__(self):
        super().__init__(datefmt=DATETIME_FORMAT)

    def formatTime(self, record, datefmt=None):
        return time.strftime(DATETIME_FORMAT, time.gmtime(record.created)) + ".%03dZ" % record.msecs

    def format(self, record):
        record.levelno = min(50, max(0, record.levelno)) // 10 * 10
        record.levelname = logging.getLevelName(record.levelno)
        exc = record.exc_info
        result = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc[2]) if exc else None,
            "errorType": exc[0].__name__ if exc else None,
            "errorMessage": str(exc[1]) if exc else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": "%s:%s:%s" % (record.pathname, record.funcName, record.lineno) if exc else None,
        }
        if getattr(record, "tenant_id", None) is not None:
            result["tenantId"] = record.tenant_id
        result.update(
            (k, v) for k, v in record.__dict__.items() if k not in _RESERVED_FIELDS and k not in result
        )
        result = {k: v for k, v in result.items() if v is not None}
        return json.dumps(result, ensure_ascii=False, default=str) + "\n"


class LambdaLoggerHandler(logging.Handler):
    def emit(self, record):
        try:
            msg = self.format(record)
        except Exception:
            self.handleError(record)
            return
        # One logging call = one line (AWS keeps it one CloudWatch event); the text
        # format already ends with "\n", inner newlines become "\r" as in error lines.
        if msg.endswith("\n"):
            msg = msg[:-1]
        _write_stdout(msg.replace("\n", ERROR_LOG_LINE_TERMINATE) + "\n")


class LambdaLoggerFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _GLOBAL_AWS_REQUEST_ID or ""
        record.tenant_id = _GLOBAL_TENANT_ID
        return True


def setup_logging():
    logging.Formatter.converter = time.gmtime
    root = logging.getLogger()
    handler = LambdaLoggerHandler()
    if _JSON_LOGS:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_LOG_FORMAT, DATETIME_FORMAT))
    # As awslambdaric: the level is only set when AWS_LAMBDA_LOG_LEVEL names a valid
    # level (TRACE maps to DEBUG); otherwise the root logger keeps Python's WARNING.
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    level = {None: "", "TRACE": "DEBUG"}.get(level, level).upper()
    if level in logging._nameToLevel:
        root.setLevel(level)
    handler.addFilter(LambdaLoggerFilter())
    root.addHandler(handler)


def _replace_line_indentation(line, indent_char, new_indent_char):
    n = len(line) - len(line.lstrip(indent_char))
    return new_indent_char * n + line[n:]


def log_error(error_result):
    if _JSON_LOGS:
        entry = {
            "timestamp": time.strftime(DATETIME_FORMAT, time.gmtime(time.time())),
            "level": "ERROR",
        }
        entry.update(error_result)
        _write_stdout(to_json(entry) + "\n")
        return
    description = "[ERROR]"
    etype = error_result.get("errorType")
    if etype:
        description += " " + etype
    emsg = error_result.get("errorMessage")
    if emsg:
        if etype:
            description += ":"
        description += " " + emsg
    lines = [description]
    stack_trace = error_result.get("stackTrace")
    if stack_trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack_trace:
            if element == "":
                lines.append("")
            else:
                for line in element.splitlines():
                    lines.append(_replace_line_indentation(line, " ", ERROR_LOG_IDENT))
    _write_stdout(ERROR_LOG_LINE_TERMINATE.join(lines) + "\n")


# ---------------------------------------------------------------------------
# Handler resolution and errors (as awslambdaric bootstrap.py)
# ---------------------------------------------------------------------------


def get_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(
            FaultException.MALFORMED_HANDLER_NAME, "Bad handler '{}': {}".format(handler, str(e))
        )
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module {} as a handler module".format(modname),
            )
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR,
            "Unable to import module '{}': {}".format(modname, str(e)),
        )
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR,
            "Syntax error in module '{}': {}".format(modname, str(e)),
            trace,
        )
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND,
            "Handler '{}' missing on module '{}'".format(fname, modname),
            None,
        )


def make_error(error_message, error_type, stack_trace, invoke_id=None):
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def _user_frames(tb):
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i in range(len(frames)):
        if "/bootstrap.py" not in frames[i][0]:
            return frames[i:]
    return frames


def build_fault_result(exc_info, msg, invoke_id=None):
    etype, value, tb = exc_info
    return make_error(
        msg if msg else str(value),
        etype.__name__,
        traceback.format_list(_user_frames(tb)),
        invoke_id,
    )


# ---------------------------------------------------------------------------
# Context object (as awslambdaric lambda_context.py)
# ---------------------------------------------------------------------------


class CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __repr__(self):
        return "CognitoIdentity([cognito_identity_id=%s,cognito_identity_pool_id=%s])" % (
            self.cognito_identity_id,
            self.cognito_identity_pool_id,
        )


class Client:
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]

    def __repr__(self):
        return "Client([%s])" % ",".join("%s=%s" % (s, getattr(self, s)) for s in self.__slots__)


class ClientContext:
    __slots__ = ["custom", "env", "client"]

    def __repr__(self):
        return "ClientContext([custom=%s,env=%s,client=%s])" % (self.custom, self.env, self.client)


def _make_obj_from_dict(cls, d):
    if d is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, d.get(field, None))
    return obj


class LambdaContext:
    def __init__(self, invoke_id, client_context, cognito_identity, epoch_deadline_time_in_ms,
                 invoked_function_arn=None, tenant_id=None):
        self.aws_request_id = invoke_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        # A string, as in awslambdaric (os.environ value).
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self.client_context = _make_obj_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _make_obj_from_dict(Client, self.client_context.client)
        self.identity = _make_obj_from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._epoch_deadline_time_in_ms = epoch_deadline_time_in_ms

    def get_remaining_time_in_millis(self):
        delta = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return delta if delta > 0 else 0

    def log(self, msg):
        _write_stdout(str(msg))

    def __repr__(self):
        return (
            "LambdaContext([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,function_name=%s,"
            "memory_limit_in_mb=%s,function_version=%s,invoked_function_arn=%s,client_context=%s,"
            "identity=%s,tenant_id=%s])"
            % (self.aws_request_id, self.log_group_name, self.log_stream_name, self.function_name,
               self.memory_limit_in_mb, self.function_version, self.invoked_function_arn,
               self.client_context, self.identity, self.tenant_id)
        )


def _parse_json_header(value, name):
    try:
        return json.loads(value)
    except Exception as e:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR,
            "Unable to parse {} JSON: {}".format(name, str(e)),
            None,
        )


def _deadline_ms(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# ---------------------------------------------------------------------------
# Pending-work accounting (offstage extension)
# ---------------------------------------------------------------------------


def _asyncio_tasks():
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:
        return []
    tasks = []
    for attr in ("_all_tasks", "_scheduled_tasks"):  # 3.11 / 3.12+
        registry = getattr(asyncio.tasks, attr, None)
        if registry is not None:
            try:
                tasks.extend(list(registry))
            except Exception:
                pass
    return tasks


def snapshot_work():
    return (set(threading.enumerate()), set(id(t) for t in _asyncio_tasks()))


def _task_label(task):
    try:
        name = task.get_name()
    except Exception:
        name = "Task"
    coro = None
    try:
        coro = task.get_coro()
    except Exception:
        pass
    qual = getattr(coro, "__qualname__", None)
    return "Task:%s (%s)" % (name, qual) if qual else "Task:%s" % name


def pending_work(before):
    if before is None:
        return []
    threads_before, tasks_before = before
    left = ["Thread:%s" % t.name for t in threading.enumerate() if t not in threads_before and t.is_alive()]
    for task in _asyncio_tasks():
        try:
            if id(task) not in tasks_before and not task.done():
                left.append(_task_label(task))
        except Exception:
            pass
    return sorted(left)


# ---------------------------------------------------------------------------
# Invocation loop
# ---------------------------------------------------------------------------


def handle_event_request(client, request_handler, headers, body):
    invoke_id = headers.get("Lambda-Runtime-Aws-Request-Id")
    error_result = None
    before = None
    started = ended = 0  # time.monotonic_ns() (CLOCK_MONOTONIC) around the handler's call
    try:
        client_context = headers.get("Lambda-Runtime-Client-Context")
        cognito_identity = headers.get("Lambda-Runtime-Cognito-Identity")
        lambda_context = LambdaContext(
            invoke_id,
            _parse_json_header(client_context, "Client Context") if client_context else None,
            _parse_json_header(cognito_identity, "Cognito Identity") if cognito_identity else None,
            _deadline_ms(headers.get("Lambda-Runtime-Deadline-Ms")),
            headers.get("Lambda-Runtime-Invoked-Function-Arn"),
            headers.get("Lambda-Runtime-Aws-Tenant-Id"),
        )
        event = unmarshal_request(body, headers.get("Content-Type"))
        before = snapshot_work()
        started = time.monotonic_ns()
        response = request_handler(event, lambda_context)
        ended = time.monotonic_ns()
        result, content_type = marshal_response(response)
    except FaultException as e:
        error_result = make_error(e.msg, e.exception_type, e.trace, invoke_id)
    except Exception:
        error_result = build_fault_result(sys.exc_info(), None, invoke_id)

    if started and not ended:  # the handler raised
        ended = time.monotonic_ns()
    handler_run = (started, ended) if started else None
    pending = pending_work(before)
    if error_result is not None:
        log_error(error_result)
        client.post_invocation_error(invoke_id, error_result, pending, handler_run)
    else:
        client.post_invocation_result(invoke_id, result, content_type, pending, handler_run)


def main():
    global _GLOBAL_AWS_REQUEST_ID, _GLOBAL_TENANT_ID
    sys.stdout = Unbuffered(sys.stdout)
    sys.stderr = Unbuffered(sys.stderr)
    client = RuntimeClient(os.environ.get("AWS_LAMBDA_RUNTIME_API"))
    setup_logging()

    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    if task_root not in sys.path:
        sys.path.insert(0, task_root)

    try:
        request_handler = get_handler(os.environ.get("_HANDLER", ""))
    except FaultException as e:
        error_result = make_error(e.msg, e.exception_type, e.trace)
    except Exception:
        error_result = build_fault_result(sys.exc_info(), None)
    else:
        error_result = None
    if error_result is not None:
        logging.warning(LAMBDA_UNHANDLED_EXCEPTION_WARNING)
        log_error(error_result)
        client.post_init_error(error_result)
        sys.exit(1)

    while True:
        headers, body = client.next_invocation()
        invoke_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        if not invoke_id:
            fatal("next invocation has no Lambda-Runtime-Aws-Request-Id header")
        _GLOBAL_AWS_REQUEST_ID = invoke_id
        _GLOBAL_TENANT_ID = headers.get("Lambda-Runtime-Aws-Tenant-Id")
        trace_id = headers.get("Lambda-Runtime-Trace-Id")
        if trace_id is not None:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        handle_event_request(client, request_handler, headers, body)


if __name__ == "__main__":
    main()
