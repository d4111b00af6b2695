// offstage's Node runtime client: a module resolution hook (module.register) that lets ES
// modules import packages from the directories in NODE_PATH, as Lambda's Node 18+ runtimes do
// for layers ("Lambda searches folders in the NODE_PATH environment variable when loading ES
// modules"); plain Node ignores NODE_PATH for `import`. Registered by bootstrap.mjs only when
// NODE_PATH is set. Runs on Node's hooks thread; stateless after initialize.
import { pathToFileURL } from 'node:url';

let dirs = [];

export function initialize(data) {
  dirs = (data && data.dirs) || [];
}

const bare = (specifier) =>
  !specifier.startsWith('.') && !specifier.startsWith('/') && !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(specifier);

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (error.code !== 'ERR_MODULE_NOT_FOUND' || !bare(specifier)) throw error;
    for (const dir of dirs) {
      // A parent inside DIR resolves bare names from DIR itself (DIR is a node_modules).
      try {
        return await nextResolve(specifier, { ...context, parentURL: pathToFileURL(`${dir}/index.mjs`).href });
      } catch {
        // not in this directory: the next one
      }
    }
    throw error;
  }
}
