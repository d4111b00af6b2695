// The same worker made idempotent: a charge is keyed by the SNS MessageId (the same on every
// delivery of one message), claimed atomically before charging: creating the key's marker
// file fails if a delivery of the same message claimed it first, even one running at the same
// moment in another environment. (On AWS the key would be a conditional write, e.g.
// DynamoDB's attribute_not_exists.)
const fs = require('node:fs');

exports.handler = async (event) => {
  const seen = process.env.LEDGER_FILE + '.seen';
  fs.mkdirSync(seen, { recursive: true });
  let charged = 0;
  for (const record of event.Records) {
    const id = record.Sns.MessageId;
    try {
      fs.closeSync(fs.openSync(`${seen}/${id}`, 'wx'));  // the claim: exclusive create
    } catch (err) {
      if (err.code === 'EEXIST') continue;  // delivered before: already charged
      throw err;
    }
    const order = JSON.parse(record.Sns.Message);
    fs.appendFileSync(process.env.LEDGER_FILE,
      JSON.stringify({ order: order.order, amount: order.amount, messageId: id }) + '\n');
    charged += 1;
  }
  return { charged };
};
