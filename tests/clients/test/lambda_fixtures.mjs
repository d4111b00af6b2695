// Lambda fixtures for the JS client tests, as tests/integration/lambda_fixtures.py for the
// Python ones: the handlers in tests/fixtures/functions/, zipped as Lambda tooling would.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURES = path.resolve(here, '..', '..', 'fixtures', 'functions');
export const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
export const arnOf = (name) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

// A zip (stored entries) of every file in a fixture directory: enough for Lambda's unzip.
export function zipFixture(name) {
  const dir = path.join(FIXTURES, name);
  return zipEntries(fs.readdirSync(dir).sort().map((file) => ({
    name: file,
    data: fs.readFileSync(path.join(dir, file)),
    mode: fs.statSync(path.join(dir, file)).mode & 0o777,
  })));
}

// A zip (stored entries) of [{ name, data, mode }] (names may have directories: "a/b.js").
export function zipEntries(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name: file, data: content, mode = 0o644 } of entries) {
    const data = Buffer.from(content);
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
    central.writeUInt32LE(((0o100000 | mode) << 16) >>> 0, 38);
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
