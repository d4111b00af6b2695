// The worker behind a queue (front -> jobs-queued topic -> jobs queue -> this worker): an SQS
// event source mapping hands it batches of messages, each body the front's JSON (raw message
// delivery). It reports the records it could not process (ReportBatchItemFailures), so only
// those return to the queue, and after two receives go to its dead-letter queue.
const { slowWork } = require('../shared/work');

exports.handler = async (event) => {
  const batchItemFailures = [];
  for (const record of event.Records) {
    try {
      const job = JSON.parse(record.body);
      if (job.fail) throw new Error('asked to fail');
      const result = await slowWork(job);
      console.log('worker-queued finished', JSON.stringify(result));
    } catch (err) {
      console.log('worker-queued failed', record.messageId, err.message);
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
