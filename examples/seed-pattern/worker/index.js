// The worker: subscribed to the jobs topic, it does the slow work for each message.
const { slowWork } = require('../shared/work');

exports.handler = async (event) => {
  const started = performance.now();
  const job = JSON.parse(event.Records[0].Sns.Message);
  const result = await slowWork(job);
  console.log('worker finished', JSON.stringify(result));
  return { result, handlerMs: performance.now() - started };
};
