// The CDK app's Node worker: logs what it got, so the test can see it ran.
exports.handler = async (event) => {
  const message = event.Records[0].Sns.Message;
  console.log(`cdk worker: ${process.env.GREETING}: ${message}`);
  return { message };
};
