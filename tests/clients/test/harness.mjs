// Starts a real offstage daemon for a JS test and gives the SDK the environment a user would:
// only AWS_ENDPOINT_URL points the clients at it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..', '..');
export const BIN = process.env.OFFSTAGE_BIN || path.join(repo, 'build', 'offstage');

export async function startDaemon(args = ['--ephemeral']) {
  const proc = spawn(BIN, ['serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  proc.stderr.on('data', (chunk) => output.push(chunk.toString()));
  const lines = readline.createInterface({ input: proc.stdout });
  const endpoint = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('offstage did not become ready: ' + output.join(''))), 30000);
    lines.on('line', (line) => {
      output.push(line + '\n');
      const match = /ready on (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    proc.on('exit', (code) => reject(new Error(`offstage exited with ${code}: ${output.join('')}`)));
  });
  return {
    endpoint,
    output,
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      const [code] = await once(proc, 'exit');
      return code;
    },
  };
}

// Point the SDK at the daemon the way users do: through AWS_ENDPOINT_URL alone.
export function useEndpoint(endpoint, region = 'us-east-1') {
  process.env.AWS_ENDPOINT_URL = endpoint;
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.AWS_REGION = region;
  delete process.env.AWS_PROFILE;
}
