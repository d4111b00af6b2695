"""Shared helpers for the Lambda integration tests: fixture paths, zips, log tails."""
import base64
import io
import os
import stat
import zipfile

from harness import REPO

FIXTURES = os.path.join(REPO, "tests", "fixtures", "functions")
ROLE = "arn:aws:iam::000000000000:role/lambda-role"
ACCOUNT = "000000000000"
REGION = "us-east-1"


def fixture(name):
    return os.path.join(FIXTURES, name)


def function_arn(name):
    return "arn:aws:lambda:%s:%s:function:%s" % (REGION, ACCOUNT, name)


def zip_files(files):
    """A zip of {archive name: text or bytes or (content, mode)} as Lambda tooling builds it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            mode = 0o644
            if isinstance(content, tuple):
                content, mode = content
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.create_system = 3  # unix, so the permission bits below count
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buf.getvalue()


def zip_fixture(name, replace=None):
    """Zip a fixture directory, keeping executable bits; `replace` maps (old, new) text edits."""
    root = fixture(name)
    files = {}
    for dirpath, _, filenames in os.walk(root):
        for filename in sorted(filenames):
            path = os.path.join(dirpath, filename)
            with open(path, "rb") as f:
                content = f.read()
            for old, new in (replace or []):
                content = content.replace(old.encode(), new.encode())
            files[os.path.relpath(path, root)] = (content, os.stat(path).st_mode & 0o777)
    return zip_files(files)


def tail_log(response):
    """The decoded X-Amz-Log-Result of an Invoke response made with LogType=Tail."""
    return base64.b64decode(response["LogResult"]).decode()
