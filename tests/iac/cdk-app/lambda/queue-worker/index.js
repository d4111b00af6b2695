// The CDK app's queue worker: fed by an SQS event source mapping; logs each message's body.
exports.handler = async (event) => {
  for (const record of event.Records) console.log(`cdk queue worker: ${record.body}`);
  return {};
};
