// (b) The classic mistake: start the slow work and return without awaiting it. Locally this
// looks fine; on AWS the execution environment is frozen right after the response, so the
// work stalls until the next invocation of this environment, or never runs.
const { slowWork } = require('../shared/work');

exports.handler = async (event) => {
  const started = performance.now();
  slowWork(event).then((result) => console.log('background work finished', JSON.stringify(result)));
  return { variant: 'unawaited', handlerMs: performance.now() - started };
};
