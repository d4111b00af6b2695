// A worker that is NOT idempotent: every delivery of an order appends a charge to the ledger
// (LEDGER_FILE). SNS delivers at least once, so on AWS the same message can arrive twice and
// the customer is charged twice. `offstage faults add --topic orders --kind duplicate` shows it.
const fs = require('node:fs');

exports.handler = async (event) => {
  for (const record of event.Records) {
    const order = JSON.parse(record.Sns.Message);
    fs.appendFileSync(process.env.LEDGER_FILE,
      JSON.stringify({ order: order.order, amount: order.amount, messageId: record.Sns.MessageId }) + '\n');
  }
  return { charged: event.Records.length };
};
