// (a) The front function does the slow work itself and returns when it is done: the caller
// waits for all of it.
const { slowWork } = require('../shared/work');

exports.handler = async (event) => {
  const started = performance.now();
  const result = await slowWork(event);
  return { variant: 'inline', result, handlerMs: performance.now() - started };
};
